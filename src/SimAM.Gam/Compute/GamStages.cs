using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SimAM.Gam.Compute.Lanes;

namespace SimAM.Gam.Compute;

/// <summary>
/// The steps of a GAM forward pass at one width, each on one tile of positions or one plane, so that the
/// schedulers can hand them to threads in any order: the padding copy, the fused channel MLP (both linear
/// layers, the ReLU, the optional sigmoid and the product with x, without leaving the tile), the convolution
/// tiles with their epilogues (bias or folded BatchNorm, ReLU, masking of the padding), and the final gate
/// (sigmoid, shuffle, product with x1) that writes each output value once.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
/// <typeparam name="TV">The vector type of the width.</typeparam>
/// <typeparam name="TLanes">The width.</typeparam>
internal static class GamStages<T, TV, TLanes>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TV : struct
    where TLanes : ILanes<T, TV>
{
    /// <summary>Gets the positions one micro-kernel tile covers.</summary>
    public static int TilePositions => MicroKernel.Vectors * TLanes.Count;

    /// <summary>Gets how many tiles cover the computed positions of one plane.</summary>
    public static int TileCount(in PaddedGeometry geometry) => (geometry.PositionCount + TilePositions - 1) / TilePositions;

    /// <summary>Gets the first position of a tile.</summary>
    public static int TileStart(in PaddedGeometry geometry, int tile) => geometry.DataStart + (tile * TilePositions);

    /// <summary>
    /// Gets the vectors of positions the channel MLP's GEMMs compute for the tile at <paramref name="tileStart"/>: one where
    /// the plane's computed positions end within the tile's first vector, else all of them. The positions past them are
    /// masked or never read, so only whole tiles of data differ in what runs, never in a value.
    /// </summary>
    public static int TileVectors(in PaddedGeometry geometry, int tileStart) =>
        geometry.DataStart + geometry.PositionCount - tileStart <= TLanes.Count ? 1 : MicroKernel.Vectors;

    /// <summary>Copies one sample [C, H, W] into the data positions of <paramref name="padded"/> (C planes), and zeros into the padding columns between its rows.</summary>
    public static void Pad(in PaddedGeometry geometry, ReadOnlySpan<T> sample, Span<T> padded, int channels)
    {
        var plane = geometry.Height * geometry.Width;
        for (var c = 0; c < channels; c++)
        {
            geometry.PadRows(sample.Slice(c * plane, plane), 0, geometry.Height, padded.Slice((c * geometry.PlaneStride) + geometry.DataStart, geometry.PositionCount));
        }
    }

    /// <summary>
    /// The channel MLP on one tile, in place: x1 = x ⊙ gate(W2·ReLU(W1·x + b1) + b2) for the tile's positions of
    /// all C planes of <paramref name="x"/>. The hidden activations never leave <paramref name="hidden"/>
    /// (m rows of one tile), and each x value is read for W1 and rewritten once.
    /// </summary>
    public static void ChannelMlpTile(GamPlan<T> plan, Span<T> x, int tileStart, Span<T> hidden, Span<T> tile)
    {
        var nr = TilePositions;
        var geometry = plan.Geometry;
        var linear2 = plan.Linear2;
        var vectors = TileVectors(geometry, tileStart);
        HiddenTile(plan, x, tileStart, hidden, vectors);
        ref var mask = ref MemoryMarshal.GetReference(plan.Mask.AsSpan(tileStart, nr));
        for (var b = 0; b < linear2.BlocksPerGroup; b++)
        {
            GateBlock(plan, hidden, b, tile, vectors);
            for (var r = 0; r < linear2.RowsIn(b); r++)
            {
                // x1 = (x·gate) & mask, a vector at a time (a tile's row is whole vectors): one loop per channel where
                // two library calls on 48 values each cost more in calls than in arithmetic.
                ref var values = ref x[((linear2.FirstChannel(0, b) + r) * geometry.PlaneStride) + tileStart];
                ref var gate = ref tile[r * nr];
                for (var i = 0; i < nr; i += TLanes.Count)
                {
                    var product = TLanes.Multiply(TLanes.Load(ref Unsafe.Add(ref values, i)), TLanes.Load(ref Unsafe.Add(ref gate, i)));
                    TLanes.Store(TLanes.And(product, TLanes.Load(ref Unsafe.Add(ref mask, i))), ref Unsafe.Add(ref values, i));
                }
            }
        }
    }

    /// <summary>The channel MLP's hidden tile: u = ReLU(W1·x + b1) for the tile's positions, m rows of the tile's width in <paramref name="hidden"/>.</summary>
    public static void HiddenTile(GamPlan<T> plan, Span<T> x, int tileStart, Span<T> hidden, int vectors)
    {
        var nr = TilePositions;
        var linear1 = plan.Linear1;
        for (var b = 0; b < linear1.BlocksPerGroup; b++)
        {
            var rows = hidden.Slice(b * linear1.Rows * nr, linear1.Rows * nr);
            ref var rowsStart = ref MemoryMarshal.GetReference(rows);
            MicroKernel.Block<T, TV, TLanes>(
                linear1.Rows, ref linear1.Panel(0, b), ref x[tileStart], ref plan.Linear1Offsets[0], plan.Channels, false, ref rowsStart, nr, ref rowsStart, nr, linear1.Rows, vectors);
            for (var r = 0; r < linear1.RowsIn(b); r++)
            {
                var row = rows.Slice(r * nr, nr);
                TensorPrimitives.Add(row, linear1.Shift[linear1.FirstChannel(0, b) + r], row);
                TensorPrimitives.Max(row, T.Zero, row);
            }
        }
    }

    /// <summary>
    /// Block <paramref name="block"/> of the channel gate from the hidden tile: gate(W2·u + b2) for its channels, one row per
    /// channel in <paramref name="tile"/> (gate: identity, or the sigmoid of <see cref="GamChannelGate.Sigmoid"/>).
    /// </summary>
    public static void GateBlock(GamPlan<T> plan, Span<T> hidden, int block, Span<T> tile, int vectors)
    {
        var nr = TilePositions;
        var linear2 = plan.Linear2;
        ref var tileStart0 = ref MemoryMarshal.GetReference(tile);
        MicroKernel.Block<T, TV, TLanes>(
            linear2.Rows, ref linear2.Panel(0, block), ref MemoryMarshal.GetReference(hidden), ref plan.Linear2Offsets[0], plan.Hidden, false, ref tileStart0, nr, ref tileStart0, nr, linear2.Rows,
            vectors);
        for (var r = 0; r < linear2.RowsIn(block); r++)
        {
            var gate = tile.Slice(r * nr, nr);
            TensorPrimitives.Add(gate, linear2.Shift[linear2.FirstChannel(0, block) + r], gate);
            if (plan.ChannelGate == GamChannelGate.Sigmoid)
            {
                Logistic<T>.InPlace(gate);
            }
        }
    }

    /// <summary>
    /// Runs the convolution items [<paramref name="from"/>, <paramref name="to"/>) of one sample (item = (group·blocks +
    /// block)·tiles + tile) and hands each finished tile to <paramref name="epilogue"/>. The reduction over input
    /// channels runs in chunks of <paramref name="chunk"/> channels, so that a chunk of the padded input stays in the
    /// L2 cache while every item uses it; between chunks the partial sums wait in <paramref name="partials"/>
    /// (planes of the output channels, at the tile's own positions).
    /// </summary>
    /// <remarks>With <paramref name="accumulate"/> the sums start from the values already in <paramref name="partials"/> (a data gradient added to another).</remarks>
    public static void Convolution<TEpilogue>(
        PackedFilter<T> filter, in PaddedGeometry geometry, Span<T> input, Span<T> partials, int from, int to, int chunk, int[] offsets, Span<T> tile, ref TEpilogue epilogue, bool accumulate = false)
        where TEpilogue : struct, ITileEpilogue<T>
    {
        var nr = TilePositions;
        var tiles = TileCount(geometry);
        var stride = geometry.PlaneStride;
        var taps = GamWeights.KernelSize * GamWeights.KernelSize;
        ref var tileStart0 = ref MemoryMarshal.GetReference(tile);
        for (var c0 = 0; c0 < filter.InPerGroup; c0 += chunk)
        {
            var channels = Math.Min(chunk, filter.InPerGroup - c0);
            var last = c0 + channels == filter.InPerGroup;
            for (var item = from; item < to; item++)
            {
                var t = item % tiles;
                var block = item / tiles % filter.BlocksPerGroup;
                var group = item / tiles / filter.BlocksPerGroup;
                var start = TileStart(geometry, t);
                var rows = filter.RowsIn(block);
                ref var partial = ref partials[(filter.FirstChannel(group, block) * stride) + start];
                ref var weights = ref System.Runtime.CompilerServices.Unsafe.Add(ref filter.Panel(group, block), (nint)c0 * taps * filter.Rows);
                ref var inputs = ref input[((group * filter.InPerGroup) + c0) * stride + start + geometry.FirstTapOffset];
                var (firstTap, keptTaps) = geometry.KernelRows(
                    (start - geometry.DataStart) / geometry.RowStride, (start + nr - 1 - geometry.DataStart) / geometry.RowStride);
                // At the top or bottom of the map the kernel rows that read only padding rows are left out; the kept taps of
                // each channel are consecutive steps, one run per channel.
                MicroKernel.Block<T, TV, TLanes>(
                    filter.Rows, ref System.Runtime.CompilerServices.Unsafe.Add(ref weights, firstTap * filter.Rows), ref inputs, ref offsets[firstTap], keptTaps,
                    channels, taps, c0 > 0 || accumulate, ref partial, stride, ref last ? ref tileStart0 : ref partial, last ? nr : stride, rows);

                if (last)
                {
                    epilogue.Apply(group, block, start, tile);
                }
            }
        }
    }

    /// <summary>
    /// Stores a convolution tile into the output planes: (tile + shift) with an optional ReLU, padding positions zeroed
    /// (so that the planes are ready to be the next convolution's padded input).
    /// </summary>
    public static void StoreTile(PackedFilter<T> filter, T[] mask, int group, int block, ReadOnlySpan<T> tile, Span<T> output, int planeStride, int tileStart, bool relu)
    {
        var nr = TilePositions;
        var maskTile = mask.AsSpan(tileStart, nr);
        for (var r = 0; r < filter.RowsIn(block); r++)
        {
            var channel = filter.FirstChannel(group, block) + r;
            var target = output.Slice((channel * planeStride) + tileStart, nr);
            TensorPrimitives.Add(tile.Slice(r * nr, nr), filter.Shift[channel], target);
            if (relu)
            {
                TensorPrimitives.Max(target, T.Zero, target);
            }

            TensorPrimitives.BitwiseAnd(target, maskTile, target);
        }
    }

    /// <summary>
    /// The last convolution's epilogue on one tile: s = sigmoid(tile + shift) per output channel, then y = x1 ⊙ s for
    /// the channels s multiplies (after the shuffle; all of them when out = 1), written straight into the output sample.
    /// </summary>
    public static void FinishTile(GamPlan<T> plan, int group, int block, Span<T> tile, ReadOnlySpan<T> x1, Span<T> output, int tileStart)
    {
        var nr = TilePositions;
        var filter = plan.Conv2;
        for (var r = 0; r < filter.RowsIn(block); r++)
        {
            var o = filter.FirstChannel(group, block) + r;
            var s = tile.Slice(r * nr, nr);
            TensorPrimitives.Add(s, filter.Shift[o], s);
            Logistic<T>.InPlace(s);
            ApplyGate(plan, o, s, tileStart, x1, output);
        }
    }

    /// <summary>y[c] = x1[c] ⊙ s at the data positions in [start, start + s.Length), for each channel c that map o multiplies.</summary>
    public static void ApplyGate(GamPlan<T> plan, int o, ReadOnlySpan<T> s, int start, ReadOnlySpan<T> x1, Span<T> output)
    {
        if (plan.OutChannels == 1)
        {
            for (var c = 0; c < plan.Channels; c++)
            {
                ApplyGateToChannel(plan, c, s, start, x1, output);
            }
        }
        else
        {
            ApplyGateToChannel(plan, plan.ShuffledChannel(o), s, start, x1, output);
        }
    }

    /// <summary>Train mode: z = (z·scale + shift) with an optional ReLU over a plane's computed positions, padding kept zero.</summary>
    public static void NormalizePlane(in PaddedGeometry geometry, T[] mask, Span<T> plane, T scale, T shift, bool relu)
    {
        var values = plane.Slice(geometry.DataStart, geometry.PositionCount);
        TensorPrimitives.Multiply(values, scale, values);
        TensorPrimitives.Add(values, shift, values);
        if (relu)
        {
            TensorPrimitives.Max(values, T.Zero, values);
        }

        TensorPrimitives.BitwiseAnd(values, mask.AsSpan(geometry.DataStart, geometry.PositionCount), values);
    }

    private static void ApplyGateToChannel(GamPlan<T> plan, int c, ReadOnlySpan<T> s, int start, ReadOnlySpan<T> x1, Span<T> output)
    {
        var geometry = plan.Geometry;
        var x1Plane = x1.Slice(c * geometry.PlaneStride, geometry.PlaneStride);
        var outputPlane = output.Slice(c * plan.PlaneSize, plan.PlaneSize);
        foreach (var run in geometry.DataRuns(start, s.Length))
        {
            TensorPrimitives.Multiply(x1Plane.Slice(run.Position, run.Length), s.Slice(run.Position - start, run.Length), outputPlane.Slice(run.Pixel, run.Length));
        }
    }
}
