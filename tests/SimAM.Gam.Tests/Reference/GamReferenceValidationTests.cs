using System;
using System.Linq;
using Xunit;

namespace SimAM.Gam.Tests.Reference;

/// <summary>
/// Every bad argument of <see cref="GamReference.Forward(GamWeights, ReadOnlySpan{double}, Span{double}, ReadOnlySpan{int}, GamMode, GamChannelGate, int)"/>
/// gives its typed exception naming the argument, and a rejected call writes nothing: the output keeps its
/// sentinel values and the weights their version, values and counters.
/// </summary>
public class GamReferenceValidationTests
{
    private const double Sentinel = -1234.5;

    // C = 8, m = 2 (rate 4), groups 2, out = C: shuffle groups must divide 8.
    private static readonly int[] s_shape = [2, 8, 3, 4];

    private delegate void Call(GamWeights weights, double[] input, double[] output, GamMode mode);

    [Fact]
    public void Null_weights_is_an_ArgumentNullException() =>
        AssertRejected<ArgumentNullException>("weights", (_, x, y, mode) => GamReference.Forward(null!, x, y, s_shape, mode));

    [Fact]
    public void Null_options_is_an_ArgumentNullException() =>
        AssertRejected<ArgumentNullException>("options", (w, x, y, mode) => GamReference.Forward(w, x, y, s_shape, mode, options: null!));

    [Theory]
    [InlineData(new[] { 2, 8, 12 })]
    [InlineData(new[] { 2, 8, 3, 4, 1 })]
    [InlineData(new int[0])]
    public void A_shape_of_rank_other_than_4_is_an_ArgumentException(int[] shape) =>
        AssertRejected<ArgumentException>("shape", (w, x, y, mode) => GamReference.Forward(w, x, y, shape, mode), "rank 4");

    [Theory]
    [InlineData(0, 8, 3, 4)]
    [InlineData(2, 0, 3, 4)]
    [InlineData(2, 8, 0, 4)]
    [InlineData(2, 8, 3, -1)]
    public void A_dimension_below_1_is_an_ArgumentOutOfRangeException(int n, int c, int h, int w) =>
        AssertRejected<ArgumentOutOfRangeException>("shape", (weights, x, y, mode) => GamReference.Forward(weights, x, y, [n, c, h, w], mode));

    [Fact]
    public void Channels_other_than_the_weights_are_an_ArgumentException() =>
        AssertRejected<ArgumentException>("shape", (w, x, y, mode) => GamReference.Forward(w, x, y, [2, 4, 6, 4], mode), "C = 8");

    [Fact]
    public void More_elements_than_a_span_holds_is_an_ArgumentException() =>
        AssertRejected<ArgumentException>("shape", (w, x, y, mode) => GamReference.Forward(w, x, y, [65536, 8, 65536, 1], mode), "more elements");

    [Fact]
    public void An_input_of_the_wrong_length_is_an_ArgumentException()
    {
        AssertRejected<ArgumentException>("input", (w, x, y, mode) => GamReference.Forward(w, x.AsSpan(1), y, s_shape, mode), "needs exactly 192");
        AssertRejected<ArgumentException>("input", (w, x, y, mode) => GamReference.Forward(w, [.. x, 0.5], y, s_shape, mode), "needs exactly 192");
    }

    [Fact]
    public void An_output_of_the_wrong_length_is_an_ArgumentException()
    {
        AssertRejected<ArgumentException>("output", (w, x, y, mode) => GamReference.Forward(w, x, y.AsSpan(1), s_shape, mode), "needs exactly 192");
        AssertRejected<ArgumentException>("output", (w, x, y, mode) => GamReference.Forward(w, x, new double[y.Length + 1], s_shape, mode), "needs exactly 192");
    }

    [Fact]
    public void Partially_overlapping_input_and_output_are_an_ArgumentException()
    {
        var weights = Weights();
        var version = weights.Version;
        var count = s_shape.Aggregate(1, (a, b) => a * b);
        var buffer = Enumerable.Range(0, count + 1).Select(i => Math.Sin(i)).ToArray();
        var before = buffer.ToArray();
        var exception = Assert.Throws<ArgumentException>(
            () => GamReference.Forward(weights, buffer.AsSpan(0, count), buffer.AsSpan(1, count), s_shape, GamMode.Train));
        Assert.Equal("output", exception.ParamName);
        Assert.Contains("overlap", exception.Message, StringComparison.Ordinal);
        Assert.Equal(before, buffer);
        Assert.Equal(version, weights.Version);
        Assert.Equal((0L, 0L), (weights.BatchesTracked1, weights.BatchesTracked2));
    }

