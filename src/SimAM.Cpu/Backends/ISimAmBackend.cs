using System;

namespace SimAM.Backends;

/// <summary>
/// A device that runs SimAM over host buffers. <see cref="CpuBackend"/> is this library's engine; other
/// assemblies (for example an OpenCL backend) implement the same contract, so callers can switch
/// devices without changing code. Implementations follow <see cref="SimAm"/>'s rules: same shapes,
/// same validation before any write, same results within the documented accuracy bounds.
/// </summary>
public interface ISimAmBackend : IDisposable
{
    /// <summary>Gets a short human-readable name of the device (for logs and benchmark tables).</summary>
    string Name { get; }

    /// <summary>Applies SimAM; see <see cref="SimAm.Forward(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{int}, Span{PlaneStatistics}, float, SimAmOptions?)"/>.</summary>
    /// <param name="input">The tensor x, row-major [N, C, d1, ..., dk].</param>
    /// <param name="output">Receives y; the same length as <paramref name="input"/>, the same buffer or not overlapping it.</param>
    /// <param name="shape">[N, C, d1, ..., dk].</param>
    /// <param name="lambda">The regulariser λ &gt; 0.</param>
    /// <exception cref="ArgumentException">The shape or a span length is invalid, or the buffers partially overlap.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive, or λ is not finite and positive.</exception>
    /// <exception cref="ObjectDisposedException">The backend was disposed.</exception>
    void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> shape, float lambda = SimAm.DefaultLambda);

    /// <summary>Computes the gradient; see <see cref="SimAm.Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, ReadOnlySpan{int}, ReadOnlySpan{PlaneStatistics}, float, SimAmOptions?)"/>.</summary>
    /// <param name="input">The forward pass's input x.</param>
    /// <param name="gradOutput">∂L/∂y.</param>
    /// <param name="gradInput">Receives ∂L/∂x; may be <paramref name="input"/> or <paramref name="gradOutput"/> itself.</param>
    /// <param name="shape">[N, C, d1, ..., dk].</param>
    /// <param name="lambda">The λ of the forward pass.</param>
    /// <exception cref="ArgumentException">The shape or a span length is invalid, or the buffers partially overlap.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive, or λ is not finite and positive.</exception>
    /// <exception cref="ObjectDisposedException">The backend was disposed.</exception>
    void Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradInput, ReadOnlySpan<int> shape, float lambda = SimAm.DefaultLambda);
}
