using System;
using ILGPU;
using ILGPU.Runtime;
using SimAM.Gpu.Ilgpu.Runtime;

namespace SimAM.Gpu.Ilgpu.Kernels;

/// <summary>
/// Turns one forward or backward call into kernel launches: one fused launch with a group per plane, or, when there
/// are too few planes to fill the device and the planes are large, the split kernels with several groups per plane.
/// Holds the scratch buffers (statistics and partial sums). Not thread-safe: <see cref="IlgpuBackend"/> serialises calls.
/// </summary>
internal sealed class PlaneLaunches : IDisposable
{
    // Auto split: each thread should still sum at least this many values of its chunk.
    private const int MinValuesPerThread = 16;
    private const int MaxAutoGroupsPerPlane = 64;

    // Small planes get groups of about S/4 threads (at least a warp), so a 7x7 plane does not idle 200 threads.
    private const int ValuesPerThreadForGroupSize = 4;

    // A fused launch has at most this many rounds of resident groups; the kernels loop over further planes.
    private const int FusedWaves = 4;

    private readonly Accelerator _accelerator;
    private readonly KernelSet _kernels;
    private readonly int _groupsPerPlane;
    private readonly int _multiprocessors;
    private readonly int _minGroupSize;
    private readonly int _threadsPerMultiprocessor;

    private MemoryBuffer1D<double, Stride1D.Dense>? _statistics;
    private MemoryBuffer1D<double, Stride1D.Dense>? _partialSums;
    private MemoryBuffer1D<double, Stride1D.Dense>? _partialSquares;
    private MemoryBuffer1D<double, Stride1D.Dense>? _partialWeighted;

    public PlaneLaunches(Accelerator accelerator, KernelSet kernels, int maxGroupSize, int groupsPerPlane)
    {
        _accelerator = accelerator;
        _kernels = kernels;
        MaxGroupSize = maxGroupSize;
        _groupsPerPlane = groupsPerPlane;
        _multiprocessors = Math.Max(1, accelerator.NumMultiprocessors);
        _minGroupSize = Math.Min(maxGroupSize, Math.Max(1, accelerator.WarpSize));
        _threadsPerMultiprocessor = Math.Max(1, accelerator.MaxNumThreadsPerMultiprocessor);
    }

    /// <summary>Gets the largest group size the launches use.</summary>
    public int MaxGroupSize { get; }

    /// <summary>Gets a statistics buffer of at least <paramref name="planes"/> planes, for calls that keep none.</summary>
    public ArrayView1D<double, Stride1D.Dense> ScratchStatistics(int planes) => ScratchBuffers.AtLeast(_accelerator, ref _statistics, 2L * planes);

    /// <summary>y = SimAM(x), and each plane's (μ, v) into <paramref name="statistics"/>; <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public void Forward(ArrayView<float> x, ArrayView<float> y, ArrayView<double> statistics, int planes, int planeSize, float lambda)
    {
        var layout = Layout(planes, planeSize);
        if (layout.Groups == 1)
        {
            _kernels.Forward(Config(FusedGroups(planes, layout.GroupSize), layout.GroupSize, 1), x, y, statistics, planes, planeSize, lambda);
            return;
        }

        Statistics(x, statistics, planes, layout);
        _kernels.ForwardChunk(Config(planes * layout.Groups, layout.GroupSize, 0), x, y, statistics, planeSize, layout.Chunk, layout.Groups, lambda);
    }

    /// <summary>
    /// dx = ∂L/∂x; with <paramref name="saved"/> the plane statistics are read from <paramref name="statistics"/>,
    /// otherwise they are computed (into it, for the split kernels). <paramref name="dx"/> may be <paramref name="x"/> or <paramref name="g"/>.
    /// </summary>
    public void Backward(ArrayView<float> x, ArrayView<float> g, ArrayView<float> dx, ArrayView<double> statistics, bool saved, int planes, int planeSize, float lambda)
    {
        var layout = Layout(planes, planeSize);
        if (layout.Groups == 1)
        {
            _kernels.Backward(Config(FusedGroups(planes, layout.GroupSize), layout.GroupSize, 2), x, g, dx, statistics, planes, planeSize, lambda, saved ? 1 : 0);
            return;
        }

        if (!saved)
        {
            Statistics(x, statistics, planes, layout);
        }

        var launches = planes * layout.Groups;
        var weighted = ScratchBuffers.AtLeast(_accelerator, ref _partialWeighted, 2L * launches);
        _kernels.BackwardPartials(Config(launches, layout.GroupSize, 2), x, g, statistics, weighted, planeSize, layout.Chunk, layout.Groups, lambda);
        _kernels.BackwardChunk(Config(launches, layout.GroupSize, 0), x, g, dx, statistics, weighted, planeSize, layout.Chunk, layout.Groups, lambda);
    }

