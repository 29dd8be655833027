using System;
using ILGPU;

namespace SimAM.Gpu.Ilgpu.Kernels;

/// <summary>
/// The per-plane constants of the gate, from the plane's statistics in double, and the elementwise formulas in
/// float. A NaN or ±∞ in the plane makes its statistics non-finite, and then every output of the plane is NaN.
/// </summary>
/// <remarks>
/// <para>
/// u = (x − μ)·r with r = 1/(2√(v + λ)), so E = u² + ½. μ is carried as two floats μ_hi + μ_lo: rounding it to one
/// float would shift every u by up to ulp(μ)·r, which on a plane like x = 100 + noise alone breaks the forward bound.
/// </para>
/// <para>
/// The gate is float on purpose: on the PTX backend (with ILGPU.Algorithms) <see cref="MathF.Exp"/> is one multiply
/// by log2(e) and one <c>ex2.approx.f32</c>, where <see cref="Math.Exp(double)"/> is a software routine of over a
/// thousand PTX instructions (see docs/gpu.md; the PTX tests count them). Only the sums are double.
/// </para>
/// </remarks>
internal readonly struct Gate
{
    /// <summary>μ rounded to float.</summary>
    public readonly float MeanHigh;

    /// <summary>μ − μ_hi, rounded to float.</summary>
    public readonly float MeanLow;

    /// <summary>r = 1 / (2√(v + λ)) rounded to float.</summary>
    public readonly float Root;

    /// <summary>r in double, for the backward coefficients.</summary>
    public readonly double RootDouble;

    /// <summary>μ in double, for the backward pass of small planes.</summary>
    public readonly double Mean;

    /// <summary>1 when the statistics are finite; 0 when the plane held NaN or ±∞ (its outputs are NaN).</summary>
    public readonly int Finite;

    public Gate(double mean, double variance, float lambda)
    {
        Mean = mean;
        MeanHigh = (float)mean;
        MeanLow = (float)(mean - MeanHigh);
        RootDouble = 0.5 / Math.Sqrt(variance + lambda);
        Root = (float)RootDouble;

        // mean − mean is 0 for finite values and NaN for ±∞ or NaN; the same for the variance.
        Finite = (mean - mean) == 0.0 && (variance - variance) == 0.0 ? 1 : 0;
    }

    /// <summary>u = (x − μ)·r.</summary>
    public float Centred(float x) => ((x - MeanHigh) * Root) - (MeanLow * Root);

    /// <summary>u = (x − μ)·r in double (small planes, where the backward pass cancels to the last bits of u).</summary>
    public double CentredDouble(float x) => (x - Mean) * RootDouble;

    /// <summary>s = sigmoid(u² + ½); <paramref name="e"/> receives exp(−(u² + ½)).</summary>
    public static float Sigmoid(float u, out float e)
    {
        e = MathF.Exp(-((u * u) + 0.5f));
        return 1f / (1f + e);
    }

    /// <summary>y = x·sigmoid(E), or NaN for a non-finite plane.</summary>
    public float Apply(float x)
    {
        if (Finite == 0)
        {
            return float.NaN;
        }

        return x * Sigmoid(Centred(x), out _);
    }

    /// <summary>
    /// σ = 2^⌊log2 r⌋ (at least 2^-126): the backward weight is formed as g·(x·σ)·s(1 − s) rather than g·x·…,
    /// which overflows float once |g·x| passes 3.4e38 even where dx is small. x·σ is exact (σ is a power of two),
    /// and the coefficients divide σ back out.
    /// </summary>
    public float WeightScale()
    {
        var bits = Interop.FloatAsInt(Root) & 0x7F800000u;
        return Interop.IntAsFloat(bits == 0 ? 0x00800000u : bits);
    }
}
