using System;
using System.Collections.Generic;
using System.Numerics;
using SimAM.Gam.Compute;
using SimAM.Gam.Scheduling;
using SimAM.Gam.Validation;

namespace SimAM.Gam;

/// <summary>
/// GAM, the Global Attention Mechanism (Liu, Shao, Hoffmann, 2021), as one fused forward pass over NCHW tensors:
/// y = x1 ⊙ sigmoid(BN2(conv7×7(ReLU(BN1(conv7×7(x1)))))) with x1 = x ⊙ MLP(x) over each pixel's channels,
/// computed tile by tile on SIMD GEMM micro-kernels with the PyTorch module's weights.
/// </summary>
/// <remarks>
/// <para>
/// Eval mode folds each BatchNorm into the convolution before it (once per weights version) and runs each sample
/// through the whole module in one worker's workspace; train mode normalises with the batch's statistics and
/// updates the running statistics and batch counters of <see cref="Weights"/> exactly as PyTorch does.
/// </para>
/// <para>
/// Any number of threads may call <c>Forward</c> in eval mode on one module at once; each call takes a workspace
/// from the module's pool (see <see cref="WorkspaceBytes"/>), so steady-state calls allocate nothing beyond what
/// <c>Parallel.For</c> itself needs. Train-mode calls change the weights' running statistics and are serialised.
/// A NaN or infinity in the input propagates to the output as it does in PyTorch.
/// </para>
/// </remarks>
public sealed class GamModule
{
    private readonly object _trainLock = new();
    private readonly Stack<GamWorkspace<float>> _floatWorkspaces = new();
    private readonly Stack<GamWorkspace<double>> _doubleWorkspaces = new();
    // One cached plan per element type and mode: a train call changes the running statistics, which an eval plan folds
    // in and a train plan does not, so alternating modes must not rebuild (and repack) each other's plans.
    private readonly GamPlan<float>?[] _floatPlans = new GamPlan<float>?[2];
    private readonly GamPlan<double>?[] _doublePlans = new GamPlan<double>?[2];

    /// <summary>Initializes a new instance of the <see cref="GamModule"/> class.</summary>
    /// <param name="weights">The module's weights; train-mode calls update their running statistics.</param>
    /// <param name="options">The channel gate, shuffle, threads and SIMD width, or <see langword="null"/> for <see cref="GamOptions.Default"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="weights"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><see cref="GamOptions.ShuffleGroups"/> does not divide the weights' output channels (names <paramref name="options"/>).</exception>
    /// <exception cref="NotSupportedException"><see cref="GamOptions.Kernel"/> names a width this processor does not accelerate.</exception>
    public GamModule(GamWeights weights, GamOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        Options = options ?? GamOptions.Default;
        GamChecks.ShuffleGroups(Options.ShuffleGroups, weights.OutChannels, nameof(options));
        Kernel = SimAmKernels.Resolve(Options.Kernel);
        Weights = weights;
    }

    /// <summary>Gets the weights every call uses.</summary>
    public GamWeights Weights { get; }

    /// <summary>Gets the options every call runs with.</summary>
    public GamOptions Options { get; }

    /// <summary>Gets the SIMD width the GEMM micro-kernels run at (<see cref="GamOptions.Kernel"/> resolved).</summary>
    public SimAmKernel Kernel { get; }

    /// <summary>Runs the module on a float tensor.</summary>
    /// <param name="input">x, shape [N, C, H, W] in row-major order.</param>
    /// <param name="output">Receives y, the same length; may be <paramref name="input"/> itself, but may not partially overlap it.</param>
    /// <param name="shape">[N, C, H, W]; C must be the weights' channels.</param>
    /// <param name="mode"><see cref="GamMode.Eval"/> (running statistics) or <see cref="GamMode.Train"/> (batch statistics, running statistics updated).</param>
    /// <exception cref="ArgumentException">The shape is not rank 4, C does not match the weights, a span's length does not match the shape, the spans partially overlap, the shuffle groups do not divide the map's channels, or train mode gets a single value per channel.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is zero or negative, or <paramref name="mode"/> is not defined.</exception>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> shape, GamMode mode = GamMode.Eval) =>
        Run(input, output, shape, mode, _floatPlans, _floatWorkspaces);

