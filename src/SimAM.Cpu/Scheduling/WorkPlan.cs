using System;
using SimAM.Validation;

namespace SimAM.Scheduling;

/// <summary>
/// The threading decision for one call: how many workers, and whether they take whole planes or the
/// chunks of a few large planes.
/// </summary>
internal readonly struct WorkPlan(int workers, bool splitPlanes, ChunkLayout chunks)
{
    /// <summary>
    /// Below 32 Ki elements (128 KiB of floats, roughly 10 µs of work) a worker costs more to wake
    /// than it saves, so each worker gets at least this much.
    /// </summary>
    public const int MinimumElementsPerWorker = 1 << 15;

    /// <summary>Gets the number of workers (1 runs on the calling thread).</summary>
    public int Workers { get; } = workers;

    /// <summary>
    /// Gets a value indicating whether workers take chunks rather than planes: when there are too few
    /// planes to share evenly (for example 3 planes of 1024×1024 on 2 cores), a phase per reduction
    /// lets every core work on every plane.
    /// </summary>
    public bool SplitPlanes { get; } = splitPlanes;

    /// <summary>Gets the chunk layout of every plane.</summary>
    public ChunkLayout Chunks { get; } = chunks;

    public static WorkPlan Create(in TensorGeometry geometry, int maxDegreeOfParallelism)
    {
        var chunks = new ChunkLayout(geometry.PlaneSize);
        var (workers, split) = Share(geometry.ElementCount, geometry.PlaneCount, chunks.ChunksPerPlane, maxDegreeOfParallelism);
        return new WorkPlan(workers, split, chunks);
    }

    /// <summary>
    /// How many workers a call of <paramref name="elements"/> values gets, and whether they take chunks rather than
    /// whole items (planes, or channels-last samples) of <paramref name="chunksPerItem"/> chunks each. Both families
    /// decide this way.
    /// </summary>
    public static (int Workers, bool Split) Share(long elements, int items, int chunksPerItem, int maxDegreeOfParallelism)
    {
        var workers = (int)Math.Min(maxDegreeOfParallelism, Math.Max(1, elements / MinimumElementsPerWorker));
        if (workers <= 1)
        {
            return (1, false);
        }

        // Whole items per worker are best (each is reduced and gated while hot) unless the busiest worker would
        // get over 10% more items than the average.
        var busiest = (items + workers - 1) / workers;
        var imbalanced = busiest * (long)workers * 10 > items * 11L;
        var split = imbalanced && chunksPerItem >= 2;
        return (split ? workers : Math.Min(workers, items), split);
    }

    /// <summary>
    /// What worker <paramref name="worker"/> takes when small planes go <paramref name="lanes"/> at a time (one per SIMD
    /// lane): whole groups of <paramref name="lanes"/> planes counted from plane 0, and, on the last worker, the planes
    /// after the last whole group, one at a time. The lane-per-plane kernels round the statistics differently from the
    /// plane kernels, so which of them takes a plane must not depend on where the thread count cuts.
    /// </summary>
    public ((int Start, int End) Lanes, (int Start, int End) Planes) LaneShare(int worker, int planeCount, int lanes)
    {
        var groups = planeCount / lanes;
        var (first, last) = Range(worker, groups);
        return ((first * lanes, last * lanes), worker == Workers - 1 ? (groups * lanes, planeCount) : (0, 0));
    }

    /// <summary>The contiguous range [start, end) of <paramref name="count"/> items that worker <paramref name="worker"/> takes.</summary>
    public (int Start, int End) Range(int worker, int count) =>
        ((int)((long)count * worker / Workers), (int)((long)count * (worker + 1) / Workers));
}
