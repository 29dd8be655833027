using System;
using SimAM.Validation;

namespace SimAM.Scheduling;

/// <summary>
/// The threading decision for one call: how many workers, and whether they take whole planes or the
/// chunks of a few large planes.
/// </summary>
internal readonly struct WorkPlan
{
    /// <summary>
    /// Below 32 Ki elements (128 KiB of floats, roughly 10 µs of work) a worker costs more to wake
    /// than it saves, so each worker gets at least this much.
    /// </summary>
    public const int MinimumElementsPerWorker = 1 << 15;

    private WorkPlan(int workers, bool splitPlanes, ChunkLayout chunks)
    {
        Workers = workers;
        SplitPlanes = splitPlanes;
        Chunks = chunks;
    }

    /// <summary>Gets the number of workers (1 runs on the calling thread).</summary>
    public int Workers { get; }

    /// <summary>
    /// Gets a value indicating whether workers take chunks rather than planes: when there are too few
    /// planes to share evenly (for example 3 planes of 1024×1024 on 2 cores), a phase per reduction
    /// lets every core work on every plane.
    /// </summary>
    public bool SplitPlanes { get; }

    /// <summary>Gets the chunk layout of every plane.</summary>
    public ChunkLayout Chunks { get; }

    public static WorkPlan Create(in TensorGeometry geometry, int maxDegreeOfParallelism)
    {
        var chunks = new ChunkLayout(geometry.PlaneSize);
        var byWork = Math.Max(1, geometry.ElementCount / MinimumElementsPerWorker);
        var workers = Math.Min(maxDegreeOfParallelism, byWork);
        if (workers <= 1)
        {
            return new WorkPlan(1, false, chunks);
        }

        // Whole planes per worker are best (each plane is reduced and gated while hot) unless the
        // busiest worker would get over 10% more planes than the average.
        var planes = geometry.PlaneCount;
        var busiest = (planes + workers - 1) / workers;
        var imbalanced = busiest * workers * 10L > planes * 11L;
        var split = imbalanced && chunks.ChunksPerPlane >= 2;
        if (!split)
        {
            workers = Math.Min(workers, planes);
        }

        return new WorkPlan(workers, split, chunks);
    }

    /// <summary>The contiguous range [start, end) of <paramref name="count"/> items that worker <paramref name="worker"/> takes.</summary>
    public (int Start, int End) Range(int worker, int count) =>
        ((int)((long)count * worker / Workers), (int)((long)count * (worker + 1) / Workers));
}
