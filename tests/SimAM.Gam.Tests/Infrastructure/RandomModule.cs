using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;

namespace SimAM.Gam.Tests.Infrastructure;

/// <summary>
/// A module and an input drawn from a seed: sizes, variant, and values that are exact in float, so that the float
/// and double paths (and the float64 reference) see the very same numbers.
/// </summary>
/// <param name="N">Samples.</param>
/// <param name="C">Channels.</param>
/// <param name="H">Height.</param>
/// <param name="W">Width.</param>
/// <param name="Hidden">m.</param>
/// <param name="Out">The spatial map's channels: C or 1.</param>
/// <param name="Groups">The convolutions' groups.</param>
/// <param name="Gate">The channel gate.</param>
/// <param name="ShuffleGroups">The shuffle's groups (0: none).</param>
/// <param name="Seed">The seed of the weights and the input.</param>
public sealed record RandomModule(int N, int C, int H, int W, int Hidden, int Out, int Groups, GamChannelGate Gate, int ShuffleGroups, int Seed)
{
    public int[] Shape => [N, C, H, W];

    public int ElementCount => N * C * H * W;

    public int SampleSize => C * H * W;

    /// <summary>Gets the multiply-adds per call that <see cref="GamModule"/> compares with its one-million threshold for using threads.</summary>
    public long Work => (long)N * H * W * ((long)C * Hidden * 2 * 49 / Groups);

    /// <summary>Gets a value indicating whether train mode accepts the shape (N·H·W ≥ 2).</summary>
    public bool CanTrain => N * H * W > 1;

    /// <summary>
    /// Weights from <see cref="Seed"/>, rounded to float, drawn as the golden file's generator draws them: PyTorch's
    /// default initialisation of the weights (uniform in ±1/√fan_in, so every layer's outputs keep the scale of its
    /// inputs), biases in (−0.3, 0.3), BatchNorm γ of either sign with |γ| in (0.5, 1.5), β in (−0.5, 0.5), running
    /// means in (−0.3, 0.3) and running variances in (0.3, 1.8).
    /// </summary>
    public GamWeights CreateWeights()
    {
        var random = new Random(Seed);
        var weights = GamWeights.Create(C, Hidden, Out, Groups);
        foreach (var tensor in weights.AllTensors())
        {
            Func<double> draw;
            if (tensor.Shape.Count > 1)
            {
                var bound = 1 / Math.Sqrt(tensor.Length / tensor.Shape[0]);
                draw = () => bound * ((2 * random.NextDouble()) - 1);
            }
            else if (tensor == weights.RunningVar1 || tensor == weights.RunningVar2)
            {
                draw = () => 0.3 + (1.5 * random.NextDouble());
            }
            else if (tensor == weights.NormWeight1 || tensor == weights.NormWeight2)
            {
                draw = () => (random.NextDouble() < 0.2 ? -1 : 1) * (0.5 + random.NextDouble());
            }
            else
            {
                // Biases and running means in ±0.3, BatchNorm β in ±0.5.
                var bound = tensor == weights.NormBias1 || tensor == weights.NormBias2 ? 0.5 : 0.3;
                draw = () => bound * ((2 * random.NextDouble()) - 1);
            }

            tensor.CopyFrom(Enumerable.Range(0, tensor.Length).Select(_ => (float)draw()).ToArray());
        }

        return weights;
    }

    /// <summary>An input from <see cref="Seed"/>, float values in (−2, 2).</summary>
    public float[] CreateInput()
    {
        var random = new Random(~Seed);
        return Enumerable.Range(0, ElementCount).Select(_ => (float)((4 * random.NextDouble()) - 2)).ToArray();
    }

    public GamOptions Options(SimAmKernel kernel, ConvolutionPath path, int threads = 1) =>
        ModulePaths.Options(kernel, path, threads, Gate, ShuffleGroups);

    public override string ToString() =>
        $"shape [{N}, {C}, {H}, {W}], m = {Hidden}, out = {Out}, groups = {Groups}, gate = {Gate}, shuffle = {ShuffleGroups}, seed = {Seed}";

    /// <summary>
    /// Small modules whose groups divide C, m and out, with out = C or 1 and any shuffle that divides out, on maps from
    /// 1×1 to 8×8 and batches of 1 to 4: serial sizes (far below the module's threshold for threads), where every
    /// kernel and path takes milliseconds.
    /// </summary>
    public static Gen<RandomModule> Small() =>
        from groups in Gen.Elements(1, 2, 4)
        from channelsPerGroup in Gen.Choose(1, 5)
        from hiddenPerGroup in Gen.Choose(1, 3)
        from broadcast in Gen.Frequency((1, Gen.Constant(true)), (3, Gen.Constant(false)))
        let c = groups * channelsPerGroup
        let outChannels = broadcast && groups == 1 ? 1 : c
        from shuffle in Gen.Elements(new[] { 0 }.Concat(Enumerable.Range(1, outChannels).Where(g => outChannels % g == 0)).ToArray())
        from gate in Gen.Elements(GamChannelGate.Identity, GamChannelGate.Sigmoid)
        from n in Gen.Choose(1, 4)
        from h in Gen.Choose(1, 8)
        from w in Gen.Choose(1, 8)
        from seed in Gen.Choose(0, int.MaxValue)
        select new RandomModule(n, c, h, w, groups * hiddenPerGroup, outChannels, groups, gate, shuffle, seed);

    /// <summary>
    /// Modules with enough work for the module to use threads (at least a million multiply-adds, so a call with
    /// MaxDegreeOfParallelism > 1 runs in parallel): the map's width is chosen to pass the threshold.
    /// </summary>
    public static Gen<RandomModule> Parallel() =>
        from groups in Gen.Elements(1, 2)
        from channelsPerGroup in Gen.Choose(2, 8)
        from hiddenPerGroup in Gen.Choose(1, 3)
        from broadcast in Gen.Frequency((1, Gen.Constant(true)), (3, Gen.Constant(false)))
        let c = groups * channelsPerGroup
        let hidden = groups * hiddenPerGroup
        let outChannels = broadcast && groups == 1 ? 1 : c
        from shuffle in Gen.Elements(new[] { 0 }.Concat(Enumerable.Range(1, outChannels).Where(g => outChannels % g == 0)).ToArray())
        from gate in Gen.Elements(GamChannelGate.Identity, GamChannelGate.Sigmoid)
        from n in Gen.Choose(1, 4)
        from h in Gen.Choose(3, 12)
        from extra in Gen.Choose(0, 4)
        let pixels = (1_000_000 / ((long)c * hidden * 2 * 49 / groups)) + 1
        let w = (int)((pixels + (n * h) - 1) / (n * h)) + extra
        from seed in Gen.Choose(0, int.MaxValue)
        select new RandomModule(n, c, h, w, hidden, outChannels, groups, gate, shuffle, seed);
}
