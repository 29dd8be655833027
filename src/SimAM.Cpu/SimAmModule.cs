using System;
using SimAM.Validation;

namespace SimAM;

/// <summary>
/// SimAM as a layer of a training loop: holds λ and the options (layout, variant, threads, kernel), keeps
/// the per-plane statistics of its last <c>Forward</c> (16 bytes per plane) and uses them in the next
/// <c>Backward</c>, so the backward pass does not reduce the input again. After the first call for a
/// shape it allocates nothing: the statistics buffer is reused, and single-threaded calls
/// (<see cref="SimAmOptions.MaxDegreeOfParallelism"/> = 1) allocate no bytes at all.
/// </summary>
/// <remarks>
/// <c>Backward</c> must get the input of the last <c>Forward</c> (the statistics describe it) and the same
/// shape. An instance is not thread-safe: give each thread or layer its own.
/// </remarks>
public sealed class SimAmModule
{
    private PlaneStatistics[] _statistics = [];
    private int[] _shape = [];
    private bool _hasStatistics;

    /// <summary>Initializes a new instance of the <see cref="SimAmModule"/> class.</summary>
    /// <param name="lambda">The regulariser λ &gt; 0; 1e-4 in the reference module, 0.1 in the paper's ImageNet models.</param>
    /// <param name="options">Layout, variant, threading and kernel options, or <see langword="null"/> for <see cref="SimAmOptions.Default"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lambda"/> is not finite or not positive.</exception>
    public SimAmModule(float lambda = SimAm.DefaultLambda, SimAmOptions? options = null)
    {
        ArgumentChecks.Lambda(lambda);
        Lambda = lambda;
        Options = options ?? SimAmOptions.Default;
    }

    /// <summary>Gets the regulariser λ.</summary>
    public float Lambda { get; }

    /// <summary>Gets the options every call runs with.</summary>
    public SimAmOptions Options { get; }

    /// <summary>Gets the gate's formula (<see cref="SimAmOptions.Variant"/>).</summary>
    public SimAmVariant Variant => Options.Variant;

    /// <summary>Gets the memory layout of the tensors (<see cref="SimAmOptions.Layout"/>).</summary>
    public SimAmLayout Layout => Options.Layout;

    /// <summary>Gets the statistics of the last successful forward pass, indexed [n·C + c]; empty before the first.</summary>
    public ReadOnlySpan<PlaneStatistics> Statistics => _hasStatistics ? _statistics : [];

    /// <summary>Applies SimAM and keeps the statistics for <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, ReadOnlySpan{int})"/>.</summary>
    /// <param name="input">The tensor x, in the module's layout.</param>
    /// <param name="output">Receives y; the same length as <paramref name="input"/>, and either the very same buffer or not overlapping it.</param>
    /// <param name="shape">The shape in memory order: [N, C, d1, ..., dk] channels first, [N, d1, ..., dk, C] channels last.</param>
    /// <exception cref="ArgumentException">The shape or a span length is invalid, or the buffers partially overlap.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is zero or negative.</exception>
    /// <exception cref="NotSupportedException"><see cref="SimAmOptions.Kernel"/> names a path this processor does not accelerate.</exception>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> shape)
    {
        var statistics = Prepare(shape);
        SimAm.Forward(input, output, shape, statistics, Lambda, Options);
        _hasStatistics = true;
    }

    /// <inheritdoc cref="Forward(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{int})"/>
    public void Forward(ReadOnlySpan<Half> input, Span<Half> output, ReadOnlySpan<int> shape)
    {
        var statistics = Prepare(shape);
        SimAm.Forward(input, output, shape, statistics, Lambda, Options);
        _hasStatistics = true;
    }

    /// <inheritdoc cref="Forward(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{int})"/>
    public void Forward(ReadOnlySpan<double> input, Span<double> output, ReadOnlySpan<int> shape)
    {
        var statistics = Prepare(shape);
        SimAm.Forward(input, output, shape, statistics, Lambda, Options);
        _hasStatistics = true;
    }

    /// <summary>Computes ∂L/∂x from ∂L/∂y with the statistics of the last forward pass.</summary>
    /// <param name="input">The input of the last forward pass.</param>
    /// <param name="gradOutput">∂L/∂y, the same shape.</param>
    /// <param name="gradInput">Receives ∂L/∂x; may be <paramref name="input"/> or <paramref name="gradOutput"/> itself, but must not partially overlap either.</param>
    /// <param name="shape">The shape of the last forward pass.</param>
    /// <exception cref="InvalidOperationException">No forward pass has succeeded yet.</exception>
    /// <exception cref="ArgumentException">The shape differs from the last forward pass's, a span length is invalid, or the buffers partially overlap.</exception>
    /// <exception cref="NotSupportedException"><see cref="SimAmOptions.Kernel"/> names a path this processor does not accelerate.</exception>
    public void Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradInput, ReadOnlySpan<int> shape) =>
        SimAm.Backward(input, gradOutput, gradInput, shape, Saved(shape), Lambda, Options);

    /// <inheritdoc cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, ReadOnlySpan{int})"/>
    public void Backward(ReadOnlySpan<Half> input, ReadOnlySpan<Half> gradOutput, Span<Half> gradInput, ReadOnlySpan<int> shape) =>
        SimAm.Backward(input, gradOutput, gradInput, shape, Saved(shape), Lambda, Options);

    /// <inheritdoc cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, ReadOnlySpan{int})"/>
    public void Backward(ReadOnlySpan<double> input, ReadOnlySpan<double> gradOutput, Span<double> gradInput, ReadOnlySpan<int> shape) =>
        SimAm.Backward(input, gradOutput, gradInput, shape, Saved(shape), Lambda, Options);

    /// <summary>Sizes the statistics buffer for a shape (reallocating only when the plane count changes).</summary>
    private Span<PlaneStatistics> Prepare(ReadOnlySpan<int> shape)
    {
        _hasStatistics = false;
        var planes = TensorGeometry.FromShape(shape, Options.Layout).PlaneCount;
        if (_statistics.Length != planes)
        {
            _statistics = new PlaneStatistics[planes];
        }

        if (!shape.SequenceEqual(_shape))
        {
            _shape = shape.ToArray();
        }

        return _statistics;
    }

    private ReadOnlySpan<PlaneStatistics> Saved(ReadOnlySpan<int> shape)
    {
        if (!_hasStatistics)
        {
            throw new InvalidOperationException("SimAmModule.Backward needs the statistics of a Forward call on the same input; call Forward first.");
        }

        if (!shape.SequenceEqual(_shape))
        {
            throw new ArgumentException(
                $"shape {TensorGeometry.Format(shape)} differs from {TensorGeometry.Format(_shape)} of the last Forward call; Backward must see the forward pass's input.",
                nameof(shape));
        }

        return _statistics;
    }
}
