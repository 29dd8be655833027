using System;
using System.Linq;
using SimAM.Gam.Weights;
using Xunit;

namespace SimAM.Gam.Tests.Weights;

public sealed class DefaultInitialisationTests
{
    [Theory]
    [InlineData(8, 4, 1, null, 2, 8)]
    [InlineData(10, 4, 1, null, 2, 10)]
    [InlineData(16, 4, 4, null, 4, 16)]
    [InlineData(8, 4, 1, 1, 2, 1)]
    [InlineData(8, 8, 1, null, 1, 8)]
    [InlineData(7, 3, 1, 1, 2, 1)]
    public void Sizes_follow_PyTorchs_module(int channels, int rate, int groups, int? outChannels, int hidden, int expectedOut)
    {
        var weights = GamWeights.CreateDefault(channels, rate, groups, outChannels);

        Assert.Equal((channels, hidden, expectedOut, groups), (weights.Channels, weights.Hidden, weights.OutChannels, weights.Groups));
        Assert.Equal([hidden, channels / groups, 7, 7], weights.ConvWeight1.Shape);
        Assert.Equal([expectedOut, hidden / groups, 7, 7], weights.ConvWeight2.Shape);
    }

    [Theory]
    [InlineData(8, 4, 1, null)]
    [InlineData(16, 4, 4, null)]
    [InlineData(12, 3, 2, null)]
    [InlineData(12, 3, 1, 1)]
    public void Every_weight_and_bias_lies_within_one_over_the_root_of_its_fan_in(int channels, int rate, int groups, int? outChannels)
    {
        var weights = GamWeights.CreateDefault(channels, rate, groups, outChannels, seed: 3);
        var m = weights.Hidden;

        AssertWithin(weights.ChannelWeight1, channels);
        AssertWithin(weights.ChannelBias1, channels);
        AssertWithin(weights.ChannelWeight2, m);
        AssertWithin(weights.ChannelBias2, m);
        AssertWithin(weights.ConvWeight1, channels / groups * 49);
        AssertWithin(weights.ConvBias1, channels / groups * 49);
        AssertWithin(weights.ConvWeight2, m / groups * 49);
        AssertWithin(weights.ConvBias2, m / groups * 49);
    }

    [Fact]
    public void Large_tensors_are_uniform_on_their_interval()
    {
        var weights = GamWeights.CreateDefault(64, seed: 11);
        foreach (var (parameter, fanIn) in new[] { (weights.ConvWeight1, 64 * 49), (weights.ConvWeight2, 16 * 49) })
        {
            var values = parameter.Values.ToArray();
            var bound = 1 / Math.Sqrt(fanIn);
            var n = values.Length;
            var mean = values.Average();
            var variance = values.Sum(v => (v - mean) * (v - mean)) / (n - 1);

            // U(-b, b): mean 0 and variance b^2/3; the mean of n draws has standard deviation b / sqrt(3n).
            Assert.True(Math.Abs(mean) < 5 * bound / Math.Sqrt(3 * n), $"{parameter.Name}: mean {mean}");
            Assert.InRange(variance / (bound * bound / 3), 0.97, 1.03);
            Assert.InRange(values.Max() / bound, 0.99, 1.0 + 1e-7);
            Assert.InRange(values.Min() / bound, -1.0 - 1e-7, -0.99);

            // Each tenth of the interval holds about a tenth of the values.
            var counts = values.GroupBy(v => Math.Min(9, (int)((v + bound) / (2 * bound) * 10))).Select(g => g.Count()).ToArray();
            Assert.Equal(10, counts.Length);
            Assert.All(counts, c => Assert.InRange(c, n / 10 * 0.9, n / 10 * 1.1));
        }
    }

    [Fact]
    public void BatchNorms_start_as_the_identity_and_the_counters_at_zero()
    {
        var weights = GamWeights.CreateDefault(8, seed: 5);

        Assert.All(weights.NormWeight1.Values.ToArray().Concat(weights.NormWeight2.Values.ToArray()), v => Assert.Equal(1, v));
        Assert.All(weights.RunningVar1.Values.ToArray().Concat(weights.RunningVar2.Values.ToArray()), v => Assert.Equal(1, v));
        Assert.All(weights.NormBias1.Values.ToArray().Concat(weights.NormBias2.Values.ToArray()), v => Assert.Equal(0, v));
        Assert.All(weights.RunningMean1.Values.ToArray().Concat(weights.RunningMean2.Values.ToArray()), v => Assert.Equal(0, v));
        Assert.Equal((0L, 0L), (weights.BatchesTracked1, weights.BatchesTracked2));
    }

