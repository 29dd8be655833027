using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SimAM.Gam.Compute.Lanes;

namespace SimAM.Gam.Compute;

/// <summary>
/// The convolution for small feature maps: positions are numbered over the whole batch, image row first
/// ((h·N + n)·W + w, data only), and each tile's inputs are first copied from the padded planes into a packed panel
/// ([channel][kh][kw][position], zeros coming from the padding for free), which the same micro-kernel then reads as a
/// plain GEMM. On a 7×7 map the direct path computes (W + 3)-wide rows in 48-position tiles, 96 positions for 49
/// pixels; here every lane is a pixel, at the price of one copied value per reduction step and position (a vector per
/// run of consecutive inputs, see <see cref="Pack"/>), shared by all output-channel blocks.
/// </summary>
/// <remarks>
/// Numbering rows first puts every lane of a tile in the same image row or two (N·W positions per row), so the kernel
/// rows kh that read only the zero rows above or below the map for all of a tile's lanes are skipped: on a 7×7 map
/// 37 of the 49 taps' rows remain on average, and since a skipped product is an exact zero, every sum is the same to
/// the bit. The kept taps of the channels of a chunk are summed in registers (one run of steps per channel), and while a
/// chunk's output blocks run, the input lines of the next chunk are prefetched: a tile's pass over all input channels
/// outgrows L2, so each channel's inputs come from L3, and without the prefetch the copy into the panel waited on them
/// (a [32,512,7,7] pass 7–11% faster with it).
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
/// <typeparam name="TV">The vector type of the width.</typeparam>
/// <typeparam name="TLanes">The width.</typeparam>
internal static class PackedConvolution<T, TV, TLanes>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TV : struct
    where TLanes : ILanes<T, TV>
{
    private const int Taps = GamWeights.KernelSize * GamWeights.KernelSize;

    /// <summary>
    /// How many chunks ahead each block's weights are prefetched. A block's weights of one chunk are a few lines, and the
    /// blocks' panels lie a whole filter row apart (800 KB at C = 512), so the hardware follows none of the sixteen streams;
    /// each tile sweeps the whole filter (12.8 MB on [32,512,7,7]) from L3. Measured there, eval forced onto this path, the
    /// convolutions' rate (median of 16 calls, five rounds taking turns): 308–315 GFLOP/s without, 327–341 with the
    /// prefetch four chunks ahead (one or two ahead gained less, eight no more).
    /// </summary>
    private const int WeightPrefetchChunks = 4;

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
        var positions = batch * geometry.Height * geometry.Width;
        var rowPositions = batch * geometry.Width;
        Span<long> bases = stackalloc long[nr];
        Span<Segment> segments = stackalloc Segment[nr];
        ref var tile0 = ref MemoryMarshal.GetReference(tile);
        ref var panel0 = ref MemoryMarshal.GetReference(panel);
        for (var t = from; t < to; t++)
        {
            var first = t * nr;
            for (var j = 0; j < nr; j++)
            {
                var p = first + j;
                bases[j] = p < positions ? geometry.BatchIndex(inputChannels, batch, p) : -1;
            }

            var tileSegments = Segments(bases, segments);

            // The kernel rows that reach the map from some image row of the tile: the others multiply zeros only.
            var (firstTap, taps) = geometry.KernelRows(first / rowPositions, (Math.Min(first + nr, positions) - 1) / rowPositions);
            for (var g = 0; g < filter.Groups; g++)
            {
                for (var c0 = 0; c0 < filter.InPerGroup; c0 += chunk)
                {
                    var channels = Math.Min(chunk, filter.InPerGroup - c0);
                    var last = c0 + channels == filter.InPerGroup;
                    Pack(geometry, inputs, (g * filter.InPerGroup) + c0, channels, tileSegments, nr, panel, firstTap, taps);
                    if (c0 + chunk < filter.InPerGroup)
                    {
                        PrefetchRows(geometry, inputs, (g * filter.InPerGroup) + c0 + chunk, Math.Min(chunk, filter.InPerGroup - c0 - chunk), tileSegments, firstTap, taps);
                    }

                    // Each block's weights of the chunk WeightPrefetchChunks on (none past the group's channels).
                    var ahead = WeightPrefetchChunks * chunk;
                    var aheadChannels = Math.Min(chunk, filter.InPerGroup - c0 - ahead);
                    for (var b = 0; b < filter.BlocksPerGroup; b++)
                    {
                        ref var partial = ref partials[filter.FirstChannel(g, b) * nr];
                        ref var weights = ref Unsafe.Add(ref filter.Panel(g, b), (nint)c0 * Taps * filter.Rows);
                        if (aheadChannels > 0)
                        {
                            PrefetchWeights(ref Unsafe.Add(ref weights, (nint)ahead * Taps * filter.Rows), aheadChannels, filter.Rows, firstTap, taps);
                        }

                        // The kept taps of one channel are consecutive steps of the panel and the filter: one run per channel.
                        MicroKernel.Block<T, TV, TLanes>(
                            filter.Rows, ref Unsafe.Add(ref weights, firstTap * filter.Rows), ref panel0, ref offsets[firstTap], taps, channels, Taps, c0 > 0,
                            ref partial, nr, ref last ? ref tile0 : ref partial, nr, filter.RowsIn(b));
                        if (last)
                        {
                            epilogue.Apply(g, b, first, tile);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Splits a tile's lanes into runs whose inputs lie next to each other in one padded plane (part of an image row of one
    /// sample; W values at most) and the run of lanes past the batch (base −1), which reads zeros.
    /// </summary>
    private static ReadOnlySpan<Segment> Segments(ReadOnlySpan<long> bases, Span<Segment> segments)
    {
        var count = 0;
        for (var j = 0; j < bases.Length;)
        {
            var end = j + 1;
            while (end < bases.Length && (bases[j] < 0 ? bases[end] < 0 : bases[end] == bases[j] + (end - j)))
            {
                end++;
            }

            segments[count++] = new Segment(j, bases[j], end - j);
            j = end;
        }

        return segments[..count];
    }

    /// <summary>
    /// panel[ci, kh, kw, j] = input plane (firstChannel + ci) at the tile's position j shifted by the tap, for the
    /// <paramref name="taps"/> taps from <paramref name="firstTap"/> (the other rows are left as they are: the tile skips them); 0 past the batch.
    /// </summary>
    /// <remarks>
    /// Each segment of a row is copied in whole vectors, the last of which may run past the segment into lanes (or the next
    /// row) that a later copy writes, so a segment of a few values is one load and one store; only a copy that would leave
    /// the panel stops at its end. A 7×7 map's tile is about eight segments, against a gather per value.
    /// </remarks>
    private static void Pack(
        in PaddedGeometry geometry, T[] inputs, int firstChannel, int channels, ReadOnlySpan<Segment> segments, int nr, Span<T> panel, int firstTap, int taps)
    {
        var n = TLanes.Count;
        ref var source = ref MemoryMarshal.GetArrayDataReference(inputs);
        ref var target = ref MemoryMarshal.GetReference(panel);
        var panelEnd = panel.Length;
        for (var ci = 0; ci < channels; ci++)
        {
            var channelOffset = ((long)(firstChannel + ci) * geometry.PlaneStride) + geometry.FirstTapOffset;
            for (var tap = firstTap; tap < firstTap + taps; tap++)
            {
                var offset = channelOffset + (tap / GamWeights.KernelSize * geometry.RowStride) + (tap % GamWeights.KernelSize);
                var row = ((ci * Taps) + tap) * nr;
                foreach (var segment in segments)
                {
                    var at = row + segment.Lane;
                    var from = segment.Base + offset;
                    for (var done = 0; done < segment.Length; done += n)
                    {
                        if (at + done + n <= panelEnd)
                        {
                            var values = segment.Base < 0 ? TLanes.Zero : TLanes.Load(ref Unsafe.Add(ref source, (nint)(from + done)));
                            TLanes.Store(values, ref Unsafe.Add(ref target, at + done));
                            continue;
                        }

                        for (var j = done; j < segment.Length; j++)
                        {
                            Unsafe.Add(ref target, at + j) = segment.Base < 0 ? T.Zero : Unsafe.Add(ref source, (nint)(from + j));
                        }

                        break;
                    }
                }
            }
        }
    }

    /// <summary>Prefetches the input lines that <see cref="Pack"/> will read for the next chunk's channels: each kept kernel row of each segment.</summary>
    private static void PrefetchRows(in PaddedGeometry geometry, T[] inputs, int firstChannel, int channels, ReadOnlySpan<Segment> segments, int firstTap, int taps)
    {
        ref var source = ref MemoryMarshal.GetArrayDataReference(inputs);
        var lineValues = 64 / Unsafe.SizeOf<T>();
        for (var ci = 0; ci < channels; ci++)
        {
            var channelOffset = ((long)(firstChannel + ci) * geometry.PlaneStride) + geometry.FirstTapOffset;
            for (var kh = firstTap / GamWeights.KernelSize; kh < (firstTap + taps) / GamWeights.KernelSize; kh++)
            {
                var offset = channelOffset + (kh * geometry.RowStride);
                foreach (var segment in segments)
                {
                    if (segment.Base >= 0)
                    {
                        for (var j = 0; j < segment.Length + GamWeights.KernelSize - 1 + lineValues - 1; j += lineValues)
                        {
                            SimAM.Kernels.Prefetch.Line(ref source, (nint)(segment.Base + offset + j));
                        }
                    }
                }
            }
        }
    }

    /// <summary>Prefetches the kept taps' weights of one block for <paramref name="channels"/> channels from <paramref name="weights"/> on (see <see cref="WeightPrefetchChunks"/>).</summary>
    private static void PrefetchWeights(ref T weights, int channels, int rows, int firstTap, int taps)
    {
        var lineValues = 64 / Unsafe.SizeOf<T>();
        for (var ci = 0; ci < channels; ci++)
        {
            ref var kept = ref Unsafe.Add(ref weights, ((nint)ci * Taps * rows) + (firstTap * rows));
            for (var v = 0; v < taps * rows; v += lineValues)
            {
                SimAM.Kernels.Prefetch.Line(ref kept, v);
            }
        }
    }

    /// <summary>A run of a tile's lanes from <see cref="Lane"/> whose inputs are consecutive from padded index <see cref="Base"/> (−1: past the batch, zeros).</summary>
    private readonly record struct Segment(int Lane, long Base, int Length);
}

/// <summary>Stores packed-convolution tiles into all-samples padded planes: + shift, optional ReLU (data positions only); with <c>accumulate</c>, added to what the planes hold.</summary>
internal readonly struct PackedStoreEpilogue<T>(PackedFilter<T> filter, PaddedGeometry geometry, T[] planes, int channels, int batch, bool relu, bool accumulate = false)
    : ITileEpilogue<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public void Apply(int group, int block, int tileStart, Span<T> tile)
    {
        var nr = tile.Length / filter.Rows;
        var count = Math.Min(nr, (batch * geometry.Height * geometry.Width) - tileStart);

        // Where each lane goes in channel 0, found once for all rows of the block.
        Span<long> targets = stackalloc long[count];
        for (var j = 0; j < count; j++)
        {
            targets[j] = geometry.BatchIndex(channels, batch, tileStart + j);
        }

        for (var r = 0; r < filter.RowsIn(block); r++)
        {
            var channel = filter.FirstChannel(group, block) + r;
            var row = tile.Slice(r * nr, nr);
            TensorPrimitives.Add(row, filter.Shift[channel], row);
            if (relu)
            {
                TensorPrimitives.Max(row, T.Zero, row);
            }

            var channelPlanes = planes.AsSpan((int)((long)channel * geometry.PlaneStride));
            for (var j = 0; j < count; j++)
            {
                ref var target = ref channelPlanes[(int)targets[j]];
                target = accumulate ? target + row[j] : row[j];
            }
        }
    }
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

        // Each lane's x1 and y index in channel 0, found once for all rows of the block.
        Span<long> sources = stackalloc long[count];
        Span<long> targets = stackalloc long[count];
        for (var j = 0; j < count; j++)
        {
            var (n, h, w) = geometry.BatchPixel(plan.Batch, tileStart + j);
            sources[j] = ((long)n * plan.Channels * geometry.PlaneStride) + geometry.PositionOf(h, w);
            targets[j] = ((long)n * plan.Channels * plane) + (h * geometry.Width) + w;
        }

        // x1 and y are read and written in runs of a few values scattered over N·C planes, so their lines come from L3:
        // ask for the next block's while this one's gate runs (the next block's micro-kernel call comes in between).
        if (plan.OutChannels > 1 && block + 1 < filter.BlocksPerGroup)
        {
            for (var r = 0; r < filter.RowsIn(block + 1); r++)
            {
                PrefetchRuns(plan.ShuffledChannel(filter.FirstChannel(group, block + 1) + r), sources, targets);
            }
        }

        for (var r = 0; r < filter.RowsIn(block); r++)
        {
            var o = filter.FirstChannel(group, block) + r;

            // The whole row, not just the pixels the tile holds: TensorPrimitives computes short spans with its scalar
            // path, whose last bits differ from its vector path, and a pixel's bits would then depend on where it sits
            // in the batch.
            var row = tile.Slice(r * nr, nr);
            TensorPrimitives.Add(row, filter.Shift[o], row);
            Logistic<T>.InPlace(row);
            var s = row[..count];
            if (plan.OutChannels == 1)
            {
                for (var c = 0; c < plan.Channels; c++)
                {
                    Gate(c, s, sources, targets);
                }
            }
            else
            {
                Gate(plan.ShuffledChannel(o), s, sources, targets);
            }
        }
    }

    /// <summary>Prefetches channel <paramref name="c"/>'s x1 and y lines of the tile's lanes: the first and last value of each run of consecutive lanes.</summary>
    private void PrefetchRuns(int c, ReadOnlySpan<long> sources, ReadOnlySpan<long> targets)
    {
        ref var x1Channel = ref x1[(long)c * plan.Geometry.PlaneStride];
        ref var outputChannel = ref Unsafe.AsRef<T>(output + ((long)c * plan.PlaneSize));
        for (var j = 0; j < targets.Length; j++)
        {
            var starts = j == 0 || targets[j] != targets[j - 1] + 1;
            var ends = j == targets.Length - 1 || targets[j + 1] != targets[j] + 1;
            if (starts || ends)
            {
                SimAM.Kernels.Prefetch.Line(ref x1Channel, (nint)sources[j]);
                SimAM.Kernels.Prefetch.Line(ref outputChannel, (nint)targets[j]);
            }
        }
    }

    private void Gate(int c, ReadOnlySpan<T> s, ReadOnlySpan<long> sources, ReadOnlySpan<long> targets)
    {
        var x1Channel = (long)c * plan.Geometry.PlaneStride;
        var outputChannel = (long)c * plan.PlaneSize;
        for (var j = 0; j < s.Length; j++)
        {
            output[outputChannel + targets[j]] = x1[x1Channel + sources[j]] * s[j];
        }
    }
}
