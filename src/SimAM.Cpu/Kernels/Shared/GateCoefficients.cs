using System;

namespace SimAM.Kernels;

/// <summary>
/// A plane's forward constants in the form the kernels use: E = u² + ½ with u = (x − μ)·r and
/// r = √k = 1 / (2√(v + λ)). Scaling c by r before squaring keeps u of order one, so neither c² nor
/// k·c² can overflow or underflow in float even for values near float's range.
/// </summary>
internal readonly struct GateCoefficients
{
    public GateCoefficients(PlaneStatistics statistics, double lambda)
    {
        Mean = statistics.Mean;
        Root = RootOf(statistics.Variance, lambda);
    }

    /// <summary>Gets the plane mean μ.</summary>
    public double Mean { get; }

    /// <summary>Gets r = √k.</summary>
    public double Root { get; }

    /// <summary>
    /// r = 1 / (2√(v + λ)), except 0 for a plane of variance 0. Such a plane is constant (its values are all
    /// equal to the mean, which is exact for them), so every u = (x − μ)·r and every term of the backward pass
    /// that carries x − μ is 0 whatever r is: r = 0 gives the same numbers, while r = 1/(2√λ) made the kernels
    /// form μ·r and x·2r, which overflow float for |x| above 6.8e38·√λ (6.8e36 at λ = 1e-4) and turned such a
    /// plane into NaN.
    /// </summary>
    public static double RootOf(double variance, double lambda) => variance == 0 ? 0 : 0.5 / Math.Sqrt(variance + lambda);
}

/// <summary>
/// A plane's backward constants: dx = g·s + u·(a' − D) − B with a' = 2r·a = g·(x·2r)·s(1 − s),
/// B = Σ(a'·u)/S and D = 4·Σ(a'·u²)/(S − 1). This is the math document's
/// dx = g·s + 2k·a·c − (2k/S)·R1 − (8k²/n)·R2·c rewritten in u = c·r and a' (k = r²): every factor
/// stays of order one, where g·x or x − μ alone can overflow float.
/// </summary>
internal readonly struct BackwardCoefficients
{
    public BackwardCoefficients(BackwardSums sums, int planeSize)
    {
        Offset = sums.WeightedU / planeSize;
        Slope = 4 * sums.WeightedUSquared / (planeSize - 1);
    }

    /// <summary>Gets B = Σ(a'·u)/S.</summary>
    public double Offset { get; }

    /// <summary>Gets D = 4·Σ(a'·u²)/(S − 1).</summary>
    public double Slope { get; }
}

/// <summary>The backward reductions Σ a'·u and Σ a'·u² of a chunk (a' = 2r·g·x·s(1 − s)), in double.</summary>
internal readonly record struct BackwardSums(double WeightedU, double WeightedUSquared)
{
    public static BackwardSums operator +(BackwardSums left, BackwardSums right) =>
        new(left.WeightedU + right.WeightedU, left.WeightedUSquared + right.WeightedUSquared);
}
