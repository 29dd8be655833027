using System;
using SimAM.Dispatch;
using SimAM.Validation;

namespace SimAM;

/// <summary>
/// SimAM, the parameter-free attention module of Yang et al. (ICML 2021), fused into one kernel per
/// (n, c) plane: y = x · sigmoid((x − μ)² / (4 (v + λ)) + ½), with μ and the unbiased variance v of
/// the plane.
/// </summary>
/// <remarks>
/// <para>
/// Tensors are contiguous row-major spans of shape [N, C, d1, ..., dk] with k ≥ 1 (NCL, NCHW, NCDHW), or
/// [N, d1, ..., dk, C] (NHWC) with <see cref="SimAmOptions.Layout"/> = <see cref="SimAmLayout.ChannelsLast"/>;
/// the shape is always given in memory order. Element types: float, double and <see cref="Half"/>.
/// Output may be the input buffer itself (in place); any other overlap is rejected.
/// Every argument is checked before anything is written: a call that throws leaves all buffers as
/// they were.
/// </para>
/// <para>
/// A plane of x holding NaN or ±∞ gets NaN throughout (as in the reference module); a non-finite
/// value in ∂L/∂y makes its plane's gradient non-finite (as autograd does). No other plane is affected. Results are bitwise identical for any degree of parallelism and from run to run.
/// </para>
/// </remarks>
public static partial class SimAm
{
    /// <summary>The regulariser λ of the reference module, 1e-4 (as a float; the double overloads default to exactly 1e-4).</summary>
    public const float DefaultLambda = 1e-4f;

    /// <summary>Gets N × C, the number of planes (and of <see cref="PlaneStatistics"/>) of a shape.</summary>
    /// <param name="shape">[N, C, d1, ..., dk].</param>
    /// <returns>The plane count.</returns>
    /// <exception cref="ArgumentException">The shape has rank below 3, spatial size 1, or more than <see cref="int.MaxValue"/> elements.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is zero or negative.</exception>
    public static int PlaneCount(ReadOnlySpan<int> shape) => TensorGeometry.FromShape(shape).PlaneCount;

    /// <summary>Gets N × C, the number of planes (and of <see cref="PlaneStatistics"/>) of a shape in either layout.</summary>
    /// <param name="shape">[N, C, d1, ..., dk] channels first, [N, d1, ..., dk, C] channels last.</param>
    /// <param name="layout">How the shape's dimensions lie in memory.</param>
    /// <returns>The plane count.</returns>
    /// <exception cref="ArgumentException">The shape has rank below 3, spatial size 1, or more than <see cref="int.MaxValue"/> elements.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is zero or negative.</exception>
    public static int PlaneCount(ReadOnlySpan<int> shape, SimAmLayout layout) => TensorGeometry.FromShape(shape, layout).PlaneCount;

