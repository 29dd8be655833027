using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Xml.Linq;
using SimAM.Cli.Benchmarking;
using SimAM.Cli.Tests.Infrastructure;
using Xunit;

namespace SimAM.Cli.Tests;

public sealed class SelfTestAndBenchTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Selftest_passes_every_supported_kernel_path_with_a_line_each()
    {
        var result = Simam.Run("selftest", "--seed", "1234", "--shapes", "4");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("seed 1234", lines[0], StringComparison.Ordinal);

        // What the runtime reports, so that a NativeAOT binary built without AVX2 / AVX-512 shows why it has fewer paths.
        Assert.StartsWith($"instruction sets: {RuntimeInformation.ProcessArchitecture}", lines[1], StringComparison.Ordinal);
        Assert.Contains(" vectors accelerated: ", lines[1], StringComparison.Ordinal);
        Assert.Equal($"kernel paths: {string.Join(' ', SimAmKernels.Supported)}", lines[2]);
        foreach (var kernel in SimAmKernels.Supported)
        {
            Assert.Contains(lines, line => line.StartsWith("PASS", StringComparison.Ordinal) && line.Contains($" {kernel} ", StringComparison.Ordinal));
        }

        Assert.Contains(lines, line => line.StartsWith("PASS  float64", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.StartsWith("FAIL", StringComparison.Ordinal));
    }

    [Fact]
    public void Selftest_results_are_ratios_to_the_bounds()
    {
        var cases = SelfTest.SelfTestCase.Create(seed: 5, randomShapes: 2);
        var result = SelfTest.KernelSelfTest.CheckFloat(SimAmKernel.Scalar, cases);

        Assert.True(result.Passed);
        Assert.InRange(result.ForwardRatio, 0, 1);
        Assert.InRange(result.BackwardRatio, 0, 1);
    }

    [Fact]
    public void Bench_on_a_small_shape_prints_the_table_and_writes_json_and_svg()
    {
        var json = _dir.File("bench.json");
        var svg = _dir.File("bench.svg");

        var result = Simam.Run("bench", "--quick", "--shape", "2,8,16,16", "--shape", "1,4,100", "--json", json, "--svg", svg);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("| shape", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("| [2,8,16,16]", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("| [1,4,100]", result.Stdout, StringComparison.Ordinal);
        foreach (var column in new[] { "MB", "fwd ms", "x floor", "x memcpy", "bwd ms", "x 3-stream", "vs TP chain" })
        {
            Assert.Contains(column, result.Stdout, StringComparison.Ordinal);
        }

        Assert.Contains($"instruction sets: {RuntimeInformation.ProcessArchitecture}", result.Stdout, StringComparison.Ordinal);

        // Redirected output: plain progress lines, not a live display.
        Assert.Contains("[1/2] [2,8,16,16]:", result.Stderr, StringComparison.Ordinal);

        using var document = JsonDocument.Parse(File.ReadAllText(json));
        Assert.StartsWith(
            RuntimeInformation.ProcessArchitecture.ToString(),
            document.RootElement.GetProperty("environment").GetProperty("instructionSets").GetString(),
            StringComparison.Ordinal);
        var results = document.RootElement.GetProperty("results");
        Assert.Equal(2, results.GetArrayLength());
        var first = results[0];
        Assert.Equal([2, 8, 16, 16], first.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(2 * 8 * 16 * 16, first.GetProperty("elements").GetInt64());
        foreach (var name in new[] { "forwardMs", "backwardMs", "memcpyMs", "floorMs", "forwardOverFloor", "threeStreamMs", "tensorPrimitivesChainMs" })
        {
            Assert.True(first.GetProperty(name).GetDouble() > 0, name);
        }

        var chart = XDocument.Load(svg);
        Assert.Equal("svg", chart.Root!.Name.LocalName);
        Assert.Equal(2 * 5, chart.Descendants().Count(e => e.Name.LocalName == "rect" && e.Elements().Any(c => c.Name.LocalName == "title")));
    }

    [Fact]
    public void Bench_in_terminal_mode_prints_the_table_and_nothing_on_stderr()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exitCode = Program.Run(["bench", "--quick", "--shape", "1,4,8,8"], stdout, stderr, isTerminal: true);

        Assert.True(exitCode == 0, stderr.ToString());
        Assert.Contains("fwd ms", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("[1,4,8,", stdout.ToString(), StringComparison.Ordinal); // a StringWriter is 80 columns: the cell wraps
        Assert.Empty(stderr.ToString());
    }

    [Fact]
    public void Bench_rejects_a_bad_shape_before_measuring()
    {
        var result = Simam.Run("bench", "--shape", "2,8,x");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(["error: --shape '2,8,x': expected positive integers separated by commas, like 8,256,56,56"], result.ErrorLines);
    }

    [Fact]
    public void Bench_rejects_an_output_in_a_missing_directory_before_measuring()
    {
        var json = Path.Combine(_dir.Path, "missing", "b.json");

        var result = Simam.Run("bench", "--shape", "1,2,8", "--json", json);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([$"error: {json}: no such directory"], result.ErrorLines);
    }

    [Fact]
    public void Bench_result_ratios_follow_from_the_times()
    {
        var r = new BenchResult([1, 1, 1000], 1000, ForwardMs: 0.002, BackwardMs: 0.006, MemcpyMs: 0.001, FloorMs: 0.0008, ThreeStreamMs: 0.003, ChainMs: 0.01, ScalarMs: 0.05);

        Assert.Equal(4000, r.Bytes);
        Assert.Equal(2 * 4000 / (0.002 * 1e6), r.ForwardGBps, 12);
        Assert.Equal(3 * 4000 / (0.006 * 1e6), r.BackwardGBps, 12);
        Assert.Equal(2, r.ForwardOverMemcpy, 12);
        Assert.Equal(2.5, r.ForwardOverFloor, 12);
        Assert.Equal(2, r.BackwardOverThreeStream, 12);
        Assert.Equal(5, r.SpeedupOverChain, 12);
        Assert.Equal(25, r.SpeedupOverScalar, 12);
    }

    [Fact]
    public void The_scalar_port_computes_SimAM()
    {
        int[] shape = [3, 5, 37];
        var x = TestData.Floats(3 * 5 * 37, seed: 12);
        var expected = new float[x.Length];
        var scalar = new float[x.Length];
        SimAm.Forward(x, expected, shape);

        Baselines.ScalarPort(x, scalar, 37, SimAm.DefaultLambda);

        for (var i = 0; i < x.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - scalar[i]) <= 1e-5f, $"element {i}: engine {expected[i]}, scalar port {scalar[i]}");
        }
    }

    [Fact]
    public void The_TensorPrimitives_chain_computes_SimAM()
    {
        int[] shape = [3, 5, 37];
        var x = TestData.Floats(3 * 5 * 37, seed: 11);
        var expected = new float[x.Length];
        var chain = new float[x.Length];
        SimAm.Forward(x, expected, shape);

        Baselines.TensorPrimitivesChain(x, chain, 37, SimAm.DefaultLambda, Baselines.CreateScratch(37));

        for (var i = 0; i < x.Length; i++)
        {
            Assert.Equal(expected[i], chain[i], 1e-5f);
        }
    }

    [Fact]
    public void The_quick_set_is_a_subset_of_the_standard_shapes()
    {
        Assert.InRange(BenchShapes.Quick.Count, 3, 4);
        Assert.All(BenchShapes.Quick, q => Assert.Contains(BenchShapes.Standard, s => s.SequenceEqual(q)));
    }
}
