using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace SimAM.Kernels.Planes;

/// <summary>
/// The backward pass of planes shorter than <see cref="Limit"/> values, in double precision.
/// </summary>
/// <remarks>
/// On small planes the terms of dx cancel: for S = 2 the gradient through the statistics is of order
/// λ/(v + λ) of the terms it is made of, and every term carries a factor x ≈ μ. Float rounding in s or u
/// (1e-7) then costs up to 700× the 1e-6 bound on planes like x = 1000 + noise, on every path. From 16
/// values on, the cancellation is mild (measured below 0.6 of the bound for offsets up to 1000), and
/// the float kernels are used. Converting 16 values is cheap next to the work, so this path costs little.
/// </remarks>
[SkipLocalsInit]
internal static class SmallPlaneBackward
{
    /// <summary>Planes (or chunks) shorter than this take the double-precision path.</summary>
    public const int Limit = 16;

    public static BackwardSums BackwardSums(ReadOnlySpan<float> x, ReadOnlySpan<float> g, in GateCoefficients gate)
    {
        Span<double> buffer = stackalloc double[2 * Limit];
        Widen(x, g, buffer, out var x64, out var g64);
        return DoublePlaneKernel.BackwardSums<FastEnergy>(x64, g64, gate, default);
    }

    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> dx, in GateCoefficients gate, in BackwardCoefficients coefficients)
    {
        Span<double> buffer = stackalloc double[2 * Limit];
        Span<double> result = stackalloc double[Limit];
        Widen(x, g, buffer, out var x64, out var g64);
        var dx64 = result[..x.Length];
        DoublePlaneKernel.Backward<FastEnergy>(x64, g64, dx64, gate, default, coefficients, 0, false);
        TensorPrimitives.ConvertTruncating(dx64, dx);
    }

    /// <summary>
    /// As <see cref="BackwardSums(ReadOnlySpan{float}, ReadOnlySpan{float}, in GateCoefficients)"/>, and keeps each s
    /// for <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, in GateCoefficients, in BackwardCoefficients)"/>
    /// as two floats, s = high + low to about 2⁻⁴⁸ (the kept buffers hold floats): the double sigmoid, most of this
    /// path's time, is then evaluated once per value instead of twice.
    /// </summary>
    public static BackwardSums BackwardSums(ReadOnlySpan<float> x, ReadOnlySpan<float> g, in GateCoefficients gate, Span<float> sigmoidHigh, Span<float> sigmoidLow)
    {
        Span<double> buffer = stackalloc double[2 * Limit];
        Span<double> sigmoids = stackalloc double[Limit];
        Widen(x, g, buffer, out var x64, out var g64);
        var s = DoublePlaneKernel.Sigmoids(x64, gate, sigmoids);
        double weightedU = 0, weightedUSquared = 0;
        DoublePlaneKernel.AddWeighted(x64, g64, s, gate, ref weightedU, ref weightedUSquared);
        for (var i = 0; i < s.Length; i++)
        {
            var high = (float)s[i];
            sigmoidHigh[i] = high;
            sigmoidLow[i] = (float)(s[i] - high);
        }

        return new BackwardSums(weightedU, weightedUSquared);
    }

    /// <summary>dx from the s that <see cref="BackwardSums(ReadOnlySpan{float}, ReadOnlySpan{float}, in GateCoefficients, Span{float}, Span{float})"/> kept.</summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> g, ReadOnlySpan<float> sigmoidHigh, ReadOnlySpan<float> sigmoidLow, Span<float> dx, in GateCoefficients gate, in BackwardCoefficients coefficients)
    {
        Span<double> buffer = stackalloc double[2 * Limit];
        Span<double> sigmoids = stackalloc double[Limit];
        Span<double> result = stackalloc double[Limit];
        Widen(x, g, buffer, out var x64, out var g64);
        var s = sigmoids[..x.Length];
        var dx64 = result[..x.Length];
        for (var i = 0; i < s.Length; i++)
        {
            s[i] = (double)sigmoidHigh[i] + sigmoidLow[i];
        }

        DoublePlaneKernel.Gradients(x64, g64, s, dx64, gate, coefficients);
        TensorPrimitives.ConvertTruncating(dx64, dx);
    }

    /// <summary>x and g in double, in the two halves of <paramref name="buffer"/> (2·<see cref="Limit"/> values).</summary>
    private static void Widen(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<double> buffer, out Span<double> x64, out Span<double> g64)
    {
        x64 = buffer[..x.Length];
        g64 = buffer.Slice(Limit, x.Length);
        TensorPrimitives.ConvertChecked(x, x64);
        TensorPrimitives.ConvertChecked(g, g64);
    }
}
