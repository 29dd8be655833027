using System;

namespace SimAM.Backends;

/// <summary>The managed SIMD engine (<see cref="SimAm"/>) as an <see cref="ISimAmBackend"/>.</summary>
/// <param name="options">Threading and kernel options, or <see langword="null"/> for <see cref="SimAmOptions.Default"/>.</param>
public sealed class CpuBackend(SimAmOptions? options = null) : ISimAmBackend
{
    private readonly SimAmOptions _options = options ?? SimAmOptions.Default;

    /// <inheritdoc/>
    public string Name => $"cpu ({SimAmKernels.Resolve(_options.Kernel)}, {_options.EffectiveDegreeOfParallelism} threads)";

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> shape, float lambda = SimAm.DefaultLambda) =>
        SimAm.Forward(input, output, shape, lambda, _options);

    /// <inheritdoc/>
    public void Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradInput, ReadOnlySpan<int> shape, float lambda = SimAm.DefaultLambda) =>
        SimAm.Backward(input, gradOutput, gradInput, shape, lambda, _options);

    /// <summary>Does nothing: the CPU backend holds no unmanaged resources.</summary>
    public void Dispose()
    {
    }
}
