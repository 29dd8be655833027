using System;
using System.Runtime.CompilerServices;
using SimAM.Gam.Compute.Lanes;

namespace SimAM.Gam.Compute;

/// <summary>
/// The weight-gradient micro-kernel: the GEMM of a weight gradient, ∂W[o, k] = Σ over positions p of
/// ∂z[o, p] · input[p + offset(k)], with the reduction running over positions (the long dimension: every pixel of the
/// batch) and a register tile of <see cref="Rows"/> output channels by <see cref="Taps"/> reduction steps (convolution taps,
/// or the input channels of a linear layer). The forward micro-kernel's step offsets become the three tap offsets
/// here, so one kernel serves both convolutions and both linear layers.
/// </summary>
/// <remarks>
/// Per vector of positions: <see cref="Rows"/> loads of the gradient, <see cref="Taps"/> loads of the input, twelve
/// FMAs into twelve independent accumulators (as in the forward kernel, enough to cover the FMA latency, and few
/// enough for the sixteen registers of AVX2). Each accumulator ends as one horizontal sum, added in double, so a
/// plane's worth of positions is all that is ever summed in the element type; which worker runs a tile never changes
/// the order of any addition.
/// </remarks>
internal static class GradientKernel
{
    /// <summary>Output channels per register tile.</summary>
    public const int Rows = 4;

    /// <summary>Reduction steps (taps or input channels) per register tile.</summary>
    public const int Taps = 3;

    /// <summary>
    /// sums[r·<paramref name="rowStride"/> + <paramref name="firstTap"/> + t] += Σ over i in [0, <paramref name="length"/>) of gradient[r·<paramref name="gradientStride"/> + i] ·
    /// input[offset_t + i] for r &lt; <paramref name="validRows"/>, t &lt; <paramref name="validTaps"/>. <paramref name="length"/>
    /// is a multiple of the vector width; the caller guarantees that the gradient is zero wherever it has no data.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T, TV, TLanes>(
        ref T gradient, int gradientStride, int validRows, ref T input, int offset0, int offset1, int offset2, int validTaps, int length, Span<double> sums, int rowStride, int firstTap)
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV>
    {
        var n = TLanes.Count;

        // Rows and taps past the valid ones repeat the first: computed, never reported, never read past an array.
        ref var g0 = ref gradient;
        ref var g1 = ref validRows > 1 ? ref Unsafe.Add(ref gradient, gradientStride) : ref gradient;
        ref var g2 = ref validRows > 2 ? ref Unsafe.Add(ref gradient, 2 * gradientStride) : ref gradient;
        ref var g3 = ref validRows > 3 ? ref Unsafe.Add(ref gradient, 3 * gradientStride) : ref gradient;
        ref var x0 = ref Unsafe.Add(ref input, offset0);
        ref var x1 = ref Unsafe.Add(ref input, validTaps > 1 ? offset1 : offset0);
        ref var x2 = ref Unsafe.Add(ref input, validTaps > 2 ? offset2 : offset0);
        TV c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
        c00 = c01 = c02 = c10 = c11 = c12 = c20 = c21 = c22 = c30 = c31 = c32 = TLanes.Zero;
        for (nint i = 0; i < length; i += n)
        {
            var a0 = TLanes.Load(ref Unsafe.Add(ref g0, i));
            var a1 = TLanes.Load(ref Unsafe.Add(ref g1, i));
            var a2 = TLanes.Load(ref Unsafe.Add(ref g2, i));
            var a3 = TLanes.Load(ref Unsafe.Add(ref g3, i));
            var b = TLanes.Load(ref Unsafe.Add(ref x0, i));
            c00 = TLanes.MultiplyAdd(a0, b, c00);
            c10 = TLanes.MultiplyAdd(a1, b, c10);
            c20 = TLanes.MultiplyAdd(a2, b, c20);
            c30 = TLanes.MultiplyAdd(a3, b, c30);
            b = TLanes.Load(ref Unsafe.Add(ref x1, i));
            c01 = TLanes.MultiplyAdd(a0, b, c01);
            c11 = TLanes.MultiplyAdd(a1, b, c11);
            c21 = TLanes.MultiplyAdd(a2, b, c21);
            c31 = TLanes.MultiplyAdd(a3, b, c31);
            b = TLanes.Load(ref Unsafe.Add(ref x2, i));
            c02 = TLanes.MultiplyAdd(a0, b, c02);
            c12 = TLanes.MultiplyAdd(a1, b, c12);
            c22 = TLanes.MultiplyAdd(a2, b, c22);
            c32 = TLanes.MultiplyAdd(a3, b, c32);
        }

        Report<T, TV, TLanes>(sums.Slice(firstTap), validTaps, c00, c01, c02);
        if (validRows > 1)
        {
            Report<T, TV, TLanes>(sums.Slice(rowStride + firstTap), validTaps, c10, c11, c12);
        }

        if (validRows > 2)
        {
            Report<T, TV, TLanes>(sums.Slice((2 * rowStride) + firstTap), validTaps, c20, c21, c22);
        }

        if (validRows > 3)
        {
            Report<T, TV, TLanes>(sums.Slice((3 * rowStride) + firstTap), validTaps, c30, c31, c32);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Report<T, TV, TLanes>(Span<double> sums, int validTaps, TV c0, TV c1, TV c2)
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV>
    {
        sums[0] += TLanes.Sum(c0);
        if (validTaps > 1)
        {
            sums[1] += TLanes.Sum(c1);
        }

        if (validTaps > 2)
        {
            sums[2] += TLanes.Sum(c2);
        }
    }
}
