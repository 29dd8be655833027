using System;
using System.Runtime.CompilerServices;
using SimAM.Gam.Compute.Lanes;

namespace SimAM.Gam.Compute;

/// <summary>
/// The weight-gradient micro-kernel of the channel MLP's linear layers: ∂W[o, k] = Σ over positions p of
/// ∂z[o, p] · input[p + offset(k)], with the reduction running over positions (the long dimension: every pixel of the
/// batch) and a register tile of <see cref="Rows"/> output channels by <see cref="Taps"/> reduction steps (input channels,
/// each a padded plane of its own at its step offset). The convolutions' weight gradients, whose steps are the 49 shifts
/// of one plane, run on <see cref="FilterGradientKernel"/> instead.
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

    /// <summary>Reduction steps (input channels) per register tile at widths with sixteen registers.</summary>
    public const int Taps = 3;

    /// <summary>Reduction steps per register tile at widths with 32 registers (AVX-512).</summary>
    public const int WideTaps = 6;

    /// <summary>
    /// The vectors each accumulator sums in the element type before its sums go to double (at the end of the sample, or
    /// the group of samples, that reaches it): one plane of a large map, or several samples' planes of a small one, whose
    /// per-plane horizontal sums would otherwise cost as much as the plane's FMAs. Where the sums go to double depends on
    /// the shape only, never on the threads.
    /// </summary>
    public const int FlushVectors = 256;

    /// <summary>
    /// The bytes of each row one pass of every register tile covers before the next block: 800 floats of each of the ten
    /// rows a wide tile reads (four gradient rows, six input rows: 32 KB together), so that all the tiles' passes find them
    /// in the L1 cache instead of streaming a whole plane (or several samples) from L2 once per tile.
    /// </summary>
    private const int BlockBytes = 3200;

    /// <summary>
    /// The most register tiles of rows one call runs (32 output channels): each tile of taps reads its block of input
    /// rows once for all of them, from L1 after the first. With one tile of rows per call a linear layer's weight
    /// gradient read all its input rows once per four output channels; with eight, the kernel alone (one thread, warm
    /// caches) ran the second layer's of [8,256,28,28] at 137–139 GFLOP/s instead of 99–103, the first of
    /// [32,512,7,7] at 147 instead of 112.
    /// </summary>
    public const int MaxRowTiles = 8;

    /// <summary>The most taps one call of a linear layer's weight gradient covers, so that the accumulators of
    /// <see cref="MaxRowTiles"/> tiles of rows (200 KB of floats at 512 bits) stay in L2 between blocks.</summary>
    public const int MaxLinearTaps = 96;

    /// <summary>
    /// sums[r·<paramref name="rowStride"/> + t] += Σ over samples s and i in [0, <paramref name="length"/>) of
    /// gradient[s·<paramref name="gradientSampleStride"/> + r·<paramref name="gradientStride"/> + i] · input[s·<paramref name="inputSampleStride"/> + offsets[t] + i]
    /// for r &lt; <paramref name="validRows"/> (at most <see cref="Rows"/> · <see cref="MaxRowTiles"/>) and every t. <paramref name="length"/> is a multiple of the vector
    /// width; the caller guarantees that the gradient is zero wherever it has no data.
    /// </summary>
    /// <remarks>
    /// The taps go through register tiles of <see cref="Rows"/> × 6 where the width has 32 registers (AVX-512: 24 accumulators,
    /// ten loads per 24 FMAs, so that the unaligned loads, most of which split across cache lines, no longer set the pace),
    /// else <see cref="Rows"/> × 3 (twelve accumulators for the sixteen registers of AVX2 and SSE); the rest in tiles of 3.
    /// Every tile runs over one block of positions of one sample before the next tile does, so the block's rows stay in L1
    /// across all the tiles; a tile's accumulators wait in <paramref name="scratch"/> (element type, one vector per
    /// accumulator) between blocks, and go to double every <see cref="FlushVectors"/> vectors or so. Where a sample's
    /// positions fill at most half a block (small maps), a block holds a group of whole samples, and a tile runs over all
    /// of them before its accumulators go back: one sample at a time, a 7×7 map's five vectors per sample paid the tile's
    /// 48 loads and stores of accumulators each time (the linear layers' weight gradients of [32,512,7,7], 10.6–11.8 →
    /// 9.3–9.9 ms on two threads). More than <see cref="Rows"/> rows run as tiles of rows one after the other within
    /// each tile of taps, so that the taps' block of input rows is read from memory once for all of them (scratch for
    /// each tile of rows); each accumulator still sums its products in the same order, so the bits do not depend on how
    /// many rows a call takes.
    /// </remarks>
    public static void Run<T, TV, TLanes>(
        ref T gradient, int gradientStride, int validRows, ref T input, ReadOnlySpan<int> offsets, int length,
        int samples, nint gradientSampleStride, nint inputSampleStride, Span<double> sums, int rowStride, Span<T> scratch)
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV>
    {
        var n = TLanes.Count;
        var wide = Unsafe.SizeOf<TV>() >= 64 ? WideTaps : Taps;
        var block = Math.Max(n, BlockBytes / Unsafe.SizeOf<T>() / n * n);
        var rowTiles = (validRows + Rows - 1) / Rows;
        var tileScratch = ScratchLength(offsets.Length, n);
        var accumulators = scratch[..(tileScratch * rowTiles)];
        accumulators.Clear();
        var pending = 0;
        // Small maps: a group of samples' whole rows per pass of every tile, so that a tile's accumulators go to and from
        // the scratch once per group rather than once per sample (a 7×7 map is five vectors of a sample).
        var group = 2 * length <= block ? block / length : 1;
        for (var sample = 0; sample < samples; sample += group)
        {
            var members = Math.Min(group, samples - sample);
            ref var sampleGradient = ref Unsafe.Add(ref gradient, sample * gradientSampleStride);
            ref var sampleInput = ref Unsafe.Add(ref input, sample * inputSampleStride);
            for (var start = 0; start < length; start += block)
            {
                var count = Math.Min(block, length - start);
                ref var blockGradient = ref Unsafe.Add(ref sampleGradient, start);
                ref var blockInput = ref Unsafe.Add(ref sampleInput, start);
                var t = 0;
                for (; wide == WideTaps && t + WideTaps <= offsets.Length; t += WideTaps)
                {
                    TileRows<T, TV, TLanes, SixTaps>(
                        ref blockGradient, gradientStride, validRows, ref blockInput, offsets.Slice(t, WideTaps), count,
                        members, gradientSampleStride, inputSampleStride, ref accumulators[Rows * t * n], tileScratch);
                }

                for (; t < offsets.Length; t += Taps)
                {
                    TileRows<T, TV, TLanes, ThreeTaps>(
                        ref blockGradient, gradientStride, validRows, ref blockInput, offsets.Slice(t, Math.Min(Taps, offsets.Length - t)), count,
                        members, gradientSampleStride, inputSampleStride, ref accumulators[Rows * t * n], tileScratch);
                }
            }

            pending += members * length / n;
            if (pending >= FlushVectors || sample + members == samples)
            {
                for (var r = 0; r < rowTiles; r++)
                {
                    Flush<T, TV, TLanes>(
                        accumulators.Slice(r * tileScratch, tileScratch), offsets.Length, wide, Math.Min(Rows, validRows - (r * Rows)), sums[(r * Rows * rowStride)..], rowStride);
                }

                pending = 0;
            }
        }
    }

    /// <summary>Gets the scratch <see cref="Run{T, TV, TLanes}"/> needs for <paramref name="taps"/> taps at <paramref name="lanes"/> lanes: a vector per accumulator, the last tile whole.</summary>
    public static int ScratchLength(int taps, int lanes) => Rows * (taps + Taps - 1) * lanes;

    /// <summary>Adds each valid accumulator's horizontal sum to its place in <paramref name="sums"/> and clears the accumulators.</summary>
    private static void Flush<T, TV, TLanes>(Span<T> accumulators, int taps, int wide, int validRows, Span<double> sums, int rowStride)
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV>
    {
        var n = TLanes.Count;
        for (var t0 = 0; t0 < taps;)
        {
            var width = wide == WideTaps && t0 + WideTaps <= taps ? WideTaps : Math.Min(Taps, taps - t0);
            var tileTaps = width == WideTaps ? WideTaps : Taps;
            for (var r = 0; r < validRows; r++)
            {
                for (var t = 0; t < width; t++)
                {
                    sums[(r * rowStride) + t0 + t] += TLanes.Sum(TLanes.Load(ref accumulators[((Rows * t0) + (r * tileTaps) + t) * n]));
                }
            }

            t0 += width;
        }

        accumulators.Clear();
    }

    /// <summary>
    /// One tile of taps over every tile of <see cref="Rows"/> of the <paramref name="validRows"/> rows in turn, the input
    /// block in L1 after the first; each tile of rows keeps its accumulators <paramref name="tileScratch"/> apart from
    /// <paramref name="partials"/> on.
    /// </summary>
    private static void TileRows<T, TV, TLanes, TTaps>(
        ref T gradient, int gradientStride, int validRows, ref T input, ReadOnlySpan<int> offsets, int length, int samples, nint gradientSampleStride, nint inputSampleStride,
        ref T partials, int tileScratch)
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV>
        where TTaps : struct, ITileCount
    {
        for (var r = 0; r * Rows < validRows; r++)
        {
            Tile<T, TV, TLanes, TTaps>(
                ref Unsafe.Add(ref gradient, r * Rows * (nint)gradientStride), gradientStride, Math.Min(Rows, validRows - (r * Rows)), ref input, offsets, length, samples,
                gradientSampleStride, inputSampleStride, ref Unsafe.Add(ref partials, r * tileScratch));
        }
    }

    /// <summary>
    /// One register tile of <see cref="Rows"/> × <typeparamref name="TTaps"/>' count taps over [0, <paramref name="length"/>) of
    /// each of <paramref name="samples"/> samples (their rows the sample strides apart): its accumulators come from and go
    /// back to <paramref name="partial"/> ([row][tap] vectors). Six taps (24 accumulators) need the
    /// 32 registers of AVX-512, three (twelve) fit sixteen; the tap count is a type, so each compiles to its own loop with the
    /// other taps' code removed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<T, TV, TLanes, TTaps>(
        ref T gradient, int gradientStride, int validRows, ref T input, ReadOnlySpan<int> offsets, int length, int samples, nint gradientSampleStride, nint inputSampleStride,
        ref T partial)
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV>
        where TTaps : struct, ITileCount
    {
        var n = TLanes.Count;
        var validTaps = offsets.Length;
        var wide = TTaps.Count > 3;

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
        c03 = c04 = c05 = c13 = c14 = c15 = c23 = c24 = c25 = c33 = c34 = c35 = TLanes.Zero;

        // The accumulators wait in partial as [row][tap] vectors.
        var k = TTaps.Count;

        c00 = TLanes.Load(ref partial);
        c01 = TLanes.Load(ref Unsafe.Add(ref partial, n));
        c02 = TLanes.Load(ref Unsafe.Add(ref partial, 2 * n));
        c10 = TLanes.Load(ref Unsafe.Add(ref partial, k * n));
        c11 = TLanes.Load(ref Unsafe.Add(ref partial, (k + 1) * n));
        c12 = TLanes.Load(ref Unsafe.Add(ref partial, (k + 2) * n));
        c20 = TLanes.Load(ref Unsafe.Add(ref partial, 2 * k * n));
        c21 = TLanes.Load(ref Unsafe.Add(ref partial, ((2 * k) + 1) * n));
        c22 = TLanes.Load(ref Unsafe.Add(ref partial, ((2 * k) + 2) * n));
        c30 = TLanes.Load(ref Unsafe.Add(ref partial, 3 * k * n));
        c31 = TLanes.Load(ref Unsafe.Add(ref partial, ((3 * k) + 1) * n));
        c32 = TLanes.Load(ref Unsafe.Add(ref partial, ((3 * k) + 2) * n));
        if (wide)
        {
            c03 = TLanes.Load(ref Unsafe.Add(ref partial, 3 * n));
            c04 = TLanes.Load(ref Unsafe.Add(ref partial, 4 * n));
            c05 = TLanes.Load(ref Unsafe.Add(ref partial, 5 * n));
            c13 = TLanes.Load(ref Unsafe.Add(ref partial, (k + 3) * n));
            c14 = TLanes.Load(ref Unsafe.Add(ref partial, (k + 4) * n));
            c15 = TLanes.Load(ref Unsafe.Add(ref partial, (k + 5) * n));
            c23 = TLanes.Load(ref Unsafe.Add(ref partial, ((2 * k) + 3) * n));
            c24 = TLanes.Load(ref Unsafe.Add(ref partial, ((2 * k) + 4) * n));
            c25 = TLanes.Load(ref Unsafe.Add(ref partial, ((2 * k) + 5) * n));
            c33 = TLanes.Load(ref Unsafe.Add(ref partial, ((3 * k) + 3) * n));
            c34 = TLanes.Load(ref Unsafe.Add(ref partial, ((3 * k) + 4) * n));
            c35 = TLanes.Load(ref Unsafe.Add(ref partial, ((3 * k) + 5) * n));
        }

        // The group's samples one after the other, the accumulators in registers throughout.
        for (nint sg = 0, si = 0, s = 0; s < samples; s++, sg += gradientSampleStride, si += inputSampleStride)
        {
            for (nint i = 0; i < length; i += n)
            {
                var a0 = TLanes.Load(ref Unsafe.Add(ref g0, sg + i));
                var a1 = TLanes.Load(ref Unsafe.Add(ref g1, sg + i));
                var a2 = TLanes.Load(ref Unsafe.Add(ref g2, sg + i));
                var a3 = TLanes.Load(ref Unsafe.Add(ref g3, sg + i));
                var b = TLanes.Load(ref Unsafe.Add(ref x0, si + i));
                c00 = TLanes.MultiplyAdd(a0, b, c00);
                c10 = TLanes.MultiplyAdd(a1, b, c10);
                c20 = TLanes.MultiplyAdd(a2, b, c20);
                c30 = TLanes.MultiplyAdd(a3, b, c30);
                b = TLanes.Load(ref Unsafe.Add(ref x1, si + i));
                c01 = TLanes.MultiplyAdd(a0, b, c01);
                c11 = TLanes.MultiplyAdd(a1, b, c11);
                c21 = TLanes.MultiplyAdd(a2, b, c21);
                c31 = TLanes.MultiplyAdd(a3, b, c31);
                b = TLanes.Load(ref Unsafe.Add(ref x2, si + i));
                c02 = TLanes.MultiplyAdd(a0, b, c02);
                c12 = TLanes.MultiplyAdd(a1, b, c12);
                c22 = TLanes.MultiplyAdd(a2, b, c22);
                c32 = TLanes.MultiplyAdd(a3, b, c32);
                if (wide)
                {
                    b = TLanes.Load(ref Unsafe.Add(ref x3, si + i));
                    c03 = TLanes.MultiplyAdd(a0, b, c03);
                    c13 = TLanes.MultiplyAdd(a1, b, c13);
                    c23 = TLanes.MultiplyAdd(a2, b, c23);
                    c33 = TLanes.MultiplyAdd(a3, b, c33);
                    b = TLanes.Load(ref Unsafe.Add(ref x4, si + i));
                    c04 = TLanes.MultiplyAdd(a0, b, c04);
                    c14 = TLanes.MultiplyAdd(a1, b, c14);
                    c24 = TLanes.MultiplyAdd(a2, b, c24);
                    c34 = TLanes.MultiplyAdd(a3, b, c34);
                    b = TLanes.Load(ref Unsafe.Add(ref x5, si + i));
                    c05 = TLanes.MultiplyAdd(a0, b, c05);
                    c15 = TLanes.MultiplyAdd(a1, b, c15);
                    c25 = TLanes.MultiplyAdd(a2, b, c25);
                    c35 = TLanes.MultiplyAdd(a3, b, c35);
                }
            }
        }

        TLanes.Store(c00, ref partial);
        TLanes.Store(c01, ref Unsafe.Add(ref partial, n));
        TLanes.Store(c02, ref Unsafe.Add(ref partial, 2 * n));
        TLanes.Store(c10, ref Unsafe.Add(ref partial, k * n));
        TLanes.Store(c11, ref Unsafe.Add(ref partial, (k + 1) * n));
        TLanes.Store(c12, ref Unsafe.Add(ref partial, (k + 2) * n));
        TLanes.Store(c20, ref Unsafe.Add(ref partial, 2 * k * n));
        TLanes.Store(c21, ref Unsafe.Add(ref partial, ((2 * k) + 1) * n));
        TLanes.Store(c22, ref Unsafe.Add(ref partial, ((2 * k) + 2) * n));
        TLanes.Store(c30, ref Unsafe.Add(ref partial, 3 * k * n));
        TLanes.Store(c31, ref Unsafe.Add(ref partial, ((3 * k) + 1) * n));
        TLanes.Store(c32, ref Unsafe.Add(ref partial, ((3 * k) + 2) * n));
        if (wide)
        {
            TLanes.Store(c03, ref Unsafe.Add(ref partial, 3 * n));
            TLanes.Store(c04, ref Unsafe.Add(ref partial, 4 * n));
            TLanes.Store(c05, ref Unsafe.Add(ref partial, 5 * n));
            TLanes.Store(c13, ref Unsafe.Add(ref partial, (k + 3) * n));
            TLanes.Store(c14, ref Unsafe.Add(ref partial, (k + 4) * n));
            TLanes.Store(c15, ref Unsafe.Add(ref partial, (k + 5) * n));
            TLanes.Store(c23, ref Unsafe.Add(ref partial, ((2 * k) + 3) * n));
            TLanes.Store(c24, ref Unsafe.Add(ref partial, ((2 * k) + 4) * n));
            TLanes.Store(c25, ref Unsafe.Add(ref partial, ((2 * k) + 5) * n));
            TLanes.Store(c33, ref Unsafe.Add(ref partial, ((3 * k) + 3) * n));
            TLanes.Store(c34, ref Unsafe.Add(ref partial, ((3 * k) + 4) * n));
            TLanes.Store(c35, ref Unsafe.Add(ref partial, ((3 * k) + 5) * n));
        }
    }
}

/// <summary>The taps of one weight-gradient register tile, as a type: the tile's loop is compiled once per count.</summary>
internal interface ITileCount
{
    /// <summary>Gets the tap count (3 or 6).</summary>
    static abstract int Count { get; }
}

/// <summary>Three taps: twelve accumulators, for sixteen vector registers.</summary>
internal readonly struct ThreeTaps : ITileCount
{
    public static int Count => GradientKernel.Taps;
}

/// <summary>Six taps: 24 accumulators, for the 32 vector registers of AVX-512.</summary>
internal readonly struct SixTaps : ITileCount
{
    public static int Count => GradientKernel.WideTaps;
}
