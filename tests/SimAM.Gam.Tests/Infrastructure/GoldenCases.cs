using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace SimAM.Gam.Tests.Infrastructure;

/// <summary>
/// The PyTorch reference data (Golden/gam_golden.json, written by tests/torch/generate_gam_golden.py): per case the
/// module's sizes and variant, float32 weights and input, and the float64 module's outputs in eval and train mode.
/// </summary>
/// <remarks>
/// Weights and inputs are float32 values (exact in double), so a float32 engine and the float64 reference see the very
/// same numbers. Use <see cref="GoldenCase.CreateWeights"/> for every call: train mode changes the weights.
/// </remarks>
public static class GoldenCases
{
    private static readonly Lazy<GoldenCase[]> s_cases = new(Load);

    /// <summary>Gets every case, in the file's order.</summary>
    public static IReadOnlyList<GoldenCase> All => s_cases.Value;

    /// <summary>Gets the case names as xunit <c>MemberData</c> rows.</summary>
    public static IEnumerable<object[]> Names => s_cases.Value.Select(c => new object[] { c.Name });

    /// <summary>Finds a case by name.</summary>
    public static GoldenCase Get(string name) => s_cases.Value.Single(c => c.Name == name);

    private static GoldenCase[] Load() => GoldenWeights.Read<GoldenFile>("gam_golden.json").Cases.Select(c => c.ToCase()).ToArray();

    private sealed record GoldenFile(string Generator, string Torch, GoldenCaseData[] Cases);

    // The file's layout; float32 values are read as float, so no value is rounded twice.
    private sealed record GoldenCaseData(
        string Name,
        int Channels,
        int Hidden,
        int OutChannels,
        int Rate,
        int Groups,
        bool ChannelSigmoid,
        int ShuffleGroups,
        int[] Shape,
        Dictionary<string, int[]> WeightShapes,
        Dictionary<string, float[]> Weights,
        long[] BatchesTracked,
        float[] X,
        double[] YEval,
        double[] YTrain,
        Dictionary<string, double[]> RunningAfterTrain,
        long[] BatchesTrackedAfterTrain,
        float[] YEvalTorchFloat32,
        float[] YTrainTorchFloat32)
    {
        public GoldenCase ToCase() => new(
            Name,
            Channels,
            Hidden,
            OutChannels,
            Rate,
            Groups,
            ChannelSigmoid ? GamChannelGate.Sigmoid : GamChannelGate.Identity,
            ShuffleGroups,
            Shape,
            WeightShapes,
            Weights,
            (BatchesTracked[0], BatchesTracked[1]),
            X,
            YEval,
            YTrain,
            RunningAfterTrain,
            (BatchesTrackedAfterTrain[0], BatchesTrackedAfterTrain[1]),
            YEvalTorchFloat32,
            YTrainTorchFloat32);
    }
}

/// <summary>One golden case: a PyTorch GAM(C, out, rate, groups, channel_sigmoid, shuffle) and an input.</summary>
/// <param name="Name">A readable name ending in the shape, e.g. <c>default_2x16x8x9</c>.</param>
/// <param name="Channels">C.</param>
/// <param name="Hidden">m = ⌊C / rate⌋.</param>
/// <param name="OutChannels">The spatial map's channels: C or 1.</param>
/// <param name="Rate">The module's rate argument.</param>
/// <param name="Groups">The convolutions' groups.</param>
/// <param name="ChannelGate">Sigmoid where the module has <c>channel_sigmoid=True</c>.</param>
/// <param name="ShuffleGroups">The shuffle's group count; 0 for none.</param>
/// <param name="Shape">[N, C, H, W].</param>
/// <param name="WeightShapes">Each float tensor's <c>state_dict</c> shape.</param>
/// <param name="Weights">Each float tensor's values (float32) by <c>state_dict</c> name: 12 parameters and 4 running statistics.</param>
/// <param name="BatchesTracked">Both <c>num_batches_tracked</c> before the call.</param>
/// <param name="X">The input (float32 values).</param>
/// <param name="YEval">The float64 module's output in eval mode.</param>
/// <param name="YTrain">The float64 module's output in train mode, from the same starting weights.</param>
/// <param name="RunningAfterTrain">The four running statistics after the train-mode call (float64 module), by name.</param>
/// <param name="BatchesTrackedAfterTrain">Both counters after the train-mode call.</param>
/// <param name="YEvalTorchFloat32">PyTorch's float32 module's eval output, for comparison.</param>
/// <param name="YTrainTorchFloat32">PyTorch's float32 module's train output, for comparison.</param>
public sealed record GoldenCase(
    string Name,
    int Channels,
    int Hidden,
    int OutChannels,
    int Rate,
    int Groups,
    GamChannelGate ChannelGate,
    int ShuffleGroups,
    int[] Shape,
    IReadOnlyDictionary<string, int[]> WeightShapes,
    IReadOnlyDictionary<string, float[]> Weights,
    (long First, long Second) BatchesTracked,
    float[] X,
    double[] YEval,
    double[] YTrain,
    IReadOnlyDictionary<string, double[]> RunningAfterTrain,
    (long First, long Second) BatchesTrackedAfterTrain,
    float[] YEvalTorchFloat32,
    float[] YTrainTorchFloat32)
{
    /// <summary>Gets the options of this case's variant (channel gate, shuffle); threads and kernel at their defaults.</summary>
    public GamOptions Options => new() { ChannelGate = ChannelGate, ShuffleGroups = ShuffleGroups };

    /// <summary>Gets the input as double (exact).</summary>
    public double[] X64 => X.Select(v => (double)v).ToArray();

    /// <summary>Gets N·C·H·W.</summary>
    public int ElementCount => Shape.Aggregate(1, (a, b) => a * b);

    /// <summary>Creates fresh weights holding this case's values and counters (a new copy each call, since train mode changes them).</summary>
    public GamWeights CreateWeights() => GoldenWeights.Create(Name, Channels, Hidden, OutChannels, Groups, Weights, BatchesTracked);

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>What both golden files share: reading one, and the weights from its tensors and counters.</summary>
public static class GoldenWeights
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>Reads a golden file (Golden/<paramref name="name"/> beside the tests) into its layout record.</summary>
    public static T Read<T>(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Golden", name);
        return JsonSerializer.Deserialize<T>(File.ReadAllText(path), s_json) ?? throw new InvalidDataException($"{path} is empty.");
    }

    public static GamWeights Create(
        string name, int channels, int hidden, int outChannels, int groups, IReadOnlyDictionary<string, float[]> values, (long First, long Second) batchesTracked)
    {
        var weights = GamWeights.Create(channels, hidden, outChannels, groups);
        foreach (var tensor in weights.AllTensors())
        {
            if (!values.TryGetValue(tensor.Name, out var tensorValues))
            {
                throw new InvalidDataException($"{name}: the golden file has no tensor {tensor.Name}.");
            }

            tensor.CopyFrom(tensorValues);
        }

        if (values.Count != weights.AllTensors().Count)
        {
            throw new InvalidDataException($"{name}: the golden file has {values.Count} tensors, the module {weights.AllTensors().Count}.");
        }

        weights.BatchesTracked1 = batchesTracked.First;
        weights.BatchesTracked2 = batchesTracked.Second;
        return weights;
    }
}