    /// <summary>Runs the module on a double tensor (double weights, double accumulation).</summary>
    /// <param name="input">x, shape [N, C, H, W] in row-major order.</param>
    /// <param name="output">Receives y, the same length; may be <paramref name="input"/> itself, but may not partially overlap it.</param>
    /// <param name="shape">[N, C, H, W]; C must be the weights' channels.</param>
    /// <param name="mode"><see cref="GamMode.Eval"/> (running statistics) or <see cref="GamMode.Train"/> (batch statistics, running statistics updated).</param>
    /// <exception cref="ArgumentException">The shape is not rank 4, C does not match the weights, a span's length does not match the shape, the spans partially overlap, the shuffle groups do not divide the map's channels, or train mode gets a single value per channel.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is zero or negative, or <paramref name="mode"/> is not defined.</exception>
    public void Forward(ReadOnlySpan<double> input, Span<double> output, ReadOnlySpan<int> shape, GamMode mode = GamMode.Eval) =>
        Run(input, output, shape, mode, _doublePlans, _doubleWorkspaces);

    /// <summary>
    /// Gets the bytes of the workspace a float call of this shape and mode uses (held by the module and reused):
    /// eval (C + m + out) padded planes per worker (with the packed convolution, per sample), train (C + m + out) padded planes per sample, a padded plane
    /// holding about (H + 6)·(W + 3) values, plus a few kilobytes of tile scratch per worker.
    /// </summary>
    /// <param name="shape">[N, C, H, W].</param>
    /// <param name="mode">The mode.</param>
    /// <returns>The workspace's size in bytes (double calls use twice as much).</returns>
    /// <exception cref="ArgumentException">The shape is invalid for these weights (as for <c>Forward</c>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is zero or negative.</exception>
    public long WorkspaceBytes(ReadOnlySpan<int> shape, GamMode mode = GamMode.Eval)
    {
        GamChecks.Mode(mode, nameof(mode));
        GamChecks.Shape(shape, Weights.Channels, nameof(shape));
        if (mode == GamMode.Train)
        {
            GamChecks.TrainingBatch(shape, nameof(shape));
        }

        var (batch, height, width) = (shape[0], shape[2], shape[3]);
        var plan = new GamPlan<float>(Weights, mode, batch, height, width, Options, ForwardRunner.TilePositions<float>(Kernel), ForwardRunner.BlockRows(Kernel));
        return GamWorkspace<float>.Bytes(plan, Workers(plan), plan.TilePositions);
    }

    private void Run<T>(ReadOnlySpan<T> input, Span<T> output, ReadOnlySpan<int> shape, GamMode mode, GamPlan<T>?[] plans, Stack<GamWorkspace<T>> pool)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var (batch, height, width) = GamChecks.Forward(Weights, mode, input, output, shape);
        if (mode == GamMode.Train)
        {
            lock (_trainLock)
            {
                RunWith(input, output, mode, batch, height, width, plans, pool);
            }

            return;
        }

        RunWith(input, output, mode, batch, height, width, plans, pool);
    }

    private void RunWith<T>(ReadOnlySpan<T> input, Span<T> output, GamMode mode, int batch, int height, int width, GamPlan<T>?[] plans, Stack<GamWorkspace<T>> pool)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref var cached = ref plans[(int)mode];
        var plan = System.Threading.Volatile.Read(ref cached);
        if (plan is null || !plan.Matches(Weights, mode, batch, height, width, Options))
        {
            plan = new GamPlan<T>(Weights, mode, batch, height, width, Options, ForwardRunner.TilePositions<T>(Kernel), ForwardRunner.BlockRows(Kernel));
            System.Threading.Volatile.Write(ref cached, plan);
        }

        GamWorkspace<T>? workspace;
        lock (pool)
        {
            pool.TryPop(out workspace);
        }

        workspace ??= new GamWorkspace<T>();
        try
        {
            var workers = Workers(plan);
            workspace.Prepare(plan, workers, plan.TilePositions);
            ForwardRunner.Run(plan, workspace, Weights, input, output, workers, Kernel);
        }
        finally
        {
            lock (pool)
            {
                pool.Push(workspace);
            }
        }
    }

    private int Workers<T>(GamPlan<T> plan)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // Below about a million multiply-adds a thread costs more to start than it saves.
        var work = (long)plan.Batch * plan.PlaneSize * ((long)plan.Channels * plan.Hidden * 2 * 49 / plan.Groups);
        return work < 1_000_000 ? 1 : Math.Max(1, Options.EffectiveDegreeOfParallelism);
    }
}
