using System;
using System.Collections.Generic;
using System.Linq;

namespace SimAM.Gam.Tests.Infrastructure;

/// <summary>
/// PyTorch autograd's gradients of the module (Golden/gam_backward_golden.json, written by
/// tests/torch/generate_gam_backward_golden.py): per case the module, an input x and an output gradient g (float32 values),
/// and for eval and train mode the float64 module's ∂L/∂x and every parameter's gradient for L = Σ y·g, with PyTorch's own
/// float32 results beside them for comparison.
/// </summary>
public static class BackwardGoldenCases
{
    private static readonly Lazy<BackwardGoldenCase[]> s_cases = new(() => GoldenWeights.Read<BackwardGoldenFile>("gam_backward_golden.json").Cases);

    /// <summary>Gets every case, in the file's order.</summary>
    public static IReadOnlyList<BackwardGoldenCase> All => s_cases.Value;

    /// <summary>Finds a case by name.</summary>
    public static BackwardGoldenCase Get(string name) => s_cases.Value.Single(c => c.Name == name);

    private sealed record BackwardGoldenFile(string Generator, string Torch, BackwardGoldenCase[] Cases);
}

/// <summary>One backward golden case (see <see cref="BackwardGoldenCases"/>); float32 values are read as float, so none is rounded twice.</summary>
public sealed record BackwardGoldenCase(
    string Name,
    int Channels,
    int Hidden,
    int OutChannels,
    int Rate,
    int Groups,
    bool ChannelSigmoid,
    int ShuffleGroups,
    int[] Shape,
    Dictionary<string, float[]> Weights,
    long[] BatchesTracked,
    float[] X,
    float[] G,
    double[] DxEval,
    Dictionary<string, double[]> GradsEval,
    float[] DxEvalTorchFloat32,
    Dictionary<string, float[]> GradsEvalTorchFloat32,
    double[] DxTrain,
    Dictionary<string, double[]> GradsTrain,
    float[] DxTrainTorchFloat32,
    Dictionary<string, float[]> GradsTrainTorchFloat32)
{
    /// <summary>Gets the options of this case's variant (channel gate, shuffle) at a width and convolution path.</summary>
    public GamOptions Options(SimAmKernel kernel, ConvolutionPath path) =>
        ModulePaths.Options(kernel, path, 1, ChannelSigmoid ? GamChannelGate.Sigmoid : GamChannelGate.Identity, ShuffleGroups);

    /// <summary>Creates fresh weights holding this case's values and counters.</summary>
    public GamWeights CreateWeights() =>
        GoldenWeights.Create(Name, Channels, Hidden, OutChannels, Groups, Weights, (BatchesTracked[0], BatchesTracked[1]));

    /// <summary>Gets the float64 ∂L/∂x of a mode.</summary>
    public double[] Dx(GamMode mode) => mode == GamMode.Train ? DxTrain : DxEval;

    /// <summary>Gets the float64 parameter gradients of a mode, by name.</summary>
    public IReadOnlyDictionary<string, double[]> Grads(GamMode mode) => mode == GamMode.Train ? GradsTrain : GradsEval;

    /// <inheritdoc/>
    public override string ToString() => Name;
}