    [Fact]
    public void An_undefined_mode_is_an_ArgumentOutOfRangeException() =>
        AssertRejected<ArgumentOutOfRangeException>("mode", (w, x, y, _) => GamReference.Forward(w, x, y, s_shape, (GamMode)2));

    [Fact]
    public void An_undefined_channel_gate_is_an_ArgumentOutOfRangeException() =>
        AssertRejected<ArgumentOutOfRangeException>("channelGate", (w, x, y, mode) => GamReference.Forward(w, x, y, s_shape, mode, (GamChannelGate)7));

    [Fact]
    public void Negative_shuffle_groups_are_an_ArgumentOutOfRangeException() =>
        AssertRejected<ArgumentOutOfRangeException>("shuffleGroups", (w, x, y, mode) => GamReference.Forward(w, x, y, s_shape, mode, shuffleGroups: -1));

    [Theory]
    [InlineData(3)]
    [InlineData(16)]
    public void Shuffle_groups_that_do_not_divide_out_are_an_ArgumentException(int groups) =>
        AssertRejected<ArgumentException>("shuffleGroups", (w, x, y, mode) => GamReference.Forward(w, x, y, s_shape, mode, shuffleGroups: groups), "divide");

    [Fact]
    public void Train_mode_with_one_value_per_channel_is_an_ArgumentException()
    {
        var weights = Weights();
        var version = weights.Version;
        var x = new double[8];
        var y = Enumerable.Repeat(Sentinel, 8).ToArray();
        var exception = Assert.Throws<ArgumentException>(() => GamReference.Forward(weights, x, y, [1, 8, 1, 1], GamMode.Train));
        Assert.Equal("shape", exception.ParamName);
        Assert.Contains("N·H·W = 1", exception.Message, StringComparison.Ordinal);
        Assert.All(y, v => Assert.Equal(Sentinel, v));
        Assert.Equal((0L, 0L), (weights.BatchesTracked1, weights.BatchesTracked2));
        Assert.Equal(version, weights.Version);

        // Eval mode needs no batch statistic: a single pixel is fine there.
        GamReference.Forward(weights, x, y, [1, 8, 1, 1], GamMode.Eval);
        Assert.All(y, v => Assert.Equal(0, v));
    }

    [Fact]
    public void Exact_aliasing_is_allowed()
    {
        var weights = Weights();
        var count = s_shape.Aggregate(1, (a, b) => a * b);
        var x = Enumerable.Range(0, count).Select(i => Math.Cos(i)).ToArray();
        var expected = new double[count];
        GamReference.Forward(weights, x, expected, s_shape, GamMode.Eval, GamChannelGate.Sigmoid, 4);
        GamReference.Forward(weights, x, x, s_shape, GamMode.Eval, GamChannelGate.Sigmoid, 4);
        Assert.Equal(expected, x);
    }

    /// <summary>
    /// Runs a call in both modes on buffers of the right length for <see cref="s_shape"/> (the output filled with a
    /// sentinel), then checks the exception and that neither the output nor the weights changed.
    /// </summary>
    private static void AssertRejected<TException>(string parameterName, Call call, string? messagePart = null)
        where TException : ArgumentException
    {
        foreach (var mode in new[] { GamMode.Eval, GamMode.Train })
        {
            var weights = Weights();
            var version = weights.Version;
            var values = weights.AllTensors().Select(t => t.Values.ToArray()).ToArray();
            var count = s_shape.Aggregate(1, (a, b) => a * b);
            var x = Enumerable.Range(0, count).Select(i => Math.Sin(i)).ToArray();
            var y = Enumerable.Repeat(Sentinel, count).ToArray();

            var exception = Assert.Throws<TException>(() => call(weights, x, y, mode));

            Assert.Equal(parameterName, exception.ParamName);
            if (messagePart is not null)
            {
                Assert.Contains(messagePart, exception.Message, StringComparison.Ordinal);
            }

            Assert.All(y, v => Assert.Equal(Sentinel, v));
            Assert.Equal(version, weights.Version);
            Assert.Equal((0L, 0L), (weights.BatchesTracked1, weights.BatchesTracked2));
            for (var i = 0; i < values.Length; i++)
            {
                Assert.Equal(values[i], weights.AllTensors()[i].Values.ToArray());
            }
        }
    }

    /// <summary>C = 8, m = 2, out = 8, groups 2; every value in [0.25, 0.75], so the running variances are positive.</summary>
    private static GamWeights Weights()
    {
        var weights = GamWeights.Create(8, 2, 8, 2);
        var i = 0;
        foreach (var tensor in weights.AllTensors())
        {
            tensor.CopyFrom(Enumerable.Range(0, tensor.Length).Select(_ => 0.5 + (0.25 * Math.Sin(++i))).ToArray());
        }

        return weights;
    }
}
