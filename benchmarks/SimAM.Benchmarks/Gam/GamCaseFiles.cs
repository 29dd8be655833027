using System.Globalization;
using System.IO;
using SimAM.Cli.Benchmarking.Gam;

namespace SimAM.Benchmarks.Gam;

/// <summary>
/// The files of one benchmark case in a model directory: <c>&lt;name&gt;.safetensors</c> (the weights, from
/// <c>simam gam init</c>), <c>&lt;name&gt;.onnx</c> (the same module exported by benchmarks/torch/export_gam_onnx.py),
/// optionally <c>&lt;name&gt;.input.npy</c> (the input; otherwise a fixed uniform one), and the outputs that
/// <c>gam-compare --save-outputs</c> writes for the PyTorch check.
/// </summary>
internal static class GamCaseFiles
{
    /// <summary>Gets the case's file stem: "8x256x28x28_r4_g4_s4" (shape, rate, groups, shuffle groups).</summary>
    /// <param name="c">The case.</param>
    /// <returns>The stem.</returns>
    public static string Name(GamBenchCase c) => string.Create(
        CultureInfo.InvariantCulture, $"{string.Join('x', c.Shape)}_r{c.Rate}_g{c.Groups}_s{c.ShuffleGroups}");

    public static string Weights(string directory, GamBenchCase c) => Path.Combine(directory, Name(c) + ".safetensors");

    public static string Model(string directory, GamBenchCase c) => Path.Combine(directory, Name(c) + ".onnx");

    public static string Input(string directory, GamBenchCase c) => Path.Combine(directory, Name(c) + ".input.npy");

    public static string EvalOutput(string directory, GamBenchCase c) => Path.Combine(directory, Name(c) + ".gam-eval.npy");

    public static string TrainOutput(string directory, GamBenchCase c) => Path.Combine(directory, Name(c) + ".gam-train.npy");
}
