using System;

namespace SimAM.Kernels;

/// <summary>
/// Which formula a kernel evaluates for the inverse energy E (<see cref="SimAmVariant"/>). A type parameter
/// rather than a flag: the JIT removes the branch that is not taken, so the fast variant pays nothing for
/// the exact one.
/// </summary>
internal interface IEnergy
{
    /// <summary>Gets a value indicating whether E uses the leave-one-out statistics.</summary>
    static abstract bool IsExact { get; }
}

/// <summary>E = ½ + u², u = (x − μ)/(2√(v + λ)): the reference module's whole-plane formula.</summary>
internal readonly struct FastEnergy : IEnergy
{
    public static bool IsExact => false;
}

/// <summary>
/// E = ½ + β²·u² / (1 − 4α·u²) with α = M/(M − 1)², β = M/(M − 1): the paper's closed form with
/// leave-one-out statistics, rewritten in the fast variant's u (docs/exact-variant.md).
/// </summary>
internal readonly struct ExactEnergy : IEnergy
{
    public static bool IsExact => true;
}

/// <summary>
/// The constants of E that depend only on the plane size M, in the kernels' scaled unit
/// z = u·√log2(e) (so that t = −E·log2(e) = −½·log2(e) − β²·z²/d with d = 1 − κ·z²).
/// </summary>
internal readonly struct EnergyConstants
{
    /// <summary>
    /// The smallest d the kernels let through. In exact arithmetic d = (σ_t² + λ)/(v + λ) ≥ λ/(v + λ) &gt; 0;
    /// rounding can push 1 − κz² to zero or below only where E is already beyond 10⁶ (the gate is 1 in
    /// float), so a floor of 2^-40 changes nothing there and keeps E positive and finite and 1/d² normal.
    /// </summary>
    public const double Floor = 1.0 / (1L << 40);

    /// <summary>
    /// Planes of at most this many values run the exact variant in double whatever the tensor's type: with
    /// so few neighbours a neuron can carry most of its plane's variance at a moderate E, and float's
    /// rounding of z, amplified by the cancellation in 1 − κz² (twice in the gradient, which divides by its
    /// square), exceeded the backward bound on 2 and 3 values; on planes off zero (x = 10 + noise) the vector
    /// kernels still reached 1.15× the bound on 17 values with the slope formed as e·s². From 33 values on, 256
    /// planes per size at offsets 10 to 1000 stay within it. See docs/exact-variant.md.
    /// </summary>
    public const int SmallExactPlane = 32;

    private EnergyConstants(double shrink, double boost)
    {
        Shrink = shrink;
        Boost = boost;
    }

    /// <summary>Gets κ = 4α / log2(e) (0 for the fast variant).</summary>
    public double Shrink { get; }

    /// <summary>Gets β² = M² / (M − 1)² (1 for the fast variant).</summary>
    public double Boost { get; }

    public static EnergyConstants Create(SimAmVariant variant, int planeSize)
    {
        if (variant == SimAmVariant.Fast)
        {
            return new EnergyConstants(0, 1);
        }

        double m = planeSize;
        var beta = m / (m - 1);
        var alpha = beta / (m - 1);
        return new EnergyConstants(4 * alpha / FastSigmoid.Log2E, beta * beta);
    }

    /// <summary>The constants of variant <typeparamref name="TVariant"/> for planes of <paramref name="planeSize"/> values.</summary>
    public static EnergyConstants Create<TVariant>(int planeSize)
        where TVariant : IEnergy => Create(TVariant.IsExact ? SimAmVariant.Exact : SimAmVariant.Fast, planeSize);

    /// <summary>Gets √log2(e), the scale between u and the kernels' z.</summary>
    public static double RootLog2E { get; } = Math.Sqrt(FastSigmoid.Log2E);
}
