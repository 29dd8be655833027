using System;
using Xunit.Sdk;

namespace SimAM.Gam.Tests.Infrastructure;

/// <summary>
/// The accuracy bounds for the module against a float64 evaluation y64 of the PyTorch module, element-wise
/// relative to the largest output: float max|y − y64| ≤ 2e-6·max|y64|, double ≤ 1e-12·max|y64|.
/// </summary>
public static class Accuracy
{
    public const double FloatBound = 2e-6;

    public const double DoubleBound = 1e-12;

    /// <summary>Asserts |actual − expected| ≤ bound·max|expected| element-wise; returns the worst error relative to max|expected|.</summary>
    public static double AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, double bound, string context)
    {
        var wide = new double[actual.Length];
        for (var i = 0; i < actual.Length; i++)
        {
            wide[i] = actual[i];
        }

        return AssertClose(wide, expected, bound, context);
    }

    /// <summary>Asserts |actual − expected| ≤ bound·max|expected| element-wise; returns the worst error relative to max|expected|.</summary>
    public static double AssertClose(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected, double bound, string context) =>
        AssertClose(actual, expected, bound, MaxAbs(expected), context);

    /// <summary>Asserts |actual − expected| ≤ bound·scale element-wise; returns the worst error relative to scale.</summary>
    public static double AssertClose(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected, double bound, double scale, string context)
    {
        if (actual.Length != expected.Length)
        {
            throw new XunitException($"{context}: length {actual.Length}, expected {expected.Length}.");
        }

        var limit = bound * scale;
        var worst = 0.0;
        for (var i = 0; i < expected.Length; i++)
        {
            var error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= limit))
            {
                throw new XunitException(
                    $"{context}: element {i} is {actual[i]:R}, expected {expected[i]:R}: error {error:E3} > {bound:E1}·{scale:E3} = {limit:E3}.");
            }

            worst = Math.Max(worst, error);
        }

        return scale == 0 ? 0 : worst / scale;
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

    public static double[] Widen(ReadOnlySpan<float> values)
    {
        var wide = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            wide[i] = values[i];
        }

        return wide;
    }
}
