using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;
using Xunit.Sdk;

namespace SimAM.Gam.Tests.Reference;

/// <summary>
/// Properties of <see cref="GamReference"/> itself on random small modules (any groups, out = C or 1, either gate)
/// and tensors (H, W from 1 to 8): independent samples in eval mode, zero in gives zero out, train mode ignoring the
/// running statistics it updates, and the shuffle being the permuted unshuffled spatial map.
/// </summary>
public class GamReferencePropertyTests
{
    private const int MaxTest = 100;

    [Property(MaxTest = MaxTest, Arbitrary = [typeof(Arbitraries)])]
    public void In_eval_mode_each_sample_is_computed_as_if_alone(Sample sample)
    {
        var weights = sample.CreateWeights();
        var x = sample.CreateInput();
        var y = new double[x.Length];
        GamReference.Forward(weights, x, y, sample.Shape, GamMode.Eval, sample.Gate, sample.ShuffleGroups);

        var size = x.Length / sample.N;
        int[] single = [1, .. sample.Shape[1..]];
        for (var n = 0; n < sample.N; n++)
        {
            var alone = new double[size];
            GamReference.Forward(weights, x.AsSpan(n * size, size), alone, single, GamMode.Eval, sample.Gate, sample.ShuffleGroups);
            That(alone.AsSpan().SequenceEqual(y.AsSpan(n * size, size)), () => $"sample {n} differs when computed alone. [{sample}]");
        }
    }

    [Property(MaxTest = MaxTest, Arbitrary = [typeof(Arbitraries)])]
    public void Zero_input_gives_zero_output_in_both_modes(Sample sample)
    {
        foreach (var mode in Modes(sample))
        {
            var x = new double[sample.ElementCount];
            var y = Enumerable.Repeat(double.NaN, x.Length).ToArray();
            GamReference.Forward(sample.CreateWeights(), x, y, sample.Shape, mode, sample.Gate, sample.ShuffleGroups);
            That(y.All(v => v == 0), () => $"{mode}: nonzero output for zero input. [{sample}]");
        }
    }

    [Property(MaxTest = MaxTest, Arbitrary = [typeof(TrainableArbitraries)])]
    public void Train_mode_output_does_not_depend_on_the_running_statistics(Sample sample)
    {
        var x = sample.CreateInput();
        var y = new double[x.Length];
        GamReference.Forward(sample.CreateWeights(), x, y, sample.Shape, GamMode.Train, sample.Gate, sample.ShuffleGroups);

        var other = sample.CreateWeights();
        foreach (var buffer in other.Buffers)
        {
            buffer.CopyFrom(buffer.Values.ToArray().Select(v => (3 * v) + 0.5).ToArray());
        }

        var y2 = new double[x.Length];
        GamReference.Forward(other, x, y2, sample.Shape, GamMode.Train, sample.Gate, sample.ShuffleGroups);
        That(y.AsSpan().SequenceEqual(y2), () => $"train-mode output changed with the running statistics. [{sample}]");
    }

    /// <summary>
    /// With shuffle, y[c] = x1[c]·s[π(c)], π as PyTorch's view(n, G, out/G, h, w).permute(0, 2, 1, 3, 4) moves channels;
    /// without, y[c] = x1[c]·s[c]. Weights whose second BatchNorm has γ = 0, β = 40 make s = sigmoid(40) = 1 exactly in
    /// double, so the same call gives x1 itself; then y_shuffled[c]·x1[π(c)] = x1[c]·s[π(c)]·x1[π(c)] = y[π(c)]·x1[c].
    /// </summary>
    [Property(MaxTest = MaxTest, Arbitrary = [typeof(ShuffledArbitraries)])]
    public void The_shuffle_permutes_the_unshuffled_spatial_map(Sample sample)
    {
        var x = sample.CreateInput();
        var probe = sample.CreateWeights();
        probe.NormWeight2.CopyFrom(new double[probe.OutChannels]);
        probe.NormBias2.CopyFrom(Enumerable.Repeat(40.0, probe.OutChannels).ToArray());
        var x1 = new double[x.Length];
        GamReference.Forward(probe, x, x1, sample.Shape, GamMode.Eval, sample.Gate);

        var source = SourceChannels(sample.Out, sample.ShuffleGroups);
        foreach (var mode in Modes(sample))
        {
            var plain = sample.CreateWeights();
            var shuffled = sample.CreateWeights();
            var y = new double[x.Length];
            var yShuffled = new double[x.Length];
            GamReference.Forward(plain, x, y, sample.Shape, mode, sample.Gate);
            GamReference.Forward(shuffled, x, yShuffled, sample.Shape, mode, sample.Gate, sample.ShuffleGroups);

            var plane = sample.H * sample.W;
            for (var n = 0; n < sample.N; n++)
            {
                for (var c = 0; c < sample.C; c++)
                {
                    // With out = 1 the only shuffle is G = 1, the identity.
                    var from = sample.Out == 1 ? c : source[c];
                    for (var p = 0; p < plane; p++)
                    {
                        var here = (((n * sample.C) + c) * plane) + p;
                        var there = (((n * sample.C) + from) * plane) + p;
                        var left = yShuffled[here] * x1[there];
                        var right = y[there] * x1[here];
                        That(
                            Math.Abs(left - right) <= 1e-15 * Math.Abs(x1[here] * x1[there]),
                            () => $"{mode}: channel {c} (from {from}) at sample {n} pixel {p}: {left:R} vs {right:R}. [{sample}]");
                    }
                }
            }

            // The shuffle comes after both BatchNorms: their running statistics see the same batch.
            That(
                plain.Buffers.Zip(shuffled.Buffers).All(b => b.First.Values.SequenceEqual(b.Second.Values)),
                () => $"{mode}: the running statistics depend on the shuffle. [{sample}]");
        }
    }

