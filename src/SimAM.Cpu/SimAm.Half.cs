using System;

namespace SimAM;

/// <content>Half-precision (float16) tensors.</content>
public static partial class SimAm
{
    /// <inheritdoc cref="Forward(ReadOnlySpan{Half}, Span{Half}, ReadOnlySpan{int}, Span{PlaneStatistics}, float, SimAmOptions?)"/>
    public static void Forward(ReadOnlySpan<Half> input, Span<Half> output, ReadOnlySpan<int> shape, float lambda = DefaultLambda) =>
        Forward(input, output, shape, lambda, null);

    /// <inheritdoc cref="Forward(ReadOnlySpan{Half}, Span{Half}, ReadOnlySpan{int}, Span{PlaneStatistics}, float, SimAmOptions?)"/>
    public static void Forward(ReadOnlySpan<Half> input, Span<Half> output, ReadOnlySpan<int> shape, float lambda, SimAmOptions? options) =>
        RunForward(input, output, shape, [], false, lambda, options);

    /// <summary>
    /// Applies SimAM to a half-precision tensor. Values are converted to float in blocks and every sum,
    /// statistic and gate is computed in float or double, so a plane whose float16 sum of squares would
    /// overflow (PyTorch's module under <c>.half()</c> turns such a plane into NaN) comes out right; the
    /// result is rounded to Half once, so it is within 2^-11 (relative) of the float result.
    /// </summary>
    /// <inheritdoc cref="Forward(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{int}, Span{PlaneStatistics}, float, SimAmOptions?)"/>
    public static void Forward(ReadOnlySpan<Half> input, Span<Half> output, ReadOnlySpan<int> shape, Span<PlaneStatistics> statistics, float lambda = DefaultLambda, SimAmOptions? options = null) =>
        RunForward(input, output, shape, statistics, true, lambda, options);

    /// <inheritdoc cref="Backward(ReadOnlySpan{Half}, ReadOnlySpan{Half}, Span{Half}, ReadOnlySpan{int}, ReadOnlySpan{PlaneStatistics}, float, SimAmOptions?)"/>
    public static void Backward(ReadOnlySpan<Half> input, ReadOnlySpan<Half> gradOutput, Span<Half> gradInput, ReadOnlySpan<int> shape, float lambda = DefaultLambda) =>
        Backward(input, gradOutput, gradInput, shape, lambda, null);

    /// <inheritdoc cref="Backward(ReadOnlySpan{Half}, ReadOnlySpan{Half}, Span{Half}, ReadOnlySpan{int}, ReadOnlySpan{PlaneStatistics}, float, SimAmOptions?)"/>
    public static void Backward(ReadOnlySpan<Half> input, ReadOnlySpan<Half> gradOutput, Span<Half> gradInput, ReadOnlySpan<int> shape, float lambda, SimAmOptions? options) =>
        RunBackward(input, gradOutput, gradInput, shape, [], false, lambda, options);

    /// <summary>
    /// The gradient of SimAM for half-precision tensors: computed in float (sums in double) and rounded to
    /// Half once. A gradient beyond Half's range (±65504) becomes ±∞, as any float16 result would.
    /// </summary>
    /// <inheritdoc cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, ReadOnlySpan{int}, ReadOnlySpan{PlaneStatistics}, float, SimAmOptions?)"/>
    public static void Backward(ReadOnlySpan<Half> input, ReadOnlySpan<Half> gradOutput, Span<Half> gradInput, ReadOnlySpan<int> shape, ReadOnlySpan<PlaneStatistics> statistics, float lambda = DefaultLambda, SimAmOptions? options = null) =>
        RunBackward(input, gradOutput, gradInput, shape, statistics, true, lambda, options);
}
