using System;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using SimAM.Validation;

namespace SimAM;

/// <content>
/// Overloads over <see cref="ReadOnlyTensorSpan{T}"/> and <see cref="TensorSpan{T}"/>: the shape is the
/// tensor's <see cref="ReadOnlyTensorSpan{T}.Lengths"/>, in memory order (so [N, H, W, C] with
/// <see cref="SimAmLayout.ChannelsLast"/>). System.Numerics.Tensors 10.0.0 ships these types without
/// an [Experimental] mark (SYSLIB5001 applied up to 9.0) on every target, so these overloads carry none either.
/// </content>
public static partial class SimAm
{
    private const int StackShapeRank = 16;

    /// <inheritdoc cref="Forward(in ReadOnlyTensorSpan{float}, in TensorSpan{float}, Span{PlaneStatistics}, float, SimAmOptions?)"/>
    public static void Forward(in ReadOnlyTensorSpan<float> input, in TensorSpan<float> output, float lambda = DefaultLambda, SimAmOptions? options = null) =>
        Forward(input, output, [], lambda, options, keepStatistics: false);

    /// <summary>Applies SimAM to a dense tensor span; the shape is taken from its lengths.</summary>
    /// <param name="input">The tensor x: dense and row-major (strides that follow from the lengths), in memory order [N, C, d1, ..., dk] or, channels last, [N, d1, ..., dk, C].</param>
    /// <param name="output">Receives y; the same lengths as <paramref name="input"/>, dense, and either the very same buffer or not overlapping it.</param>
    /// <param name="statistics">Receives the mean and variance of each of the N × C planes.</param>
    /// <param name="lambda">The regulariser λ &gt; 0.</param>
    /// <param name="options">Layout, variant, threading and kernel options, or <see langword="null"/> for <see cref="SimAmOptions.Default"/>.</param>
    /// <exception cref="ArgumentException">
    /// A tensor is not dense row-major (a sliced or transposed view: copy it first); the lengths differ; the shape has rank
    /// below 3, spatial size 1, or more elements than a span holds; <paramref name="statistics"/> does not hold exactly
    /// N × C entries; or the tensors partially overlap.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">A length is zero, or <paramref name="lambda"/> is not finite or not positive.</exception>
    /// <exception cref="NotSupportedException"><see cref="SimAmOptions.Kernel"/> names a path this processor does not accelerate.</exception>
    public static void Forward(in ReadOnlyTensorSpan<float> input, in TensorSpan<float> output, Span<PlaneStatistics> statistics, float lambda = DefaultLambda, SimAmOptions? options = null) =>
        Forward(input, output, statistics, lambda, options, keepStatistics: true);

    /// <inheritdoc cref="Backward(in ReadOnlyTensorSpan{float}, in ReadOnlyTensorSpan{float}, in TensorSpan{float}, ReadOnlySpan{PlaneStatistics}, float, SimAmOptions?)"/>
    public static void Backward(in ReadOnlyTensorSpan<float> input, in ReadOnlyTensorSpan<float> gradOutput, in TensorSpan<float> gradInput, float lambda = DefaultLambda, SimAmOptions? options = null) =>
        Backward(input, gradOutput, gradInput, [], lambda, options, useStatistics: false);

    /// <summary>The gradient of SimAM over dense tensor spans; the shape is taken from the lengths.</summary>
    /// <param name="input">The forward pass's input x: dense and row-major.</param>
    /// <param name="gradOutput">∂L/∂y, with the same lengths.</param>
    /// <param name="gradInput">Receives ∂L/∂x; the same lengths; may be <paramref name="input"/> or <paramref name="gradOutput"/> itself, but must not partially overlap either.</param>
    /// <param name="statistics">The statistics the forward pass stored, one per plane.</param>
    /// <param name="lambda">The λ of the forward pass.</param>
    /// <param name="options">Layout, variant, threading and kernel options (those of the forward pass), or <see langword="null"/> for <see cref="SimAmOptions.Default"/>.</param>
    /// <exception cref="ArgumentException">
    /// A tensor is not dense row-major; the lengths differ; the shape has rank below 3, spatial size 1, or more elements
    /// than a span holds; <paramref name="statistics"/> does not hold exactly N × C entries; or <paramref name="gradInput"/>
    /// partially overlaps <paramref name="input"/> or <paramref name="gradOutput"/>.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">A length is zero, or <paramref name="lambda"/> is not finite or not positive.</exception>
    /// <exception cref="NotSupportedException"><see cref="SimAmOptions.Kernel"/> names a path this processor does not accelerate.</exception>
    public static void Backward(in ReadOnlyTensorSpan<float> input, in ReadOnlyTensorSpan<float> gradOutput, in TensorSpan<float> gradInput, ReadOnlySpan<PlaneStatistics> statistics, float lambda = DefaultLambda, SimAmOptions? options = null) =>
        Backward(input, gradOutput, gradInput, statistics, lambda, options, useStatistics: true);

