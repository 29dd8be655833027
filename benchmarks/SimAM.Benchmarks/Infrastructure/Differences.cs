using System;

namespace SimAM.Benchmarks.Infrastructure;

/// <summary>
/// How far two results are apart, for the sub-commands that check a peer or another path against the engine before
/// timing it: the largest magnitude and the largest absolute difference, in double. A NaN difference is returned as
/// soon as it is met, so that a check against a tolerance fails on it.
/// </summary>
internal static class Differences
{
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

    public static double MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var max = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = Math.Abs((double)a[i] - b[i]);
            if (double.IsNaN(d))
            {
                return d;
            }

            max = Math.Max(max, d);
        }

        return max;
    }

    public static double MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<double> b)
    {
        var max = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = Math.Abs(a[i] - b[i]);
            if (double.IsNaN(d))
            {
                return d;
            }

            max = Math.Max(max, d);
        }

        return max;
    }
}
