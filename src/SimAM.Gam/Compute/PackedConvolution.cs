using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SimAM.Gam.Compute.Lanes;

namespace SimAM.Gam.Compute;

/// <summary>
/// The convolution for small feature maps: positions are numbered over the whole batch (n·H·W + h·W + w, data only),
/// and each tile's inputs are first gathered from the padded planes into a packed panel ([channel][kh][kw][position],
/// zeros coming from the padding for free), which the same micro-kernel then reads as a plain GEMM. On a 7×7 map the
/// direct path computes (W + 3)-wide rows in 48-position tiles, 96 positions for 49 pixels; here every lane is a
/// pixel, at the price of one gathered value per reduction step and position, shared by all output-channel blocks.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
/// <typeparam name="TV">The vector type of the width.</typeparam>
/// <typeparam name="TLanes">The width.</typeparam>
internal static class PackedConvolution<T, TV, TLanes>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TV : struct
    where TLanes : ILanes<T, TV>
{
    private const int Taps = GamWeights.KernelSize * GamWeights.KernelSize;

    /// <summary>Gets the number of tiles over the batch's positions.</summary>
    public static int TileCount(int positions) => (positions + GamStages<T, TV, TLanes>.TilePositions - 1) / GamStages<T, TV, TLanes>.TilePositions;

    /// <summary>
    /// Runs tiles [<paramref name="from"/>, <paramref name="to"/>) of one convolution over the batch: for each tile,
    /// group and chunk of input channels, packs the panel and runs every output block of the group on it; partial
    /// sums wait in <paramref name="partials"/> ([output channel][tile position], the tile's own, so they stay in L2); finished tiles go to <paramref name="epilogue"/>
    /// with their first batch position.
    /// </summary>
    public static void Run<TEpilogue>(
        PackedFilter<T> filter, in PaddedGeometry geometry, T[] inputs, int inputChannels, int batch, int from, int to,
        int chunk, int[] offsets, Span<T> panel, Span<T> partials, Span<T> tile, ref TEpilogue epilogue)
        where TEpilogue : struct, ITileEpilogue<T>
    {
        var nr = GamStages<T, TV, TLanes>.TilePositions;
        var plane = geometry.Height * geometry.Width;
        var positions = batch * plane;
        Span<long> bases = stackalloc long[nr];
        ref var tile0 = ref MemoryMarshal.GetReference(tile);
        ref var panel0 = ref MemoryMarshal.GetReference(panel);
        for (var t = from; t < to; t++)
        {
            var first = t * nr;
            for (var j = 0; j < nr; j++)
            {
                var p = first + j;
                bases[j] = p < positions ? PaddedIndex(geometry, inputChannels, p / plane, p % plane) : -1;
            }

            for (var g = 0; g < filter.Groups; g++)
            {
                for (var c0 = 0; c0 < filter.InPerGroup; c0 += chunk)
                {
                    var channels = Math.Min(chunk, filter.InPerGroup - c0);
                    var last = c0 + channels == filter.InPerGroup;
                    Pack(geometry, inputs, (g * filter.InPerGroup) + c0, channels, bases, panel);
                    for (var b = 0; b < filter.BlocksPerGroup; b++)
                    {
                        ref var partial = ref partials[filter.FirstChannel(g, b) * nr];
                        MicroKernel.Block<T, TV, TLanes>(
                            filter.Rows,
                            ref Unsafe.Add(ref filter.Panel(g, b), (nint)c0 * Taps * filter.Rows),
                            ref panel0,
                            ref offsets[0],
                            channels * Taps,
                            c0 > 0,
                            ref partial,
                            nr,
                            ref last ? ref tile0 : ref partial,
                            nr,
                            filter.RowsIn(b));
                        if (last)
                        {
                            epilogue.Apply(g, b, first, tile);
                        }
                    }
                }
            }
        }
    }

    /// <summary>Gets the index in an all-samples padded buffer of sample n's position p in channel 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long PaddedIndex(in PaddedGeometry geometry, int channels, int n, int p) =>
        ((long)n * channels * geometry.PlaneStride) + geometry.PositionOf(p / geometry.Width, p % geometry.Width);

    /// <summary>panel[ci, kh, kw, j] = input plane (firstChannel + ci) at the tile's position j shifted by the tap; 0 past the batch.</summary>
    /// <remarks>
    /// A tile's positions keep their offsets from tap to tap, so with AVX2 each row of the panel is one 8-lane gather per
    /// 8 positions with the tile's index vector plus the tap's offset (float; about 4× fewer instructions than a
    /// scalar copy), or with AVX-512 a permute of two loads where 16 positions lie close together (<see cref="PackVectorized"/>).
    /// Tiles that run past the batch, double, and processors without AVX2 take the scalar copy.
    /// </remarks>
    private static void Pack(in PaddedGeometry geometry, T[] inputs, int firstChannel, int channels, ReadOnlySpan<long> bases, Span<T> panel)
    {
        var nr = bases.Length;
        var stride = geometry.PlaneStride;
        ref var source = ref MemoryMarshal.GetArrayDataReference(inputs);
        if (typeof(T) == typeof(float) && Avx2.IsSupported && nr % Vector256<int>.Count == 0 && bases[nr - 1] >= 0
            && (long)inputs.Length < int.MaxValue)
        {
            PackVectorized(geometry, ref Unsafe.As<T, float>(ref source), firstChannel, channels, bases, MemoryMarshal.Cast<T, float>(panel));
            return;
        }

        var k = 0;
        for (var ci = 0; ci < channels; ci++)
        {
            var channelOffset = (long)(firstChannel + ci) * stride;
            for (var kh = 0; kh < GamWeights.KernelSize; kh++)
            {
                for (var kw = 0; kw < GamWeights.KernelSize; kw++)
                {
                    var offset = channelOffset + geometry.FirstTapOffset + (kh * geometry.RowStride) + kw;
                    var row = panel.Slice(k * nr, nr);
                    for (var j = 0; j < row.Length; j++)
                    {
                        var at = bases[j];
                        row[j] = at < 0 ? T.Zero : Unsafe.Add(ref source, (nint)(at + offset));
                    }

                    k++;
                }
            }
        }
    }

    /// <summary>
    /// The panel in units of 8 lanes (AVX2), or 16 where AVX-512 is there and the tile is whole units of 16. A 16-lane unit
    /// that lies within 32 consecutive values of one padded plane (small maps: a few rows of W + 3) is two loads and one
    /// two-register permute (vpermt2ps) with an index vector fixed for the whole tile, where gathers cost 16 loads; any
    /// other unit (across a sample boundary, or without AVX-512) is one 8-lane gather per 8 lanes.
    /// </summary>
    private static unsafe void PackVectorized(in PaddedGeometry geometry, ref float source, int firstChannel, int channels, ReadOnlySpan<long> bases, Span<float> panel)
    {
        const int Half = 8;
        var nr = bases.Length;
        var lanes = Avx512F.IsSupported && nr % (2 * Half) == 0 ? 2 * Half : Half;
        var units = nr / lanes;
        Span<int> starts = stackalloc int[units];
        Span<Vector256<int>> gathers = stackalloc Vector256<int>[nr / Half];
        Span<Vector512<int>> permutes = stackalloc Vector512<int>[units];
        Span<int> distances = stackalloc int[2 * Half];
        for (var u = 0; u < units; u++)
        {
            var unit = bases.Slice(lanes * u, lanes);
            var permutable = lanes == 2 * Half;
            for (var j = 0; j < lanes; j++)
            {
                var distance = unit[j] - unit[0];
                permutable &= distance >= 0 && distance < 2 * lanes;
                distances[j] = (int)distance;
            }

            starts[u] = permutable ? (int)unit[0] : -1;
            permutes[u] = permutable ? Vector512.Create<int>(distances) : default;
            for (var h = 0; h < lanes / Half; h++)
            {
                var part = unit.Slice(Half * h, Half);
                gathers[(u * lanes / Half) + h] = Vector256.Create((int)part[0], (int)part[1], (int)part[2], (int)part[3], (int)part[4], (int)part[5], (int)part[6], (int)part[7]);
            }
        }

        fixed (float* origin = &source)
        fixed (float* target = panel)
        {
            var row = target;
            for (var ci = 0; ci < channels; ci++)
            {
                var channel = origin + ((long)(firstChannel + ci) * geometry.PlaneStride) + geometry.FirstTapOffset;
                for (var kh = 0; kh < GamWeights.KernelSize; kh++)
                {
                    var tapRow = channel + (kh * geometry.RowStride);
                    for (var kw = 0; kw < GamWeights.KernelSize; kw++)
                    {
                        var tap = tapRow + kw;
                        for (var u = 0; u < units; u++)
                        {
                            var destination = row + (lanes * u);
                            if (starts[u] >= 0)
                            {
                                var at = tap + starts[u];
                                Avx512F.PermuteVar16x32x2(Vector512.Load(at), permutes[u], Vector512.Load(at + (2 * Half))).Store(destination);
                                continue;
                            }

                            for (var h = 0; h < lanes / Half; h++)
                            {
                                Avx2.GatherVector256(tap, gathers[(u * lanes / Half) + h], 4).Store(destination + (Half * h));
                            }
                        }

                        row += nr;
                    }
                }
            }
        }
    }
}

