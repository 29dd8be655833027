using System;
using SimAM.Kernels.Channels;
using SimAM.Validation;

namespace SimAM.Scheduling.Channels;

/// <summary>
/// How a channel-vector call is cut up: the lane tables, the chunks of rows each sample is reduced in,
/// and the workers. Chunks depend on S, C and the kernel width only, never on the thread count, and
/// their results are folded in index order: that is what makes every degree of parallelism give
/// bitwise-identical results.
/// </summary>
internal readonly struct ChannelPlan(ChannelLanes lanes, int rowsPerChunk, int chunksPerSample, int workers, bool split)
{
    /// <summary>
    /// About 16 Ki values (64 KiB of floats) per chunk when C is small (see <see cref="MinimumRows"/> for large C):
    /// enough chunks for a batch-1 call to share out, and a chunk prefetched during the previous sample's gate chunk
    /// is still in L2 when it is reduced.
    /// </summary>
    public const int ChunkTarget = 1 << 14;

    /// <summary>
    /// The fewest rows a chunk takes, as long as it stays within <see cref="LargestChunk"/> values. Every chunk costs a
    /// few passes over C (origins, folding the lanes, merging, the NaN check), the setup of its column tiles and of its
    /// gate, so with many channels a chunk of <see cref="ChunkTarget"/> values is too few rows: forward calls ran 10%
    /// faster at 256 rows than at 64 rows of 256 channels, and a third faster at 32 rows than at 8 rows of 2048
    /// (measured). Up to 64 channels the chunks are as before, so batch-1 calls of small C still have chunks to share out.
    /// </summary>
    public const int MinimumRows = 256;

    /// <summary>The most values a chunk takes to reach <see cref="MinimumRows"/> (256 KiB of floats, well within L2).</summary>
    public const int LargestChunk = 4 * ChunkTarget;

    /// <summary>Gets the lane tables' geometry.</summary>
    public ChannelLanes Lanes { get; } = lanes;

    /// <summary>Gets the rows of every chunk but the last of a sample (a multiple of the period's rows).</summary>
    public int RowsPerChunk { get; } = rowsPerChunk;

    /// <summary>Gets the chunks per sample.</summary>
    public int ChunksPerSample { get; } = chunksPerSample;

    /// <summary>Gets the number of workers (1 runs on the calling thread).</summary>
    public int Workers { get; } = workers;

    /// <summary>
    /// Gets a value indicating whether workers take chunks rather than whole samples: when there are too
    /// few samples to share evenly (batch 1), a phase per reduction lets every core work on every sample.
    /// </summary>
    public bool Split { get; } = split;

    public static ChannelPlan Create(in TensorGeometry view, ChannelLanes lanes, int maxDegreeOfParallelism)
    {
        // Whole periods per chunk, so that every chunk starts at lane 0.
        var periodRows = lanes.RowWise ? 1 : lanes.PeriodRows;
        var wanted = Math.Max(1, Math.Max(ChunkTarget / view.Channels, Math.Min(MinimumRows, LargestChunk / view.Channels)));
        var rows = (int)Math.Min(view.PlaneSize, ((long)wanted + periodRows - 1) / periodRows * periodRows);

        // A short remainder joins the last chunk, so no chunk is tiny and none exceeds 1.25 chunks.
        var full = view.PlaneSize / rows;
        var remainder = view.PlaneSize % rows;
        var chunks = remainder >= rows / 4 && remainder > 0 ? full + 1 : full;

        var (workers, split) = WorkPlan.Share(view.ElementCount, view.Samples, chunks, maxDegreeOfParallelism);
        return new ChannelPlan(lanes, rows, chunks, workers, split);
    }

    /// <summary>Gets the first row of a chunk.</summary>
    public int FirstRow(int chunk) => chunk * RowsPerChunk;

    /// <summary>Gets the rows of a chunk; the last one takes the remainder.</summary>
    public int Rows(int chunk, int spatial) =>
        chunk == ChunksPerSample - 1 ? spatial - (chunk * RowsPerChunk) : RowsPerChunk;

    /// <summary>The contiguous range [start, end) of <paramref name="count"/> items that worker <paramref name="worker"/> takes.</summary>
    public (int Start, int End) Range(int worker, int count) =>
        ((int)((long)count * worker / Workers), (int)((long)count * (worker + 1) / Workers));
}