    private static void Forward(in ReadOnlyTensorSpan<float> input, in TensorSpan<float> output, Span<PlaneStatistics> statistics, float lambda, SimAmOptions? options, bool keepStatistics)
    {
        var rank = input.Rank;
        Span<int> shape = rank <= StackShapeRank ? stackalloc int[rank] : new int[rank];
        var x = DenseSpan(input, nameof(input), shape, definesShape: true);
        var y = DenseSpan(output, nameof(output), shape, definesShape: false);
        if (keepStatistics)
        {
            Forward(x, y, shape, statistics, lambda, options);
        }
        else
        {
            Forward(x, y, shape, lambda, options);
        }
    }

    private static void Backward(in ReadOnlyTensorSpan<float> input, in ReadOnlyTensorSpan<float> gradOutput, in TensorSpan<float> gradInput, ReadOnlySpan<PlaneStatistics> statistics, float lambda, SimAmOptions? options, bool useStatistics)
    {
        var rank = input.Rank;
        Span<int> shape = rank <= StackShapeRank ? stackalloc int[rank] : new int[rank];
        var x = DenseSpan(input, nameof(input), shape, definesShape: true);
        var g = DenseSpan(gradOutput, nameof(gradOutput), shape, definesShape: false);
        var dx = DenseSpan(gradInput, nameof(gradInput), shape, definesShape: false);
        if (useStatistics)
        {
            Backward(x, g, dx, shape, statistics, lambda, options);
        }
        else
        {
            Backward(x, g, dx, shape, lambda, options);
        }
    }

    private static Span<float> DenseSpan(in TensorSpan<float> tensor, string name, Span<int> shape, bool definesShape)
    {
        var length = DenseLength(tensor.Lengths, tensor.Strides, name, shape, definesShape);
        return length == 0 ? [] : MemoryMarshal.CreateSpan(ref tensor.GetPinnableReference(), length);
    }

    private static ReadOnlySpan<float> DenseSpan(in ReadOnlyTensorSpan<float> tensor, string name, Span<int> shape, bool definesShape)
    {
        var length = DenseLength(tensor.Lengths, tensor.Strides, name, shape, definesShape);
        return length == 0 ? [] : MemoryMarshal.CreateReadOnlySpan(in tensor.GetPinnableReference(), length);
    }

    /// <summary>
    /// Checks that a tensor is dense row-major and fills <paramref name="shape"/> from its lengths (the input)
    /// or checks its lengths against it (the others). Returns the element count.
    /// </summary>
    private static int DenseLength(ReadOnlySpan<nint> lengths, ReadOnlySpan<nint> strides, string name, Span<int> shape, bool definesShape)
    {
        if (lengths.Length != shape.Length)
        {
            ThrowHelper.ThrowShapeMismatch(name, Format(lengths), TensorGeometry.Format(shape));
        }

        // An empty tensor has no layout to check; the shape check reports its zero length.
        var empty = lengths.Contains(0);
        long expected = 1;
        for (var axis = lengths.Length - 1; axis >= 0; axis--)
        {
            var length = lengths[axis];
            if (length > int.MaxValue)
            {
                ThrowHelper.ThrowDimensionTooLarge(name, Format(lengths));
            }

            if (definesShape)
            {
                shape[axis] = (int)length;
            }
            else if (shape[axis] != length)
            {
                ThrowHelper.ThrowShapeMismatch(name, Format(lengths), TensorGeometry.Format(shape));
            }

            if (!empty && length != 1 && strides[axis] != expected)
            {
                ThrowHelper.ThrowNonContiguous(name, Format(lengths), Format(strides));
            }

            expected *= length;
            if (expected > int.MaxValue)
            {
                ThrowHelper.ThrowTooManyElements(Format(lengths), name);
            }
        }

        return (int)expected;
    }

    private static string Format(ReadOnlySpan<nint> values) => "[" + string.Join(", ", values.ToArray()) + "]";
}
