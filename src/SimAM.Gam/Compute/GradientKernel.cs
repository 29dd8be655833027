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

    /// <summary>Reduction steps (taps or input channels) per register tile at widths with sixteen registers.</summary>
    public const int Taps = 3;

    /// <summary>Reduction steps per register tile at widths with 32 registers (AVX-512).</summary>
    public const int WideTaps = 6;

    /// <summary>
    /// The vectors each accumulator sums in the element type before the register sums go to double (at the end of the sample
    /// that reaches it): one plane of a large map, or several samples' planes of a small one, whose per-plane horizontal
    /// sums would otherwise cost as much as the plane's FMAs. Where the sums go to double depends on the shape only, never
    /// on the threads.
    /// </summary>
    public const int FlushVectors = 256;

    /// <summary>
    /// sums[r·<paramref name="rowStride"/> + t] += Σ over samples s and i in [0, <paramref name="length"/>) of
    /// gradient[s·<paramref name="gradientSampleStride"/> + r·<paramref name="gradientStride"/> + i] · input[s·<paramref name="inputSampleStride"/> + offsets[t] + i]
    /// for r &lt; <paramref name="validRows"/> (at most <see cref="Rows"/>) and every t. <paramref name="length"/> is a multiple of the vector
    /// width; the caller guarantees that the gradient is zero wherever it has no data.
    /// </summary>
    /// <remarks>
    /// The taps go through register tiles of <see cref="Rows"/> × 6 where the width has 32 registers (AVX-512: 24 accumulators,
    /// ten loads per 24 FMAs, so that the unaligned loads, most of which split across cache lines, no longer set the pace),
    /// else <see cref="Rows"/> × 3 (twelve accumulators for the sixteen registers of AVX2 and SSE); the rest in tiles of 3.
    /// </remarks>
    public static void Run<T, TV, TLanes>(
        ref T gradient, int gradientStride, int validRows, ref T input, ReadOnlySpan<int> offsets, int length,
        int samples, nint gradientSampleStride, nint inputSampleStride, Span<double> sums, int rowStride)
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV>
    {
        var t = 0;
        if (Unsafe.SizeOf<TV>() >= 64)
        {
            for (; t + WideTaps <= offsets.Length; t += WideTaps)
            {
                Run6<T, TV, TLanes>(ref gradient, gradientStride, validRows, ref input, offsets.Slice(t, WideTaps), length, samples, gradientSampleStride, inputSampleStride, sums, rowStride, t);
            }
        }

        for (; t < offsets.Length; t += Taps)
        {
            Run3<T, TV, TLanes>(
                ref gradient, gradientStride, validRows, ref input, offsets.Slice(t, Math.Min(Taps, offsets.Length - t)), length, samples, gradientSampleStride, inputSampleStride, sums, rowStride, t);
        }
    }

    /// <summary>One register tile of <see cref="Rows"/> × <see cref="Taps"/> (up to three taps: <paramref name="offsets"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run3<T, TV, TLanes>(
        ref T gradient, int gradientStride, int validRows, ref T input, ReadOnlySpan<int> offsets, int length,
        int samples, nint gradientSampleStride, nint inputSampleStride, Span<double> sums, int rowStride, int firstTap)
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV>
    {
        var n = TLanes.Count;
        var validTaps = offsets.Length;

        // Rows and taps past the valid ones repeat the first: computed, never reported, never read past an array.
        ref var g0 = ref gradient;
        ref var g1 = ref validRows > 1 ? ref Unsafe.Add(ref gradient, 1 * gradientStride) : ref gradient;
        ref var g2 = ref validRows > 2 ? ref Unsafe.Add(ref gradient, 2 * gradientStride) : ref gradient;
        ref var g3 = ref validRows > 3 ? ref Unsafe.Add(ref gradient, 3 * gradientStride) : ref gradient;
        ref var x0 = ref Unsafe.Add(ref input, offsets[0]);
        ref var x1 = ref Unsafe.Add(ref input, validTaps > 1 ? offsets[1] : offsets[0]);
        ref var x2 = ref Unsafe.Add(ref input, validTaps > 2 ? offsets[2] : offsets[0]);
        TV c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
        c00 = c01 = c02 = c10 = c11 = c12 = c20 = c21 = c22 = c30 = c31 = c32 = TLanes.Zero;
        var pending = 0;
        for (var sample = 0; sample < samples; sample++)
        {
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

            g0 = ref Unsafe.Add(ref g0, gradientSampleStride);
            g1 = ref Unsafe.Add(ref g1, gradientSampleStride);
            g2 = ref Unsafe.Add(ref g2, gradientSampleStride);
            g3 = ref Unsafe.Add(ref g3, gradientSampleStride);
            x0 = ref Unsafe.Add(ref x0, inputSampleStride);
            x1 = ref Unsafe.Add(ref x1, inputSampleStride);
            x2 = ref Unsafe.Add(ref x2, inputSampleStride);

            // Small planes run several samples in the registers; the sums go to double after about FlushVectors.
            pending += length / n;
            if (pending >= FlushVectors || sample == samples - 1)
            {
                Report3<T, TV, TLanes>(sums.Slice(firstTap), validTaps, c00, c01, c02);
                if (validRows > 1)
                {
                    Report3<T, TV, TLanes>(sums.Slice(rowStride + firstTap), validTaps, c10, c11, c12);
                }

                if (validRows > 2)
                {
                    Report3<T, TV, TLanes>(sums.Slice((2 * rowStride) + firstTap), validTaps, c20, c21, c22);
                }

                if (validRows > 3)
                {
                    Report3<T, TV, TLanes>(sums.Slice((3 * rowStride) + firstTap), validTaps, c30, c31, c32);
                }

                c00 = c01 = c02 = c10 = c11 = c12 = c20 = c21 = c22 = c30 = c31 = c32 = TLanes.Zero;
                pending = 0;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Report3<T, TV, TLanes>(Span<double> sums, int validTaps, TV c0, TV c1, TV c2)
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

    /// <summary>One register tile of <see cref="Rows"/> × 6 taps (<paramref name="offsets"/>), for widths with 32 registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run6<T, TV, TLanes>(
        ref T gradient, int gradientStride, int validRows, ref T input, ReadOnlySpan<int> offsets, int length,
        int samples, nint gradientSampleStride, nint inputSampleStride, Span<double> sums, int rowStride, int firstTap)
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV>
    {
        var n = TLanes.Count;
        var validTaps = offsets.Length;

        // Rows and taps past the valid ones repeat the first: computed, never reported, never read past an array.
        ref var g0 = ref gradient;
        ref var g1 = ref validRows > 1 ? ref Unsafe.Add(ref gradient, 1 * gradientStride) : ref gradient;
        ref var g2 = ref validRows > 2 ? ref Unsafe.Add(ref gradient, 2 * gradientStride) : ref gradient;
        ref var g3 = ref validRows > 3 ? ref Unsafe.Add(ref gradient, 3 * gradientStride) : ref gradient;
        ref var x0 = ref Unsafe.Add(ref input, offsets[0]);
        ref var x1 = ref Unsafe.Add(ref input, validTaps > 1 ? offsets[1] : offsets[0]);
        ref var x2 = ref Unsafe.Add(ref input, validTaps > 2 ? offsets[2] : offsets[0]);
        ref var x3 = ref Unsafe.Add(ref input, validTaps > 3 ? offsets[3] : offsets[0]);
        ref var x4 = ref Unsafe.Add(ref input, validTaps > 4 ? offsets[4] : offsets[0]);
        ref var x5 = ref Unsafe.Add(ref input, validTaps > 5 ? offsets[5] : offsets[0]);
        TV c00, c01, c02, c03, c04, c05, c10, c11, c12, c13, c14, c15, c20, c21, c22, c23, c24, c25, c30, c31, c32, c33, c34, c35;
        c00 = c01 = c02 = c03 = c04 = c05 = c10 = c11 = c12 = c13 = c14 = c15 = c20 = c21 = c22 = c23 = c24 = c25 = c30 = c31 = c32 = c33 = c34 = c35 = TLanes.Zero;
        var pending = 0;
        for (var sample = 0; sample < samples; sample++)
        {
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
                b = TLanes.Load(ref Unsafe.Add(ref x3, i));
                c03 = TLanes.MultiplyAdd(a0, b, c03);
                c13 = TLanes.MultiplyAdd(a1, b, c13);
                c23 = TLanes.MultiplyAdd(a2, b, c23);
                c33 = TLanes.MultiplyAdd(a3, b, c33);
                b = TLanes.Load(ref Unsafe.Add(ref x4, i));
                c04 = TLanes.MultiplyAdd(a0, b, c04);
                c14 = TLanes.MultiplyAdd(a1, b, c14);
                c24 = TLanes.MultiplyAdd(a2, b, c24);
                c34 = TLanes.MultiplyAdd(a3, b, c34);
                b = TLanes.Load(ref Unsafe.Add(ref x5, i));
                c05 = TLanes.MultiplyAdd(a0, b, c05);
                c15 = TLanes.MultiplyAdd(a1, b, c15);
                c25 = TLanes.MultiplyAdd(a2, b, c25);
                c35 = TLanes.MultiplyAdd(a3, b, c35);
            }

            g0 = ref Unsafe.Add(ref g0, gradientSampleStride);
            g1 = ref Unsafe.Add(ref g1, gradientSampleStride);
            g2 = ref Unsafe.Add(ref g2, gradientSampleStride);
            g3 = ref Unsafe.Add(ref g3, gradientSampleStride);
            x0 = ref Unsafe.Add(ref x0, inputSampleStride);
            x1 = ref Unsafe.Add(ref x1, inputSampleStride);
            x2 = ref Unsafe.Add(ref x2, inputSampleStride);
            x3 = ref Unsafe.Add(ref x3, inputSampleStride);
            x4 = ref Unsafe.Add(ref x4, inputSampleStride);
            x5 = ref Unsafe.Add(ref x5, inputSampleStride);

            // Small planes run several samples in the registers; the sums go to double after about FlushVectors.
            pending += length / n;
            if (pending >= FlushVectors || sample == samples - 1)
            {
                Report6<T, TV, TLanes>(sums.Slice(firstTap), validTaps, c00, c01, c02, c03, c04, c05);
                if (validRows > 1)
                {
                    Report6<T, TV, TLanes>(sums.Slice(rowStride + firstTap), validTaps, c10, c11, c12, c13, c14, c15);
                }

                if (validRows > 2)
                {
                    Report6<T, TV, TLanes>(sums.Slice((2 * rowStride) + firstTap), validTaps, c20, c21, c22, c23, c24, c25);
                }

                if (validRows > 3)
                {
                    Report6<T, TV, TLanes>(sums.Slice((3 * rowStride) + firstTap), validTaps, c30, c31, c32, c33, c34, c35);
                }

                c00 = c01 = c02 = c03 = c04 = c05 = c10 = c11 = c12 = c13 = c14 = c15 = c20 = c21 = c22 = c23 = c24 = c25 = c30 = c31 = c32 = c33 = c34 = c35 = TLanes.Zero;
                pending = 0;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Report6<T, TV, TLanes>(Span<double> sums, int validTaps, TV c0, TV c1, TV c2, TV c3, TV c4, TV c5)
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

        if (validTaps > 3)
        {
            sums[3] += TLanes.Sum(c3);
        }

        if (validTaps > 4)
        {
            sums[4] += TLanes.Sum(c4);
        }

        if (validTaps > 5)
        {
            sums[5] += TLanes.Sum(c5);
        }

    }
}
