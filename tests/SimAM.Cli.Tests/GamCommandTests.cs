using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using SimAM.Cli.Benchmarking;
using SimAM.Cli.Benchmarking.Gam;
using SimAM.Cli.Npy;
using SimAM.Cli.Tests.Infrastructure;
using SimAM.Gam;
using Xunit;

namespace SimAM.Cli.Tests;

/// <summary><c>simam gam init|forward|bench</c> end to end on temporary files, compared with the library.</summary>
public sealed class GamCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Init_writes_the_librarys_default_weights_and_the_same_seed_gives_the_same_bytes()
    {
        var first = _dir.File("a.safetensors");
        var second = _dir.File("b.safetensors");

        var result = Simam.Run("gam", "init", "--channels", "12", "--rate", "3", "--seed", "5", "--output", first);
        Simam.Run("gam", "init", "--channels", "12", "--rate", "3", "--seed", "5", "--output", second);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        var loaded = GamWeights.Load(first);
        var expected = GamWeights.CreateDefault(12, rate: 3, seed: 5);
        Assert.Equal((12, 4, 12, 1), (loaded.Channels, loaded.Hidden, loaded.OutChannels, loaded.Groups));
        foreach (var tensor in expected.AllTensors())
        {
            Assert.Equal(tensor.Values.ToArray(), loaded.Find(tensor.Name)!.Values.ToArray());
        }
    }

    [Theory]
    [InlineData("eval", "identity", 0)]
    [InlineData("train", "sigmoid", 4)]
    public void Forward_float32_writes_exactly_what_the_module_computes(string mode, string gate, int shuffle)
    {
        int[] shape = [2, 8, 5, 9];
        var weightsPath = _dir.File("w.safetensors");
        GamWeights.CreateDefault(8, rate: 4, groups: 2, seed: 2).SaveSafeTensors(weightsPath);
        var x = TestData.Floats(shape.Aggregate(1, (a, b) => a * b), seed: 4);
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat32(x, shape));
        var output = _dir.File("y.npy");

        var result = Simam.Run(
            "gam", "forward", "--weights", weightsPath, "--input", input, "--output", output,
            "--mode", mode, "--channel-gate", gate, "--shuffle-groups", shuffle.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(result.ExitCode == 0, result.ToString());
        var y = NpyReader.Read(output);
        Assert.Equal(NpyDType.Float32, y.DType);
        var module = new GamModule(
            GamWeights.Load(weightsPath),
            new GamOptions { ChannelGate = gate == "sigmoid" ? GamChannelGate.Sigmoid : GamChannelGate.Identity, ShuffleGroups = shuffle });
        var expected = new float[x.Length];
        module.Forward(x, expected, shape, mode == "train" ? GamMode.Train : GamMode.Eval);
        Assert.Equal(expected, y.Float32);
    }

    [Fact]
    public void Forward_float64_keeps_the_dtype_and_uses_the_double_module()
    {
        int[] shape = [1, 4, 6, 3];
        var weightsPath = _dir.File("w.safetensors");
        GamWeights.CreateDefault(4, rate: 2, seed: 3).SaveSafeTensors(weightsPath, GamTensorType.F64);
        var x = TestData.Doubles(shape.Aggregate(1, (a, b) => a * b), seed: 6);
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat64(x, shape));
        var output = _dir.File("y.npy");

        var result = Simam.Run("gam", "forward", "--weights", weightsPath, "--input", input, "--output", output, "--threads", "1");

        Assert.True(result.ExitCode == 0, result.ToString());
        var y = NpyReader.Read(output);
        Assert.Equal(NpyDType.Float64, y.DType);
        var expected = new double[x.Length];
        new GamModule(GamWeights.Load(weightsPath)).Forward(x, expected, shape);
        Assert.Equal(expected, y.Float64);
    }

    [Fact]
    public void Forward_with_a_broken_weight_file_fails_with_one_line_and_writes_nothing()
    {
        var weightsPath = _dir.File("w.safetensors");
        GamWeights.CreateDefault(8, seed: 1).SaveSafeTensors(weightsPath);
        var truncated = _dir.File("cut.safetensors");
        File.WriteAllBytes(truncated, File.ReadAllBytes(weightsPath)[..200]);
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat32(new float[2 * 8 * 4 * 4], [2, 8, 4, 4]));
        var output = _dir.File("y.npy");

        var result = Simam.Run("gam", "forward", "--weights", truncated, "--input", input, "--output", output);

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: ", result.ErrorLines[0], StringComparison.Ordinal);
        Assert.Contains("cut.safetensors", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData(new[] { 2, 6, 4, 4 }, "C = 6")]
    [InlineData(new[] { 2, 8, 4 }, "rank")]
    public void Forward_with_a_tensor_that_does_not_fit_the_weights_fails_with_one_line(int[] shape, string expected)
    {
        var weightsPath = _dir.File("w.safetensors");
        GamWeights.CreateDefault(8, seed: 1).SaveSafeTensors(weightsPath);
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat32(new float[shape.Aggregate(1, (a, b) => a * b)], shape));
        var output = _dir.File("y.npy");

        var result = Simam.Run("gam", "forward", "--weights", weightsPath, "--input", input, "--output", output);

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.ErrorLines);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Bench_rows_carry_shape_mode_and_time_train_rows_the_training_step_and_the_fma_peak_is_positive()
    {
        var (peak, width) = FmaPeak.Measure(runs: 1);
        var results = GamBenchRunner.Run([new GamBenchCase([1, 8, 6, 5], 4, 1, 0)], new Timing(1, 2, 2, 0), peak);

        Assert.True(peak > 0, width);
        Assert.Equal([GamMode.Eval, GamMode.Train], results.Select(r => r.Mode));
        Assert.All(results, r => Assert.True(r.ForwardMs > 0 && r.GigaFlops > 0 && r.OfPeak > 0 && r.PeakGigaFlops == peak));
        Assert.Equal(results[0].GigaFlops / (2 * peak), (results[0] with { PeakGigaFlops = 2 * peak }).OfPeak);
        Assert.Null(results[0].Step);
        var step = results[1].Step!;
        Assert.True(step.ForwardMs > 0 && step.BackwardMs > 0 && step.BackwardGigaFlops > 0);
        Assert.Equal(step.BackwardGigaFlops / peak, results[1].BackwardOfPeak);
        Assert.Null(results[0].BackwardOfPeak);
        Assert.Equal(step.ForwardMs + step.BackwardMs, step.StepMs);
        Assert.Equal(2 * results[1].Case.Flops / (step.BackwardMs * 1e6), step.BackwardGigaFlops, 1e-9);
        var split = step.Split;
        Assert.True(split.RecomputeMs > 0 && split.GateAndNormsMs > 0 && split.WeightGradientsMs > 0 && split.DataGradientsMs > 0 && split.ChannelMlpMs > 0, split.ToString());

        using var stream = new MemoryStream();
        Commands.Gam.GamBenchCommand.WriteJson(stream, results);
        using var json = JsonDocument.Parse(stream.ToArray());
        Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);
        Assert.Equal(2, json.RootElement.GetArrayLength());
        var (eval, train) = (json.RootElement[0], json.RootElement[1]);
        Assert.Equal([1, 8, 6, 5], eval.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("eval", eval.GetProperty("mode").GetString());
        Assert.True(eval.GetProperty("forward_ms").GetDouble() > 0);
        Assert.Equal("train", train.GetProperty("mode").GetString());
        string[] stepFields = ["forward_activations_ms", "backward_ms", "backward_gflops", "backward_of_peak", "train_step_ms"];
        Assert.All(stepFields, name => Assert.Equal(JsonValueKind.Null, eval.GetProperty(name).ValueKind));
        Assert.All(stepFields, name => Assert.True(train.GetProperty(name).GetDouble() > 0, name));
        Assert.Equal(step.StepMs, train.GetProperty("train_step_ms").GetDouble());
        Assert.Equal(step.BackwardMs, train.GetProperty("backward_ms").GetDouble());
        Assert.Equal(JsonValueKind.Null, eval.GetProperty("backward_split_ms").ValueKind);
        var parts = train.GetProperty("backward_split_ms");
        Assert.Equal(split.WeightGradientsMs, parts.GetProperty("weight_gradients").GetDouble());
        Assert.Equal(split.DataGradientsMs, parts.GetProperty("data_gradients").GetDouble());
        Assert.Equal(
            ["recompute", "gate_and_batchnorm", "weight_gradients", "data_gradients", "channel_mlp"], parts.EnumerateObject().Select(p => p.Name));
        foreach (var (row, element) in results.Zip([eval, train]))
        {
            Assert.True(row.ConvolutionGigaFlops is null or > 0, $"{row.Mode}: {row.ConvolutionGigaFlops}");
            Assert.Equal(row.ConvolutionGigaFlops / peak, row.ConvolutionOfPeak);
            var rate = element.GetProperty("convolution_gflops");
            Assert.Equal(row.ConvolutionGigaFlops, rate.ValueKind == JsonValueKind.Null ? null : rate.GetDouble());
            var share = element.GetProperty("convolution_of_peak");
            Assert.Equal(row.ConvolutionOfPeak, share.ValueKind == JsonValueKind.Null ? null : share.GetDouble());
        }
    }
}
