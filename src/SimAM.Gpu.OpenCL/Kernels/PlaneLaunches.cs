using System;
using SimAM.Gpu.Interop;

namespace SimAM.Gpu.Kernels;

/// <summary>
/// Turns one forward or backward call into kernel launches: one fused launch with a work-group per
/// plane, or, when there are too few planes to fill the device and the planes are large, the split
/// kernels with several work-groups per plane. Not thread-safe: <see cref="OpenClBackend"/> serialises calls.
/// </summary>
internal sealed class PlaneLaunches : IDisposable
{
    /// <summary>The most work-groups one plane is split into.</summary>
    public const int MaxGroupsPerPlane = 1024;

    // Launch limits that hold on every device: a fused launch has planes·WG work-items in one
    // dimension (kept below 2^31), a split launch has the planes in its second dimension, which
    // some drivers cap at 65535.
    private const int MaxFusedPlanesPerLaunch = 1 << 22;
    private const int MaxSplitPlanesPerLaunch = 65535;

    // Auto split: each work-item should still sum at least this many values of its chunk.
    private const int MinValuesPerWorkItem = 16;
    private const int MaxAutoGroupsPerPlane = 64;

    private const int AccumulatorBytes = 8; // double, or float2 (sum, compensation)

    private readonly ContextHandle _context;
    private readonly CommandQueueHandle _queue;
    private readonly SimAmProgram _program;
    private readonly int _computeUnits;
    private readonly int _groupsPerPlane;

    private DeviceBuffer? _partMax;
    private DeviceBuffer? _partSums;
    private DeviceBuffer? _partSquares;
    private DeviceBuffer? _partWeighted;

    public PlaneLaunches(ContextHandle context, CommandQueueHandle queue, SimAmProgram program, int computeUnits, int groupsPerPlane)
    {
        _context = context;
        _queue = queue;
        _program = program;
        _computeUnits = Math.Max(1, computeUnits);
        _groupsPerPlane = groupsPerPlane;
    }

    /// <summary>y = SimAM(x); <paramref name="y"/> may be <paramref name="x"/> itself.</summary>
    public void Forward(MemObjectHandle x, MemObjectHandle y, int planes, int planeSize, float lambda)
    {
        var layout = Layout(planes, planeSize);
        if (layout.Groups == 1)
        {
            var kernel = _program.Forward;
            SimAmProgram.SetArgument(kernel, 0, x);
            SimAmProgram.SetArgument(kernel, 1, y);
            SimAmProgram.SetArgument(kernel, 2, (uint)planeSize);
            SimAmProgram.SetArgument(kernel, 3, lambda);
            EnqueueFused(kernel, 4, planes);
            return;
        }

        for (var first = 0; first < planes; first += MaxSplitPlanesPerLaunch)
        {
            var count = Math.Min(MaxSplitPlanesPerLaunch, planes - first);
            Statistics(x, layout, first, count);
            var apply = _program.ForwardApply;
            SimAmProgram.SetArgument(apply, 0, x);
            SimAmProgram.SetArgument(apply, 1, y);
            SetLayout(apply, 2, layout, first);
            SimAmProgram.SetArgument(apply, 6, lambda);
            SetStatistics(apply, 7);
            EnqueueSplit(apply, layout, count);
        }
    }

    /// <summary>dx = ∂L/∂x from x and g = ∂L/∂y; <paramref name="dx"/> may be <paramref name="x"/> or <paramref name="g"/> itself.</summary>
    public void Backward(MemObjectHandle x, MemObjectHandle g, MemObjectHandle dx, int planes, int planeSize, float lambda)
    {
        var layout = Layout(planes, planeSize);
        if (layout.Groups == 1)
        {
            var kernel = _program.Backward;
            SimAmProgram.SetArgument(kernel, 0, x);
            SimAmProgram.SetArgument(kernel, 1, g);
            SimAmProgram.SetArgument(kernel, 2, dx);
            SimAmProgram.SetArgument(kernel, 3, (uint)planeSize);
            SimAmProgram.SetArgument(kernel, 4, lambda);
            EnqueueFused(kernel, 5, planes);
            return;
        }

        for (var first = 0; first < planes; first += MaxSplitPlanesPerLaunch)
        {
            var count = Math.Min(MaxSplitPlanesPerLaunch, planes - first);
            Statistics(x, layout, first, count);
            var weighted = DeviceBuffer.AtLeast(_context, ref _partWeighted, 2L * count * layout.Groups * AccumulatorBytes);

            var part = _program.BackwardPart;
            SimAmProgram.SetArgument(part, 0, x);
            SimAmProgram.SetArgument(part, 1, g);
            SetLayout(part, 2, layout, first);
            SimAmProgram.SetArgument(part, 6, lambda);
            SetStatistics(part, 7);
            SimAmProgram.SetArgument(part, 10, weighted.Handle);
            EnqueueSplit(part, layout, count);

            var apply = _program.BackwardApply;
            SimAmProgram.SetArgument(apply, 0, x);
            SimAmProgram.SetArgument(apply, 1, g);
            SimAmProgram.SetArgument(apply, 2, dx);
            SetLayout(apply, 3, layout, first);
            SimAmProgram.SetArgument(apply, 7, lambda);
            SetStatistics(apply, 8);
            SimAmProgram.SetArgument(apply, 11, weighted.Handle);
            EnqueueSplit(apply, layout, count);
        }
    }