    /// <summary>sum = a + b elementwise: the 3-stream floor.</summary>
    public void Add(ArrayView<float> a, ArrayView<float> b, ArrayView<float> sum) => _kernels.Add((int)a.Length, a, b, sum);

    /// <summary>How many groups share a plane, how many values each owns, and the group size.</summary>
    public SplitLayout Layout(int planes, int planeSize)
    {
        // About S/4 threads per group, rounded up to a power of two, within [warp size, MaxGroupSize].
        var wanted = (int)Math.Min(MaxGroupSize, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, planeSize / ValuesPerThreadForGroupSize)));
        var groupSize = Math.Max(_minGroupSize, wanted);

        int groups;
        if (_groupsPerPlane > 0)
        {
            groups = Math.Min(_groupsPerPlane, planeSize);
        }
        else
        {
            // Split only when the planes alone leave the device idle: fewer than 4 groups per multiprocessor, and
            // planes big enough that every thread of every chunk has work.
            var fill = (int)Math.Min(int.MaxValue, ((4L * _multiprocessors) + planes - 1) / planes);
            var affordable = planeSize / (MinValuesPerThread * groupSize);
            groups = Math.Clamp(Math.Min(fill, affordable), 1, MaxAutoGroupsPerPlane);
        }

        if (groups <= 1 || (long)planes * groups > int.MaxValue)
        {
            return new SplitLayout(planeSize, 1, planeSize, groupSize);
        }

        // Chunks start on multiples of 64 values where that keeps the group count, for aligned loads.
        var chunk = (planeSize + groups - 1) / groups;
        var aligned = (int)Math.Min(planeSize, ((long)chunk + 63) / 64 * 64);
        chunk = (planeSize + aligned - 1) / aligned == groups ? aligned : chunk;
        groups = (planeSize + chunk - 1) / chunk;
        return new SplitLayout(planeSize, groups, chunk, groupSize);
    }

    public void Dispose()
    {
        _statistics?.Dispose();
        _partialSums?.Dispose();
        _partialSquares?.Dispose();
        _partialWeighted?.Dispose();
    }

    /// <summary>The split statistics stages: Σ x and Σ (x − μ)² per chunk, then (μ, v) per plane.</summary>
    private void Statistics(ArrayView<float> x, ArrayView<double> statistics, int planes, SplitLayout layout)
    {
        var launches = planes * layout.Groups;
        var sums = ScratchBuffers.AtLeast(_accelerator, ref _partialSums, launches);
        var squares = ScratchBuffers.AtLeast(_accelerator, ref _partialSquares, launches);
        _kernels.PartialSums(Config(launches, layout.GroupSize, 1), x, sums, layout.PlaneSize, layout.Chunk, layout.Groups);
        _kernels.PartialSquares(Config(launches, layout.GroupSize, 1), x, sums, squares, layout.PlaneSize, layout.Chunk, layout.Groups);
        _kernels.FinishStatistics(planes, sums, squares, statistics, layout.PlaneSize, layout.Groups);
    }

    /// <summary>
    /// The groups of a fused launch: one per plane, but at most <see cref="FusedWaves"/> times what the device holds at
    /// once; the kernels stride over the remaining planes. On a GPU that is thousands of groups (no limit in practice);
    /// on ILGPU's CPU accelerator, where every group costs a round of thread hand-offs, it keeps a launch to a few.
    /// </summary>
    private int FusedGroups(int planes, int groupSize)
    {
        var resident = Math.Max(1, _threadsPerMultiprocessor / groupSize) * (long)_multiprocessors;
        return (int)Math.Min(planes, FusedWaves * resident);
    }

    /// <summary>A launch of <paramref name="groups"/> groups with <paramref name="doublesPerThread"/> shared doubles per thread.</summary>
    private static KernelConfig Config(int groups, int groupSize, int doublesPerThread) =>
        doublesPerThread == 0
            ? new KernelConfig(groups, groupSize)
            : new KernelConfig(groups, groupSize, SharedMemoryConfig.RequestDynamic<double>(doublesPerThread * groupSize));

}

/// <summary>
/// A plane of <paramref name="PlaneSize"/> values split into <paramref name="Groups"/> chunks of <paramref name="Chunk"/>
/// values (the last may be shorter), each run by a group of <paramref name="GroupSize"/> threads.
/// </summary>
internal readonly record struct SplitLayout(int PlaneSize, int Groups, int Chunk, int GroupSize);