/// <summary>Stores packed-convolution tiles into all-samples padded planes: + shift, optional ReLU (data positions only); with <c>accumulate</c>, added to what the planes hold.</summary>
internal readonly struct PackedStoreEpilogue<T>(PackedFilter<T> filter, PaddedGeometry geometry, T[] planes, int channels, int batch, bool relu, bool accumulate = false)
    : ITileEpilogue<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public void Apply(int group, int block, int tileStart, Span<T> tile)
    {
        var nr = tile.Length / filter.Rows;
        var plane = geometry.Height * geometry.Width;
        var count = Math.Min(nr, (batch * plane) - tileStart);
        for (var r = 0; r < filter.RowsIn(block); r++)
        {
            var channel = filter.FirstChannel(group, block) + r;
            var row = tile.Slice(r * nr, nr);
            TensorPrimitives.Add(row, filter.Shift[channel], row);
            if (relu)
            {
                TensorPrimitives.Max(row, T.Zero, row);
            }

            row = row[..count];

            var channelOffset = (long)channel * geometry.PlaneStride;
            for (var j = 0; j < count; j++)
            {
                var p = tileStart + j;
                ref var target = ref planes[channelOffset + PaddedIndexOf(p, plane, channels)];
                target = accumulate ? target + row[j] : row[j];
            }
        }
    }

    private long PaddedIndexOf(int p, int plane, int planes) =>
        ((long)(p / plane) * planes * geometry.PlaneStride) + geometry.PositionOf(p % plane / geometry.Width, p % plane % geometry.Width);
}