    [Fact]
    public void The_shuffle_is_pytorchs_channel_order()
    {
        // torch.arange(8).view(2, 4).t().reshape(8) is [0, 4, 1, 5, 2, 6, 3, 7]; view(4, 2).t() gives [0, 2, 4, 6, 1, 3, 5, 7].
        Assert.Equal([0, 4, 1, 5, 2, 6, 3, 7], SourceChannels(8, 2));
        Assert.Equal([0, 2, 4, 6, 1, 3, 5, 7], SourceChannels(8, 4));
        Assert.Equal(Enumerable.Range(0, 6), SourceChannels(6, 1));
        Assert.Equal(Enumerable.Range(0, 6), SourceChannels(6, 6));
    }

    private static GamMode[] Modes(Sample sample) =>
        sample.N * sample.H * sample.W > 1 ? [GamMode.Eval, GamMode.Train] : [GamMode.Eval];

    /// <summary>The old channel each new channel takes: the [G, out/G] channel grid read column by column.</summary>
    private static int[] SourceChannels(int channels, int groups)
    {
        var perGroup = channels / groups;
        var grid = new int[groups, perGroup];
        for (var i = 0; i < channels; i++)
        {
            grid[i / perGroup, i % perGroup] = i;
        }

        var result = new int[channels];
        var k = 0;
        for (var column = 0; column < perGroup; column++)
        {
            for (var row = 0; row < groups; row++)
            {
                result[k++] = grid[row, column];
            }
        }

        return result;
    }

    private static void That(bool condition, Func<string> message)
    {
        if (!condition)
        {
            throw new XunitException(message());
        }
    }

    /// <summary>Module sizes whose groups divide C, m and out, with out = C or 1 and any shuffle that divides out.</summary>
    private static Gen<Sample> Samples() =>
        from groups in Gen.Elements(1, 2, 4)
        from channelsPerGroup in Gen.Choose(1, 4)
        from hiddenPerGroup in Gen.Choose(1, 3)
        from broadcast in Gen.Frequency((1, Gen.Constant(true)), (3, Gen.Constant(false)))
        let c = groups * channelsPerGroup
        let outChannels = broadcast && groups == 1 ? 1 : c
        from shuffle in Gen.Elements(new[] { 0 }.Concat(Enumerable.Range(1, outChannels).Where(g => outChannels % g == 0)).ToArray())
        from gate in Gen.Elements(GamChannelGate.Identity, GamChannelGate.Sigmoid)
        from n in Gen.Choose(1, 3)
        from h in Gen.Choose(1, 8)
        from w in Gen.Choose(1, 8)
        from seed in Gen.Choose(0, int.MaxValue)
        select new Sample(n, c, h, w, groups * hiddenPerGroup, outChannels, groups, gate, shuffle, seed);

    /// <summary>The samples of <see cref="Samples"/> as an FsCheck arbitrary (no shrinking: a failure reports the whole sample).</summary>
    public static class Arbitraries
    {
        public static Arbitrary<Sample> AnySamples() => Arb.From(Samples());
    }

    /// <summary>The samples that train mode accepts (N·H·W ≥ 2).</summary>
    public static class TrainableArbitraries
    {
        public static Arbitrary<Sample> TrainableSamples() => Arb.From(Samples().Where(s => s.N * s.H * s.W > 1));
    }

    /// <summary>The samples with a shuffle.</summary>
    public static class ShuffledArbitraries
    {
        public static Arbitrary<Sample> ShuffledSamples() => Arb.From(Samples().Where(s => s.ShuffleGroups > 0));
    }

    public sealed record Sample(int N, int C, int H, int W, int Hidden, int Out, int Groups, GamChannelGate Gate, int ShuffleGroups, int Seed)
    {
        public int[] Shape => [N, C, H, W];

        public int ElementCount => N * C * H * W;

        /// <summary>Weights from <see cref="Seed"/>: values in (−0.5, 0.5), BatchNorm γ in (0.5, 1.5), running variances in (0.3, 1.8).</summary>
        public GamWeights CreateWeights()
        {
            var random = new Random(Seed);
            var weights = GamWeights.Create(C, Hidden, Out, Groups);
            foreach (var tensor in weights.AllTensors())
            {
                var (offset, scale) =
                    tensor == weights.RunningVar1 || tensor == weights.RunningVar2 ? (0.3, 1.5)
                    : tensor == weights.NormWeight1 || tensor == weights.NormWeight2 ? (0.5, 1.0)
                    : (-0.5, 1.0);
                tensor.CopyFrom(Enumerable.Range(0, tensor.Length).Select(_ => offset + (scale * random.NextDouble())).ToArray());
            }

            return weights;
        }

        /// <summary>An input from <see cref="Seed"/>, values in (−2, 2).</summary>
        public double[] CreateInput()
        {
            var random = new Random(~Seed);
            return Enumerable.Range(0, ElementCount).Select(_ => (4 * random.NextDouble()) - 2).ToArray();
        }

        public override string ToString() =>
            $"shape [{N}, {C}, {H}, {W}], m = {Hidden}, out = {Out}, groups = {Groups}, gate = {Gate}, shuffle = {ShuffleGroups}, seed = {Seed}";
    }
}
