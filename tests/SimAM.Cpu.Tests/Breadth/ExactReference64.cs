using System;

namespace SimAM.Tests.Breadth;

/// <summary>
/// The exact variant (leave-one-out statistics, the paper's closed form) evaluated naively in float64, in
/// the plain variables of docs/exact-variant.md (c, Q, σ_t²) rather than the engine's scaled ones. The
/// backward formula is checked against central finite differences of <see cref="Forward"/> before any
/// kernel is compared with it.
/// </summary>
public static class ExactReference64
{
    /// <summary>E_t = ((t − μ_t)² + 2σ_t² + 2λ) / (4(σ_t² + λ)) for every value of one plane, from the plane totals.</summary>
    public static double[] Energies(ReadOnlySpan<double> plane, double lambda)
    {
        var (mean, q) = Totals(plane);
        double m = plane.Length;
        var energies = new double[plane.Length];
        for (var i = 0; i < plane.Length; i++)
        {
            var c = plane[i] - mean;
            var distance = m * c / (m - 1);
            var variance = (q - (m * c * c / (m - 1))) / (m - 1);
            energies[i] = ((distance * distance) + (2 * variance) + (2 * lambda)) / (4 * (variance + lambda));
        }

        return energies;
    }

    public static double[] Forward(ReadOnlySpan<double> x, int planeSize, double lambda)
    {
        var y = new double[x.Length];
        for (var start = 0; start < x.Length; start += planeSize)
        {
            var plane = x.Slice(start, planeSize);
            var energies = Energies(plane, lambda);
            for (var i = 0; i < planeSize; i++)
            {
                y[start + i] = plane[i] / (1 + Math.Exp(-energies[i]));
            }
        }

        return y;
    }

    /// <summary>
    /// dx_k = g_k·s_k + a_k·P_k − (1/M)·Σ a_j·P_j + 2c_k·Σ a_j·R_j with a = g·x·s(1 − s), P_j = ∂E_j/∂c_j
    /// and R_j = ∂E_j/∂Q (docs/exact-variant.md).
    /// </summary>
    public static double[] Backward(ReadOnlySpan<double> x, ReadOnlySpan<double> g, int planeSize, double lambda)
    {
        var dx = new double[x.Length];
        double m = planeSize;
        var beta = m / (m - 1);
        var a = new double[planeSize];
        var p = new double[planeSize];
        var s = new double[planeSize];
        for (var start = 0; start < x.Length; start += planeSize)
        {
            var plane = x.Slice(start, planeSize);
            var (mean, q) = Totals(plane);
            double sumAP = 0, sumAR = 0;
            for (var j = 0; j < planeSize; j++)
            {
                var c = plane[j] - mean;
                var d = ((q - (beta * c * c)) / (m - 1)) + lambda;
                var energy = 0.5 + (beta * beta * c * c / (4 * d));
                s[j] = 1 / (1 + Math.Exp(-energy));
                a[j] = g[start + j] * plane[j] * s[j] * (1 - s[j]);
                p[j] = beta * beta * c / (2 * d) * (1 + (beta * c * c / ((m - 1) * d)));
                var r = -beta * beta * c * c / (4 * d * d * (m - 1));
                sumAP += a[j] * p[j];
                sumAR += a[j] * r;
            }

            for (var k = 0; k < planeSize; k++)
            {
                var c = plane[k] - mean;
                dx[start + k] = (g[start + k] * s[k]) + (a[k] * p[k]) - (sumAP / m) + (2 * c * sumAR);
            }
        }

        return dx;
    }

    public static (double Mean, double SumOfSquares) Totals(ReadOnlySpan<double> plane)
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

        return (mean, q);
    }
}
