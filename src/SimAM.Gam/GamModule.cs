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
    // One cached plan per element type, mode and whether activations are kept: a train call changes the running statistics,
    // which an eval plan folds in and a train plan does not, so alternating modes must not rebuild (and repack) each other's plans.
    private readonly GamPlan<float>?[] _floatPlans = new GamPlan<float>?[4];
    private readonly GamPlan<double>?[] _doublePlans = new GamPlan<double>?[4];

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

    /// <summary>Gets or sets the phase timings the passes add to (benchmarks only; null, the default, records nothing).</summary>
    internal PhaseTimings? Timings { get; set; }

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
        Run(input, output, shape, mode, null, _floatPlans, _floatWorkspaces);

    /// <summary>Runs the module on a double tensor (double weights, double accumulation).</summary>
    /// <param name="input">x, shape [N, C, H, W] in row-major order.</param>
    /// <param name="output">Receives y, the same length; may be <paramref name="input"/> itself, but may not partially overlap it.</param>
    /// <param name="shape">[N, C, H, W]; C must be the weights' channels.</param>
    /// <param name="mode"><see cref="GamMode.Eval"/> (running statistics) or <see cref="GamMode.Train"/> (batch statistics, running statistics updated).</param>
    /// <exception cref="ArgumentException">The shape is not rank 4, C does not match the weights, a span's length does not match the shape, the spans partially overlap, the shuffle groups do not divide the map's channels, or train mode gets a single value per channel.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is zero or negative, or <paramref name="mode"/> is not defined.</exception>
    public void Forward(ReadOnlySpan<double> input, Span<double> output, ReadOnlySpan<int> shape, GamMode mode = GamMode.Eval) =>
        Run(input, output, shape, mode, null, _doublePlans, _doubleWorkspaces);

    /// <summary>
    /// Runs the module on a float tensor and keeps in <paramref name="activations"/> what <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, ReadOnlySpan{int}, GamMode, GamActivations, GamGradients)"/>
    /// needs (the two convolutions' raw maps and the BatchNorm statistics: (m + out)·H·W values per sample). The output is the same
    /// as without <paramref name="activations"/> up to rounding (BatchNorm is applied after the convolution instead of folded into it).
    /// Calls that keep activations are serialised with train-mode calls.
    /// </summary>
    /// <param name="input">x, shape [N, C, H, W] in row-major order; the backward pass needs it again, unchanged.</param>
    /// <param name="output">Receives y, the same length; may be <paramref name="input"/> itself only if the caller keeps a copy of x for the backward pass.</param>
    /// <param name="shape">[N, C, H, W]; C must be the weights' channels.</param>
    /// <param name="mode"><see cref="GamMode.Eval"/> (running statistics) or <see cref="GamMode.Train"/> (batch statistics, running statistics updated).</param>
    /// <param name="activations">Receives the activations; its buffers are reused from call to call.</param>
    /// <exception cref="ArgumentNullException"><paramref name="activations"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shape is not rank 4, C does not match the weights, a span's length does not match the shape, the spans partially overlap, or train mode gets a single value per channel.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is zero or negative, or <paramref name="mode"/> is not defined.</exception>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> shape, GamMode mode, GamActivations activations)
    {
        ArgumentNullException.ThrowIfNull(activations);
        Run(input, output, shape, mode, activations, _floatPlans, _floatWorkspaces);
    }

    /// <summary>Runs the module on a double tensor and keeps the activations for the backward pass (see the float overload).</summary>
    /// <param name="input">x, shape [N, C, H, W] in row-major order; the backward pass needs it again, unchanged.</param>
    /// <param name="output">Receives y, the same length; may be <paramref name="input"/> itself only if the caller keeps a copy of x for the backward pass.</param>
    /// <param name="shape">[N, C, H, W]; C must be the weights' channels.</param>
    /// <param name="mode"><see cref="GamMode.Eval"/> (running statistics) or <see cref="GamMode.Train"/> (batch statistics, running statistics updated).</param>
    /// <param name="activations">Receives the activations; its buffers are reused from call to call.</param>
    /// <exception cref="ArgumentNullException"><paramref name="activations"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shape is not rank 4, C does not match the weights, a span's length does not match the shape, the spans partially overlap, or train mode gets a single value per channel.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is zero or negative, or <paramref name="mode"/> is not defined.</exception>
    public void Forward(ReadOnlySpan<double> input, Span<double> output, ReadOnlySpan<int> shape, GamMode mode, GamActivations activations)
    {
        ArgumentNullException.ThrowIfNull(activations);
        Run(input, output, shape, mode, activations, _doublePlans, _doubleWorkspaces);
    }

    /// <summary>
    /// The backward pass of the forward pass kept in <paramref name="activations"/>: writes ∂L/∂x to <paramref name="gradInput"/> and
    /// adds ∂L/∂θ for every learnable tensor θ to <paramref name="gradients"/>. In train mode the gradient flows through the batch
    /// statistics (the convolution biases get exactly zero); in eval mode through BatchNorm's fixed affine map. The running
    /// statistics are not touched. Results are bitwise identical for any thread count.
    /// </summary>
    /// <param name="input">x, the forward pass's input, unchanged.</param>
    /// <param name="gradOutput">∂L/∂y, the same shape.</param>
    /// <param name="gradInput">Receives ∂L/∂x; may be <paramref name="gradOutput"/> or <paramref name="input"/> itself, but may not partially overlap either.</param>
    /// <param name="shape">[N, C, H, W], the forward pass's.</param>
    /// <param name="mode">The forward pass's mode.</param>
    /// <param name="activations">What the forward pass kept.</param>
    /// <param name="gradients">Receives the parameter gradients, added to what it holds.</param>
    /// <exception cref="ArgumentNullException"><paramref name="activations"/> or <paramref name="gradients"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shape is invalid, a span's length does not match it, spans partially overlap, or <paramref name="gradients"/> has other sizes than the weights.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is zero or negative, or <paramref name="mode"/> is not defined.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="activations"/> holds no forward pass, or one of another module, mode, shape or element type, or the weights' parameters changed since.</exception>
    public void Backward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradInput, ReadOnlySpan<int> shape, GamMode mode, GamActivations activations, GamGradients gradients) =>
        RunBackward(input, gradOutput, gradInput, shape, mode, activations, gradients, _floatPlans, _floatWorkspaces);

    /// <summary>The backward pass over double tensors (see the float overload).</summary>
    /// <param name="input">x, the forward pass's input, unchanged.</param>
    /// <param name="gradOutput">∂L/∂y, the same shape.</param>
    /// <param name="gradInput">Receives ∂L/∂x; may be <paramref name="gradOutput"/> or <paramref name="input"/> itself, but may not partially overlap either.</param>
    /// <param name="shape">[N, C, H, W], the forward pass's.</param>
    /// <param name="mode">The forward pass's mode.</param>
    /// <param name="activations">What the forward pass kept.</param>
    /// <param name="gradients">Receives the parameter gradients, added to what it holds.</param>
    /// <exception cref="ArgumentNullException"><paramref name="activations"/> or <paramref name="gradients"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shape is invalid, a span's length does not match it, spans partially overlap, or <paramref name="gradients"/> has other sizes than the weights.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is zero or negative, or <paramref name="mode"/> is not defined.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="activations"/> holds no forward pass, or one of another module, mode, shape or element type, or the weights' parameters changed since.</exception>
    public void Backward(
        ReadOnlySpan<double> input, ReadOnlySpan<double> gradOutput, Span<double> gradInput, ReadOnlySpan<int> shape, GamMode mode, GamActivations activations, GamGradients gradients) =>
        RunBackward(input, gradOutput, gradInput, shape, mode, activations, gradients, _doublePlans, _doubleWorkspaces);

    /// <summary>Gets the bytes a float forward pass keeps in <see cref="GamActivations"/> for a shape: (m + out)·N·H·W values and a few per channel.</summary>
    /// <param name="shape">[N, C, H, W].</param>
    /// <returns>The bytes (double calls keep twice as many for the maps).</returns>
    /// <exception cref="ArgumentException">The shape is invalid for these weights.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is zero or negative.</exception>
    public long ActivationBytes(ReadOnlySpan<int> shape)
    {
        GamChecks.Shape(shape, Weights.Channels, nameof(shape));
        var values = (long)shape[0] * shape[2] * shape[3] * (Weights.Hidden + Weights.OutChannels);
        return (values * sizeof(float)) + (4L * sizeof(double) * (Weights.Hidden + Weights.OutChannels));
    }

    /// <summary>
    /// Gets the bytes of the workspace a float call of this shape and mode uses (held by the module and reused):
    /// eval (C + m + out) padded planes per worker (with the packed convolution, per sample), train (C + m + out) padded planes per sample, a padded plane
    /// holding about (H + 6)·(W + 3) values, plus a few kilobytes of tile scratch per worker. Eval calls that convolve through the
    /// discrete Fourier transform (small maps) keep the planes per sample and both convolutions' spectra, 2·(H + 3)·((W + 3)/2 + 1)
    /// values per sample and channel (channels rounded up to 16) for the larger side of each convolution; their transformed
    /// weights belong to the module's plan for the shape, not to this workspace.
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
        var plan = new GamPlan<float>(Weights, mode, false, batch, height, width, Options, Widths.TilePositions<float>(Kernel), Widths.BlockRows(Kernel));
        return GamWorkspace<float>.Bytes(plan, Workers(plan), plan.TilePositions);
    }

    /// <summary>
    /// Gets the bytes of the workspace a float training step of this shape and mode uses (a forward pass keeping activations,
    /// then the backward pass; held by the module and reused, beside <see cref="GamActivations"/>): (C + m + out) padded
    /// planes per sample for the forward pass, (C + m) more for the gradients, one convolution's output gradient laid out
    /// pixel by pixel for its weight gradient (on the direct and packed paths), and per worker the tiles and the linear
    /// layers' weight-gradient accumulators; on the spectral path the transforms' spectra and per worker one weight-gradient
    /// item's correlations instead of the pixel-major gradient.
    /// </summary>
    /// <param name="shape">[N, C, H, W].</param>
    /// <param name="mode">The mode of the forward pass.</param>
    /// <returns>The workspace's size in bytes (double calls use about twice as much).</returns>
    /// <exception cref="ArgumentException">The shape is invalid for these weights (as for <c>Forward</c>), or train mode gets a single value per channel.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is zero or negative, or <paramref name="mode"/> is not defined.</exception>
    public long TrainingWorkspaceBytes(ReadOnlySpan<int> shape, GamMode mode = GamMode.Train)
    {
        GamChecks.Mode(mode, nameof(mode));
        GamChecks.Shape(shape, Weights.Channels, nameof(shape));
        if (mode == GamMode.Train)
        {
            GamChecks.TrainingBatch(shape, nameof(shape));
        }

        var plan = new GamPlan<float>(Weights, mode, true, shape[0], shape[2], shape[3], Options, Widths.TilePositions<float>(Kernel), Widths.BlockRows(Kernel));
        var workers = Workers(plan);
        return GamWorkspace<float>.Bytes(plan, workers, plan.TilePositions) + GamWorkspace<float>.BackwardBytes(plan, workers);
    }

    private void Run<T>(
        ReadOnlySpan<T> input, Span<T> output, ReadOnlySpan<int> shape, GamMode mode, GamActivations? activations, GamPlan<T>?[] plans, Stack<GamWorkspace<T>> pool)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var (batch, height, width) = GamChecks.Forward(Weights, mode, input, output, shape);
        if (mode == GamMode.Train || activations is not null)
        {
            lock (_trainLock)
            {
                var plan = Plan(plans, mode, activations is not null, batch, height, width);
                activations?.Begin<T>(Weights, batch, height, width);
                var workspace = Rent(pool, plan, backward: false);
                try
                {
                    ForwardRunner.Run(plan, workspace, Weights, input, output, Workers(plan), Kernel, activations, Timings);
                }
                finally
                {
                    Return(pool, workspace);
                }

                activations?.Complete(this, mode, batch, height, width, Weights.ParametersVersion);
            }

            return;
        }

        var evalPlan = Plan(plans, mode, false, batch, height, width);
        var evalWorkspace = Rent(pool, evalPlan, backward: false);
        try
        {
            ForwardRunner.Run(evalPlan, evalWorkspace, Weights, input, output, Workers(evalPlan), Kernel, null, Timings);
        }
        finally
        {
            Return(pool, evalWorkspace);
        }
    }

    private void RunBackward<T>(
        ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, Span<T> gradInput, ReadOnlySpan<int> shape, GamMode mode, GamActivations activations, GamGradients gradients,
        GamPlan<T>?[] plans, Stack<GamWorkspace<T>> pool)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        lock (_trainLock)
        {
            var (batch, height, width) = GamChecks.Backward(this, mode, input, gradOutput, gradInput, shape, activations, gradients);
            var plan = Plan(plans, mode, true, batch, height, width);
            var workspace = Rent(pool, plan, backward: true);
            try
            {
                BackwardRunner.Run(plan, workspace, Weights, activations, gradients, input, gradOutput, gradInput, Workers(plan), Kernel, Timings);
            }
            finally
            {
                Return(pool, workspace);
            }
        }
    }

    private GamPlan<T> Plan<T>(GamPlan<T>?[] plans, GamMode mode, bool keepActivations, int batch, int height, int width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref var cached = ref plans[((int)mode * 2) + (keepActivations ? 1 : 0)];
        var plan = System.Threading.Volatile.Read(ref cached);
        if (plan is not null && (mode == GamMode.Train || keepActivations) && !plan.Matches(Weights, mode, keepActivations, batch, height, width, Options)
            && plan.MatchesShape(mode, keepActivations, batch, height, width, Options))
        {
            // Only the parameters changed (an optimizer step): these passes run under the training lock, so no other call
            // uses the plan while its panels are repacked in place.
            plan.Refresh(Weights);
        }
        else if (plan is null || !plan.Matches(Weights, mode, keepActivations, batch, height, width, Options))
        {
            plan = new GamPlan<T>(Weights, mode, keepActivations, batch, height, width, Options, Widths.TilePositions<T>(Kernel), Widths.BlockRows(Kernel));
            System.Threading.Volatile.Write(ref cached, plan);
        }

        return plan;
    }

    /// <summary>Takes a workspace from the pool (or makes one) and fits it to <paramref name="plan"/>.</summary>
    private GamWorkspace<T> Rent<T>(Stack<GamWorkspace<T>> pool, GamPlan<T> plan, bool backward)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
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
            if (backward)
            {
                workspace.PrepareBackward(plan, workers);
            }
        }
        catch
        {
            Return(pool, workspace);
            throw;
        }

        return workspace;
    }

    private static void Return<T>(Stack<GamWorkspace<T>> pool, GamWorkspace<T> workspace)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        lock (pool)
        {
            pool.Push(workspace);
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
