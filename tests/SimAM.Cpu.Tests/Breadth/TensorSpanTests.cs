using System;
using System.Buffers;
using System.Numerics.Tensors;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Tests.Breadth;

/// <summary>The <see cref="TensorSpan{T}"/> overloads: shape from the lengths, dense row-major only.</summary>
public class TensorSpanTests
{
    [Theory]
    [InlineData(SimAmLayout.ChannelsFirst)]
    [InlineData(SimAmLayout.ChannelsLast)]
    public void Results_equal_the_span_overloads(SimAmLayout layout)
    {
        int[] shape = [2, 5, 6, 7];
        nint[] lengths = [2, 5, 6, 7];
        var x = TestData.Normal(2 * 5 * 6 * 7, seed: 1);
        var g = TestData.Normal(x.Length, seed: 2);
        var options = new SimAmOptions { Layout = layout };
        var statisticsCount = SimAm.PlaneCount(shape, layout);

        var y = new float[x.Length];
        var dx = new float[x.Length];
        var stats = new PlaneStatistics[statisticsCount];
        SimAm.Forward(x, y, shape, stats, 0.1f, options);
        SimAm.Backward(x, g, dx, shape, stats, 0.1f, options);

        var yTensor = new float[x.Length];
        var dxTensor = new float[x.Length];
        var statsTensor = new PlaneStatistics[statisticsCount];
        var input = new ReadOnlyTensorSpan<float>(x, lengths);
        SimAm.Forward(input, new TensorSpan<float>(yTensor, lengths), statsTensor, 0.1f, options);
        SimAm.Backward(input, new ReadOnlyTensorSpan<float>(g, lengths), new TensorSpan<float>(dxTensor, lengths), statsTensor, 0.1f, options);
        Assert.Equal(y, yTensor);
        Assert.Equal(dx, dxTensor);
        Assert.Equal(stats, statsTensor);

        var yPlain = new float[x.Length];
        var dxPlain = new float[x.Length];
        SimAm.Forward(input, new TensorSpan<float>(yPlain, lengths), 0.1f, options);
        SimAm.Backward(input, new ReadOnlyTensorSpan<float>(g, lengths), new TensorSpan<float>(dxPlain, lengths), 0.1f, options);
        Assert.Equal(y, yPlain);
        Assert.Equal(dx, dxPlain);
    }

    [Fact]
    public void A_tensor_span_can_be_processed_in_place()
    {
        nint[] lengths = [1, 3, 8, 8];
        var x = TestData.Normal(3 * 64, seed: 3);
        var expected = new float[x.Length];
        SimAm.Forward(x, expected, [1, 3, 8, 8]);
        var tensor = new TensorSpan<float>(x, lengths);
        SimAm.Forward(tensor, tensor);
        Assert.Equal(expected, x);
    }

    [Fact]
    public void A_sliced_view_is_rejected_with_a_clear_message()
    {
        var data = new float[2 * 4 * 6 * 6];
        var output = new float[2 * 3 * 6 * 6];
        var error = Assert.Throws<ArgumentException>(() =>
        {
            var full = new TensorSpan<float>(data, [2, 4, 6, 6]);
            var sliced = full.Slice([NRange.All, new NRange(0, 3), NRange.All, NRange.All]);
            SimAm.Forward(sliced, new TensorSpan<float>(output, [2, 3, 6, 6]));
        });
        Assert.Equal("input", error.ParamName);
        Assert.Contains("dense row-major", error.Message, StringComparison.Ordinal);
        Assert.All(output, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Transposed_or_broadcast_strides_are_rejected()
    {
        var data = new float[2 * 3 * 4 * 5];
        Assert.Throws<ArgumentException>(() =>
            SimAm.Forward(new ReadOnlyTensorSpan<float>(data, [2, 3, 5, 4], [60, 20, 1, 5]), new TensorSpan<float>(new float[120], [2, 3, 5, 4])));
        Assert.Throws<ArgumentException>(() =>
            SimAm.Forward(new ReadOnlyTensorSpan<float>(new float[20], [2, 3, 4, 5], [0, 0, 5, 1]), new TensorSpan<float>(new float[120], [2, 3, 4, 5])));
        var error = Assert.Throws<ArgumentException>(() =>
            SimAm.Forward(new ReadOnlyTensorSpan<float>(data, [2, 3, 4, 5]), new TensorSpan<float>(new float[240], [2, 3, 4, 5], [120, 40, 10, 2])));
        Assert.Equal("output", error.ParamName);
    }

    [Fact]
    public void Lengths_must_match_and_shapes_are_validated_as_for_spans()
    {
        var data = new float[2 * 3 * 4 * 5];
        var mismatch = Assert.Throws<ArgumentException>(() =>
            SimAm.Forward(new ReadOnlyTensorSpan<float>(data, [2, 3, 4, 5]), new TensorSpan<float>(new float[120], [2, 3, 5, 4])));
        Assert.Equal("output", mismatch.ParamName);
        Assert.Throws<ArgumentException>(() => SimAm.Forward(new ReadOnlyTensorSpan<float>(data, [6, 20]), new TensorSpan<float>(new float[120], [6, 20])));
        Assert.Throws<ArgumentOutOfRangeException>(() => SimAm.Forward(new ReadOnlyTensorSpan<float>(data, [2, 0, 4, 5]), new TensorSpan<float>(new float[120], [2, 0, 4, 5])));
        Assert.Throws<ArgumentException>(() =>
            SimAm.Forward(new ReadOnlyTensorSpan<float>(data, [2, 3, 4, 5]), new TensorSpan<float>(new float[120], [2, 3, 4, 5]), new PlaneStatistics[5]));
    }

    [Fact]
    public void The_tensor_types_carry_no_experimental_mark()
    {
        // System.Numerics.Tensors 10.0.0 ships TensorSpan without [Experimental] (so do these overloads).
        Assert.Empty(typeof(TensorSpan<>).GetCustomAttributes(typeof(System.Diagnostics.CodeAnalysis.ExperimentalAttribute), false));
        Assert.Empty(typeof(SimAm).GetMethod(nameof(SimAm.Forward), [typeof(ReadOnlyTensorSpan<float>).MakeByRefType(), typeof(TensorSpan<float>).MakeByRefType(), typeof(float), typeof(SimAmOptions)])!
            .GetCustomAttributes(typeof(System.Diagnostics.CodeAnalysis.ExperimentalAttribute), false));
    }
}
