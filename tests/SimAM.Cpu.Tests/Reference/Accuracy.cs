using System;
using Xunit.Sdk;

namespace SimAM.Tests.Reference;

/// <summary>
/// The accuracy bounds, checked plane by plane: forward max|y − y64| ≤ 2e-7·max|x|,
/// backward max|dx − dx64| ≤ 1e-6·max|dx64|.
/// </summary>
public static class Accuracy
{
    public const double ForwardBound = 2e-7;
    public const double BackwardBound = 1e-6;

    public static void AssertForward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<double> y64, int planeSize, string context)
    {
        var input = x.ToArray();
        AssertPlanes(y, y64, planeSize, plane => ForwardBound * MaxAbs(input.AsSpan(plane * planeSize, planeSize)), context + " forward");
    }

    public static void AssertBackward(ReadOnlySpan<float> dx, ReadOnlySpan<double> dx64, int planeSize, string context)
    {
        var reference = dx64.ToArray();
        AssertPlanes(dx, dx64, planeSize, plane => BackwardBound * MaxAbs(reference.AsSpan(plane * planeSize, planeSize)), context + " backward");
    }

    /// <summary>The largest plane error relative to the plane's bound (≤ 1 passes).</summary>
    public static double WorstRatio(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, int planeSize, Func<int, double> bound)
    {
        var worst = 0.0;
        for (var plane = 0; plane * planeSize < actual.Length; plane++)
        {
            var error = 0.0;
            for (var i = plane * planeSize; i < (plane + 1) * planeSize; i++)
            {
                error = Math.Max(error, Math.Abs(actual[i] - expected[i]));
            }

            worst = Math.Max(worst, error / bound(plane));
        }

        return worst;
    }

    public static double MaxAbs(ReadOnlySpan<float> values)
    {
        var max = 0.0;
        foreach (var v in values)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }

    public static double MaxAbs(ReadOnlySpan<double> values)
    {
        var max = 0.0;
        foreach (var v in values)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }

    private static void AssertPlanes(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, int planeSize, Func<int, double> bound, string context)
    {
        for (var plane = 0; plane * planeSize < actual.Length; plane++)
        {
            var error = 0.0;
            var at = 0;
            for (var i = plane * planeSize; i < (plane + 1) * planeSize; i++)
            {
                var e = Math.Abs(actual[i] - expected[i]);
                if (!(e <= error))
                {
                    error = double.IsNaN(e) ? double.PositiveInfinity : e;
                    at = i;
                }
            }

            var limit = bound(plane);
            if (!(error <= limit))
            {
                throw new XunitException(
                    $"{context}: plane {plane} (S = {planeSize}) error {error:E3} at {at} exceeds {limit:E3} (actual {actual[at]:R}, expected {expected[at]:R}).");
            }
        }
    }
}