    [Fact]
    public void The_same_seed_gives_the_same_weights_and_another_seed_others()
    {
        var first = GamWeights.CreateDefault(16, groups: 2, seed: 9);

        var again = GamWeights.CreateDefault(16, groups: 2, seed: 9);
        Assert.Equal(first.AllTensors().Select(p => p.Values.ToArray()), again.AllTensors().Select(p => p.Values.ToArray()));
        Assert.NotEqual(first.ConvWeight1.Values.ToArray(), GamWeights.CreateDefault(16, groups: 2, seed: 10).ConvWeight1.Values.ToArray());
        Assert.All(first.AllTensors().SelectMany(p => p.Values.ToArray()), v => Assert.Equal(v, (double)(float)v));
    }

    [Fact]
    public void Values_are_pinned_across_runs_platforms_and_versions()
    {
        // Computed independently by a Python implementation of splitmix64 seeding, xoshiro256** and the draw order.
        var weights = GamWeights.CreateDefault(8, seed: 42);

        Assert.Equal([-0.29425331950187683, -0.08557388186454773, 0.1273099184036255], weights.ChannelWeight1.Values[..3].ToArray());
        Assert.Equal(0.2837929427623749, weights.ChannelBias2.Values[^1]);
        Assert.Equal(-0.029094044119119644, weights.ConvWeight2.Values[^1]);
        Assert.Equal(0.028406446799635887, weights.ConvBias2.Values[0]);
        Assert.Equal(0.042350538074970245, GamWeights.CreateDefault(8, seed: -1).ChannelWeight1.Values[0]);
    }

    [Fact]
    public void The_generator_is_xoshiro256_star_star_seeded_by_splitmix64()
    {
        var random = new Xoshiro256StarStar(0);

        Assert.Equal(0x99ec5f36cb75f2b4UL, random.NextUInt64());
        Assert.Equal(0xbf6e1f784956452aUL, random.NextUInt64());
        Assert.Equal(0x1a5f849d4933e6e0UL, random.NextUInt64());
    }

    [Fact]
    public void Invalid_sizes_are_argument_exceptions()
    {
        Assert.Equal("channels", Assert.Throws<ArgumentOutOfRangeException>(() => GamWeights.CreateDefault(0)).ParamName);
        Assert.Equal("rate", Assert.Throws<ArgumentOutOfRangeException>(() => GamWeights.CreateDefault(8, rate: 0)).ParamName);
        var tooLarge = Assert.Throws<ArgumentOutOfRangeException>(() => GamWeights.CreateDefault(8, rate: 9));
        Assert.Equal("rate", tooLarge.ParamName);
        Assert.Contains("floor(8 / 9) is 0", tooLarge.Message, StringComparison.Ordinal);
        Assert.Equal("groups", Assert.Throws<ArgumentOutOfRangeException>(() => GamWeights.CreateDefault(8, groups: 0)).ParamName);
        Assert.Equal("groups", Assert.Throws<ArgumentException>(() => GamWeights.CreateDefault(8, groups: 4)).ParamName);
        Assert.Equal("outChannels", Assert.Throws<ArgumentOutOfRangeException>(() => GamWeights.CreateDefault(8, outChannels: 3)).ParamName);
    }

    private static void AssertWithin(GamParameter parameter, int fanIn)
    {
        // Each draw is rounded to float32, which can move a value at the bound by half an ulp.
        var bound = 1 / Math.Sqrt(fanIn) * (1 + Math.Pow(2, -24));
        Assert.All(parameter.Values.ToArray(), v => Assert.InRange(v, -bound, bound));
        Assert.True(parameter.Values.ToArray().Distinct().Count() == parameter.Length, $"{parameter.Name} repeats values");
    }
}
