using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using SimAM.Cli.Npy;
using SimAM.Cli.Tests.Infrastructure;
using SimAM.Gam;
using Xunit;

namespace SimAM.Cli.Tests;

/// <summary><c>simam gam backward</c> end to end on temporary files: bitwise what the library computes, and nothing written on any error.</summary>
public sealed class GamBackwardCommandTests : IDisposable
{
    private static readonly int[] Shape = [2, 8, 5, 9];
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("float32", "eval", "identity", 0)]
    [InlineData("float32", "train", "sigmoid", 4)]
    [InlineData("float64", "eval", "sigmoid", 2)]
    [InlineData("float64", "train", "identity", 0)]
    public void Writes_exactly_the_gradients_the_library_computes(string dtype, string mode, string gate, int shuffle)
    {
        var (weightsPath, x, g) = Inputs(dtype);
        var output = _dir.File("dx.npy");
        var paramGrads = _dir.File("grads.safetensors");

        var result = Simam.Run(
            "gam", "backward", "--weights", weightsPath, "--input", x, "--grad-output", g, "--output", output, "--param-grads", paramGrads,
            "--mode", mode, "--channel-gate", gate, "--shuffle-groups", shuffle.ToString(CultureInfo.InvariantCulture), "--threads", "1");

        Assert.True(result.ExitCode == 0, result.ToString());
        var options = new GamOptions { ChannelGate = gate == "sigmoid" ? GamChannelGate.Sigmoid : GamChannelGate.Identity, ShuffleGroups = shuffle };
        var (dx, gradients) = Library(weightsPath, options, mode == "train" ? GamMode.Train : GamMode.Eval, NpyReader.Read(x), NpyReader.Read(g));
        var written = NpyReader.Read(output);
        Assert.Equal(dx.DType, written.DType);
        Assert.Equal(Shape, written.Shape.ToArray());
        Assert.Equal(dx.Bytes.ToArray(), written.Bytes.ToArray());
        Assert.Equal(gradients, File.ReadAllBytes(paramGrads));

        var header = SafeTensorsHeader(paramGrads);
        var expectedType = dtype == "float32" ? "F32" : "F64";
        Assert.Equal(
            GamWeights.Load(weightsPath).Parameters.Select(p => p.Name).Order(StringComparer.Ordinal),
            header.EnumerateObject().Select(p => p.Name).Where(n => n != "__metadata__").Order(StringComparer.Ordinal));
        Assert.All(header.EnumerateObject().Where(p => p.Name != "__metadata__"), p => Assert.Equal(expectedType, p.Value.GetProperty("dtype").GetString()));
        Assert.Contains($"gam backward ({mode})", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(["dx.npy", "g.npy", "grads.safetensors", "w.safetensors", "x.npy"], _dir.FileNames());
    }

    [Fact]
    public void Without_param_grads_only_dx_is_written_and_mode_defaults_to_eval()
    {
        var (weightsPath, x, g) = Inputs("float32");
        var output = _dir.File("dx.npy");

        var result = Simam.Run("gam", "backward", "--weights", weightsPath, "--input", x, "--grad-output", g, "--output", output);

        Assert.True(result.ExitCode == 0, result.ToString());
        var (dx, _) = Library(weightsPath, new GamOptions(), GamMode.Eval, NpyReader.Read(x), NpyReader.Read(g));
        Assert.Equal(dx.Float32, NpyReader.Read(output).Float32);
        Assert.Equal(["dx.npy", "g.npy", "w.safetensors", "x.npy"], _dir.FileNames());
    }

    [Theory]
    [InlineData("missing-weights", "no-such.safetensors: no such file or directory")]
    [InlineData("missing-input", "no-such-x.npy: no such file or directory")]
    [InlineData("missing-grad", "no-such-g.npy: no such file or directory")]
    [InlineData("grad-shape", "g2.npy: shape (2, 8, 9, 5) does not match")]
    [InlineData("grad-dtype", "g2.npy: dtype '<f8' does not match")]
    [InlineData("channels", "C = 6")]
    [InlineData("mode", "--mode must be eval or train; got 'test'")]
    [InlineData("gate", "--channel-gate must be identity or sigmoid; got 'relu'")]
    [InlineData("param-grads-folder", "no-such-dir")]
    [InlineData("param-grads-is-output", "--param-grads and --output name the same file")]
    [InlineData("param-grads-is-input", "--param-grads is also an input file; refusing to overwrite an input")]
    [InlineData("output-is-weights", "--output is also an input file; refusing to overwrite an input")]
    [InlineData("nan", "Neither output was written.")]
    public void A_bad_input_is_one_line_with_exit_code_1_and_nothing_is_written(string problem, string expected)
    {
        var (weightsPath, x, g) = Inputs("float32");
        var output = _dir.File("dx.npy");
        var paramGrads = _dir.File("grads.safetensors");
        File.WriteAllText(output, "keep me");
        var options = new[] { "--mode", "train" };
        switch (problem)
        {
            case "missing-weights":
                weightsPath = _dir.File("no-such.safetensors");
                break;
            case "missing-input":
                x = _dir.File("no-such-x.npy");
                break;
            case "missing-grad":
                g = _dir.File("no-such-g.npy");
                break;
            case "grad-shape":
                g = _dir.WriteNpy("g2.npy", NpyArray.FromFloat32(new float[Count], [2, 8, 9, 5]));
                break;
            case "grad-dtype":
                g = _dir.WriteNpy("g2.npy", NpyArray.FromFloat64(new double[Count], Shape));
                break;
            case "channels":
                x = _dir.WriteNpy("x6.npy", NpyArray.FromFloat32(new float[2 * 6 * 5 * 9], [2, 6, 5, 9]));
                g = _dir.WriteNpy("g6.npy", NpyArray.FromFloat32(new float[2 * 6 * 5 * 9], [2, 6, 5, 9]));
                break;
            case "mode":
                options = ["--mode", "test"];
                break;
            case "gate":
                options = ["--channel-gate", "relu"];
                break;
            case "param-grads-folder":
                paramGrads = Path.Combine(_dir.Path, "no-such-dir", "grads.safetensors");
                break;
            case "param-grads-is-output":
                paramGrads = output;
                break;
            case "param-grads-is-input":
                paramGrads = g;
                break;
            case "output-is-weights":
                output = weightsPath;
                break;
            case "nan":
                var values = TestData.Floats(Count, seed: 4);
                values[17] = float.NaN;
                x = _dir.WriteNpy("x-nan.npy", NpyArray.FromFloat32(values, Shape));
                break;
        }

        var before = Snapshot();
        var result = Simam.Run(
            ["gam", "backward", "--weights", weightsPath, "--input", x, "--grad-output", g, "--output", output, "--param-grads", paramGrads, .. options]);

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: ", result.ErrorLines[0], StringComparison.Ordinal);
        Assert.Contains(expected, result.ErrorLines[0], StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
        Assert.Equal("keep me", File.ReadAllText(_dir.File("dx.npy")));
    }

    private static int Count => Shape.Aggregate(1, (a, b) => a * b);

    /// <summary>The library's dx and the bytes of its parameter-gradient file for the same inputs.</summary>
    private static (NpyArray Dx, byte[] Gradients) Library(string weightsPath, GamOptions options, GamMode mode, NpyArray x, NpyArray g)
    {
        var module = new GamModule(GamWeights.Load(weightsPath), options);
        var activations = new GamActivations();
        var gradients = new GamGradients(module.Weights);
        var y = NpyArray.Allocate(x.Header);
        var dx = NpyArray.Allocate(x.Header);
        if (x.DType == NpyDType.Float32)
        {
            module.Forward(x.Float32, y.Float32, x.Shape, mode, activations);
            module.Backward(x.Float32, g.Float32, dx.Float32, x.Shape, mode, activations, gradients);
        }
        else
        {
            module.Forward(x.Float64, y.Float64, x.Shape, mode, activations);
            module.Backward(x.Float64, g.Float64, dx.Float64, x.Shape, mode, activations, gradients);
        }

        using var stream = new MemoryStream();
        gradients.SaveSafeTensors(stream, x.DType == NpyDType.Float32 ? GamTensorType.F32 : GamTensorType.F64);
        return (dx, stream.ToArray());
    }

    private static JsonElement SafeTensorsHeader(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        using var json = JsonDocument.Parse(bytes.AsMemory(8, length));
        return json.RootElement.Clone();
    }

    /// <summary>Weights (C = 8, groups 2) and x, g of <see cref="Shape"/> in the dtype asked for.</summary>
    private (string Weights, string X, string G) Inputs(string dtype)
    {
        var weightsPath = _dir.File("w.safetensors");
        GamWeights.CreateDefault(8, rate: 4, groups: 2, seed: 2).SaveSafeTensors(weightsPath, dtype == "float32" ? GamTensorType.F32 : GamTensorType.F64);
        return dtype == "float32"
            ? (weightsPath, _dir.WriteNpy("x.npy", NpyArray.FromFloat32(TestData.Floats(Count, seed: 4), Shape)), _dir.WriteNpy("g.npy", NpyArray.FromFloat32(TestData.Floats(Count, seed: 5), Shape)))
            : (weightsPath, _dir.WriteNpy("x.npy", NpyArray.FromFloat64(TestData.Doubles(Count, seed: 4), Shape)), _dir.WriteNpy("g.npy", NpyArray.FromFloat64(TestData.Doubles(Count, seed: 5), Shape)));
    }

    /// <summary>Every file in the folder (temporary files included) with its bytes.</summary>
    private string[] Snapshot() => [.. _dir.FileNames().Select(name => $"{name}: {Convert.ToBase64String(File.ReadAllBytes(_dir.File(name)))}")];
}