    /// <summary>How many work-groups share a plane, and how many values each one owns.</summary>
    internal SplitLayout Layout(int planes, int planeSize)
    {
        var workGroup = _program.WorkGroupSize;
        int groups;
        if (_groupsPerPlane > 0)
        {
            groups = Math.Min(_groupsPerPlane, planeSize);
        }
        else
        {
            // Split only when the planes alone leave the device idle: fewer than 4 work-groups per
            // compute unit, and planes big enough that every work-item of every chunk has work.
            var wanted = (4 * _computeUnits + planes - 1) / planes;
            var affordable = planeSize / (MinValuesPerWorkItem * workGroup);
            groups = Math.Clamp(Math.Min(wanted, affordable), 1, MaxAutoGroupsPerPlane);
        }

        if (groups <= 1)
        {
            return new SplitLayout(planeSize, 1, planeSize);
        }

        // Chunks start on multiples of 64 values where that keeps the group count, for aligned loads.
        var chunk = (planeSize + groups - 1) / groups;
        var aligned = (int)Math.Min(planeSize, ((long)chunk + 63) / 64 * 64);
        chunk = (planeSize + aligned - 1) / aligned == groups ? aligned : chunk;
        groups = (planeSize + chunk - 1) / chunk;
        return new SplitLayout(planeSize, groups, chunk);
    }

    public void Dispose()
    {
        _partMax?.Dispose();
        _partSums?.Dispose();
        _partSquares?.Dispose();
        _partWeighted?.Dispose();
    }

    /// <summary>The statistics stages of the split path: [max|x|], Σ x, Σ (x − μ)², each into per-chunk partials.</summary>
    private void Statistics(MemObjectHandle x, SplitLayout layout, int first, int count)
    {
        var partials = (long)count * layout.Groups;
        var partMax = DeviceBuffer.AtLeast(_context, ref _partMax, partials * sizeof(float));
        DeviceBuffer.AtLeast(_context, ref _partSums, partials * AccumulatorBytes);
        DeviceBuffer.AtLeast(_context, ref _partSquares, partials * AccumulatorBytes);

        if (!_program.Float64)
        {
            var max = _program.PartMax;
            SimAmProgram.SetArgument(max, 0, x);
            SetLayout(max, 1, layout, first);
            SimAmProgram.SetArgument(max, 5, partMax.Handle);
            EnqueueSplit(max, layout, count);
        }

        var sum = _program.PartSum;
        SimAmProgram.SetArgument(sum, 0, x);
        SetLayout(sum, 1, layout, first);
        SimAmProgram.SetArgument(sum, 5, partMax.Handle);
        SimAmProgram.SetArgument(sum, 6, _partSums!.Handle);
        EnqueueSplit(sum, layout, count);

        var squares = _program.PartSquares;
        SimAmProgram.SetArgument(squares, 0, x);
        SetLayout(squares, 1, layout, first);
        SetStatistics(squares, 5);
        EnqueueSplit(squares, layout, count);
    }

    /// <summary>Sets the arguments (n, chunk, groups, first_plane) that every split kernel takes in this order.</summary>
    private static void SetLayout(KernelHandle kernel, uint index, SplitLayout layout, int first)
    {
        SimAmProgram.SetArgument(kernel, index, (uint)layout.PlaneSize);
        SimAmProgram.SetArgument(kernel, index + 1, (uint)layout.Chunk);
        SimAmProgram.SetArgument(kernel, index + 2, (uint)layout.Groups);
        SimAmProgram.SetArgument(kernel, index + 3, (uint)first);
    }

    /// <summary>Sets the partial buffers (max|x|, Σ x, Σ (x − μ)²) that follow a split kernel's other arguments.</summary>
    private void SetStatistics(KernelHandle kernel, uint index)
    {
        SimAmProgram.SetArgument(kernel, index, _partMax!.Handle);
        SimAmProgram.SetArgument(kernel, index + 1, _partSums!.Handle);
        SimAmProgram.SetArgument(kernel, index + 2, _partSquares!.Handle);
    }

    /// <summary>
    /// Enqueues a fused kernel, whose other arguments are set, over all planes: in launches of at most
    /// <see cref="MaxFusedPlanesPerLaunch"/> planes, each told its first plane through argument <paramref name="firstPlaneIndex"/>.
    /// </summary>
    private void EnqueueFused(KernelHandle kernel, uint firstPlaneIndex, int planes)
    {
        for (var first = 0; first < planes; first += MaxFusedPlanesPerLaunch)
        {
            var count = Math.Min(MaxFusedPlanesPerLaunch, planes - first);
            SimAmProgram.SetArgument(kernel, firstPlaneIndex, (uint)first);
            _program.Enqueue(_queue, kernel, (long)count * _program.WorkGroupSize);
        }
    }

    private void EnqueueSplit(KernelHandle kernel, SplitLayout layout, int planes) =>
        _program.Enqueue(_queue, kernel, (long)layout.Groups * _program.WorkGroupSize, planes);
}

/// <summary>A plane of <paramref name="PlaneSize"/> values split into <paramref name="Groups"/> chunks of <paramref name="Chunk"/> values (the last may be shorter).</summary>
internal readonly record struct SplitLayout(int PlaneSize, int Groups, int Chunk);