/// <summary>The second packed convolution's eval epilogue: s = sigmoid(tile + shift), then y = x1 ⊙ s per pixel, after the shuffle.</summary>
internal readonly unsafe struct PackedFinishEpilogue<T>(GamPlan<T> plan, T[] x1, T* output)
    : ITileEpilogue<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public void Apply(int group, int block, int tileStart, Span<T> tile)
    {
        var nr = tile.Length / plan.Conv2.Rows;
        var geometry = plan.Geometry;
        var plane = plan.PlaneSize;
        var count = Math.Min(nr, (plan.Batch * plane) - tileStart);
        var filter = plan.Conv2;
        for (var r = 0; r < filter.RowsIn(block); r++)
        {
            var o = filter.FirstChannel(group, block) + r;

            // The whole row, not just the pixels the tile holds: TensorPrimitives computes short spans with its scalar
            // path, whose last bits differ from its vector path, and a pixel's bits would then depend on where its sample
            // sits in the batch.
            var row = tile.Slice(r * nr, nr);
            TensorPrimitives.Add(row, filter.Shift[o], row);
            TensorPrimitives.Sigmoid(row, row);
            var s = row[..count];
            if (plan.OutChannels == 1)
            {
                for (var c = 0; c < plan.Channels; c++)
                {
                    Gate(c, s, tileStart);
                }
            }
            else
            {
                Gate(plan.ShuffledChannel(o), s, tileStart);
            }
        }
    }

    private void Gate(int c, ReadOnlySpan<T> s, int tileStart)
    {
        var geometry = plan.Geometry;
        var plane = plan.PlaneSize;
        for (var j = 0; j < s.Length; j++)
        {
            var p = tileStart + j;
            var n = p / plane;
            var q = p % plane;
            var at = ((((long)n * plan.Channels) + c) * geometry.PlaneStride) + geometry.PositionOf(q / geometry.Width, q % geometry.Width);
            output[((((long)n * plan.Channels) + c) * plane) + q] = x1[at] * s[j];
        }
    }
}