    /// <inheritdoc cref="Forward(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{int}, Span{PlaneStatistics}, float, SimAmOptions?)"/>
    public static void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> shape, float lambda = DefaultLambda) =>
        Forward(input, output, shape, lambda, null);

    /// <inheritdoc cref="Forward(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{int}, Span{PlaneStatistics}, float, SimAmOptions?)"/>
    public static void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> shape, float lambda, SimAmOptions? options) =>
        RunForward(input, output, shape, [], false, lambda, options);

    /// <summary>Applies SimAM to a float tensor, and optionally keeps each plane's statistics for <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, ReadOnlySpan{int}, ReadOnlySpan{PlaneStatistics}, float, SimAmOptions?)"/>.</summary>
    /// <param name="input">The tensor x, row-major [N, C, d1, ..., dk].</param>
    /// <param name="output">Receives y; the same length as <paramref name="input"/>, and either the very same buffer or not overlapping it.</param>
    /// <param name="shape">[N, C, d1, ..., dk]: rank ≥ 3, every dimension positive, spatial size d1·…·dk ≥ 2.</param>
    /// <param name="statistics">Receives the mean and variance of each of the N × C planes (see <see cref="PlaneCount(ReadOnlySpan{int}, SimAmLayout)"/>).</param>
    /// <param name="lambda">The regulariser λ &gt; 0; 1e-4 in the reference module, 0.1 in the paper's ImageNet models.</param>
    /// <param name="options">Threading and kernel options, or <see langword="null"/> for <see cref="SimAmOptions.Default"/>.</param>
    /// <exception cref="ArgumentException">
    /// The shape has rank below 3, spatial size 1 (the variance would divide by S − 1 = 0), or more elements than a span holds;
    /// a span's length does not match the shape; <paramref name="statistics"/> does not hold exactly N × C entries;
    /// or <paramref name="input"/> and <paramref name="output"/> partially overlap.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is zero or negative, or <paramref name="lambda"/> is not finite or not positive.</exception>
    /// <exception cref="NotSupportedException"><see cref="SimAmOptions.Kernel"/> names a path this processor does not accelerate.</exception>
    public static void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> shape, Span<PlaneStatistics> statistics, float lambda = DefaultLambda, SimAmOptions? options = null) =>
        RunForward(input, output, shape, statistics, true, lambda, options);

    /// <inheritdoc cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, ReadOnlySpan{int}, ReadOnlySpan{PlaneStatistics}, float, SimAmOptions?)"/>
    public static void Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradInput, ReadOnlySpan<int> shape, float lambda = DefaultLambda) =>
        Backward(input, gradOutput, gradInput, shape, lambda, null);

    /// <inheritdoc cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, ReadOnlySpan{int}, ReadOnlySpan{PlaneStatistics}, float, SimAmOptions?)"/>
    public static void Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradInput, ReadOnlySpan<int> shape, float lambda, SimAmOptions? options) =>
        RunBackward(input, gradOutput, gradInput, shape, [], false, lambda, options);

    /// <summary>
    /// The gradient of SimAM: given x and ∂L/∂y, computes ∂L/∂x in two fused passes per plane
    /// (one recomputes the gate and reduces, one writes dx). Matches PyTorch autograd on the reference module.
    /// </summary>
    /// <param name="input">The forward pass's input x.</param>
    /// <param name="gradOutput">∂L/∂y, the same shape as <paramref name="input"/>.</param>
    /// <param name="gradInput">Receives ∂L/∂x; may be <paramref name="input"/> or <paramref name="gradOutput"/> itself, but must not partially overlap either.</param>
    /// <param name="shape">[N, C, d1, ..., dk]: rank ≥ 3, every dimension positive, spatial size ≥ 2.</param>
    /// <param name="statistics">The statistics the forward pass stored (saves recomputing them), one per plane.</param>
    /// <param name="lambda">The λ of the forward pass.</param>
    /// <param name="options">Threading and kernel options, or <see langword="null"/> for <see cref="SimAmOptions.Default"/>.</param>
    /// <exception cref="ArgumentException">
    /// The shape has rank below 3, spatial size 1, or more elements than a span holds; a span's length does not match
    /// the shape; <paramref name="statistics"/> does not hold exactly N × C entries; or <paramref name="gradInput"/>
    /// partially overlaps <paramref name="input"/> or <paramref name="gradOutput"/>.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is zero or negative, or <paramref name="lambda"/> is not finite or not positive.</exception>
    /// <exception cref="NotSupportedException"><see cref="SimAmOptions.Kernel"/> names a path this processor does not accelerate.</exception>
    public static void Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradInput, ReadOnlySpan<int> shape, ReadOnlySpan<PlaneStatistics> statistics, float lambda = DefaultLambda, SimAmOptions? options = null) =>
        RunBackward(input, gradOutput, gradInput, shape, statistics, true, lambda, options);

    /// <inheritdoc cref="Forward(ReadOnlySpan{double}, Span{double}, ReadOnlySpan{int}, Span{PlaneStatistics}, double, SimAmOptions?)"/>
    public static void Forward(ReadOnlySpan<double> input, Span<double> output, ReadOnlySpan<int> shape, double lambda = 1e-4) =>
        Forward(input, output, shape, lambda, null);

    /// <inheritdoc cref="Forward(ReadOnlySpan{double}, Span{double}, ReadOnlySpan{int}, Span{PlaneStatistics}, double, SimAmOptions?)"/>
    public static void Forward(ReadOnlySpan<double> input, Span<double> output, ReadOnlySpan<int> shape, double lambda, SimAmOptions? options) =>
        RunForward(input, output, shape, [], false, lambda, options);

    /// <summary>Applies SimAM to a double-precision tensor (sums and gate in double; <see cref="SimAmOptions.Kernel"/> applies to float only).</summary>
    /// <inheritdoc cref="Forward(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{int}, Span{PlaneStatistics}, float, SimAmOptions?)"/>
    public static void Forward(ReadOnlySpan<double> input, Span<double> output, ReadOnlySpan<int> shape, Span<PlaneStatistics> statistics, double lambda = 1e-4, SimAmOptions? options = null) =>
        RunForward(input, output, shape, statistics, true, lambda, options);

    /// <inheritdoc cref="Backward(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, ReadOnlySpan{int}, ReadOnlySpan{PlaneStatistics}, double, SimAmOptions?)"/>
    public static void Backward(ReadOnlySpan<double> input, ReadOnlySpan<double> gradOutput, Span<double> gradInput, ReadOnlySpan<int> shape, double lambda = 1e-4) =>
        Backward(input, gradOutput, gradInput, shape, lambda, null);

    /// <inheritdoc cref="Backward(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, ReadOnlySpan{int}, ReadOnlySpan{PlaneStatistics}, double, SimAmOptions?)"/>
    public static void Backward(ReadOnlySpan<double> input, ReadOnlySpan<double> gradOutput, Span<double> gradInput, ReadOnlySpan<int> shape, double lambda, SimAmOptions? options) =>
        RunBackward(input, gradOutput, gradInput, shape, [], false, lambda, options);

    /// <summary>The gradient of SimAM in double precision.</summary>
    /// <inheritdoc cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, ReadOnlySpan{int}, ReadOnlySpan{PlaneStatistics}, float, SimAmOptions?)"/>
    public static void Backward(ReadOnlySpan<double> input, ReadOnlySpan<double> gradOutput, Span<double> gradInput, ReadOnlySpan<int> shape, ReadOnlySpan<PlaneStatistics> statistics, double lambda = 1e-4, SimAmOptions? options = null) =>
        RunBackward(input, gradOutput, gradInput, shape, statistics, true, lambda, options);

    /// <summary>What every forward overload does, for each element type: check every argument, then run.</summary>
    private static void RunForward<T>(ReadOnlySpan<T> input, Span<T> output, ReadOnlySpan<int> shape, Span<PlaneStatistics> statistics, bool keepStatistics, double lambda, SimAmOptions? options)
        where T : unmanaged
    {
        options ??= SimAmOptions.Default;
        var geometry = CallValidation.Forward(input, output, shape, keepStatistics ? statistics.Length : -1, lambda, options);
        KernelDispatch.Forward(input, output, statistics, geometry, lambda, options);
    }

    /// <summary>What every backward overload does, for each element type: check every argument, then run.</summary>
    private static void RunBackward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, Span<T> gradInput, ReadOnlySpan<int> shape, ReadOnlySpan<PlaneStatistics> statistics, bool useStatistics, double lambda, SimAmOptions? options)
        where T : unmanaged
    {
        options ??= SimAmOptions.Default;
        var geometry = CallValidation.Backward(input, gradOutput, gradInput, shape, useStatistics ? statistics.Length : -1, lambda, options);
        KernelDispatch.Backward(input, gradOutput, gradInput, statistics, geometry, lambda, options);
    }
}
