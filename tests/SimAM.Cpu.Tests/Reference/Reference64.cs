using System;

namespace SimAM.Tests.Reference;

/// <summary>
/// The formula of the math document, evaluated naively in float64: the yardstick for every kernel.
/// Deliberately shares no code with the engine.
/// </summary>
public static class Reference64
{
    public static double[] Forward(ReadOnlySpan<double> x, int planeSize, double lambda)
    {
        var y = new double[x.Length];
        for (var start = 0; start < x.Length; start += planeSize)
        {
            var plane = x.Slice(start, planeSize);
            var (mean, k) = Statistics(plane, lambda);
            for (var i = 0; i < planeSize; i++)
            {
                var c = plane[i] - mean;
                var energy = (k * c * c) + 0.5;
                y[start + i] = plane[i] / (1 + Math.Exp(-energy));
            }
        }

        return y;
    }

    public static double[] Backward(ReadOnlySpan<double> x, ReadOnlySpan<double> g, int planeSize, double lambda)
    {
        var dx = new double[x.Length];
        var a = new double[planeSize];
        var s = new double[planeSize];
        for (var start = 0; start < x.Length; start += planeSize)
        {
            var plane = x.Slice(start, planeSize);
            var (mean, k) = Statistics(plane, lambda);
            double r1 = 0, r2 = 0;
            for (var i = 0; i < planeSize; i++)
            {
                var c = plane[i] - mean;
                s[i] = 1 / (1 + Math.Exp(-((k * c * c) + 0.5)));
                a[i] = g[start + i] * plane[i] * s[i] * (1 - s[i]);
                r1 += a[i] * c;
                r2 += a[i] * c * c;
            }

            var n = planeSize - 1.0;
            for (var i = 0; i < planeSize; i++)
            {
                var c = plane[i] - mean;
                dx[start + i] = (g[start + i] * s[i]) + (2 * k * a[i] * c) - (2 * k / planeSize * r1) - (8 * k * k / n * r2 * c);
            }
        }

        return dx;
    }

    public static (double Mean, double K) Statistics(ReadOnlySpan<double> plane, double lambda)
    {
        var mean = 0.0;
        foreach (var v in plane)
        {
            mean += v;
        }

        mean /= plane.Length;
        var q = 0.0;
        foreach (var v in plane)
        {
            q += (v - mean) * (v - mean);
        }

        var variance = q / (plane.Length - 1);
        return (mean, 1 / (4 * (variance + lambda)));
    }

    public static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = values[i];
        }

        return result;
    }
}
