using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using SimAM.Cli.Benchmarking;
using SimAM.Cli.Tests.Infrastructure;
using SimAM.Gpu.Tests;
using Xunit;

namespace SimAM.Cli.Tests;

/// <summary><c>simam bench --layout</c>, <c>--dtype</c>, <c>--backend</c> and <c>--device</c>.</summary>
public sealed class BenchOptionsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Bench_float16_runs_and_counts_two_bytes_per_value()
    {
        var json = _dir.File("bench.json");

        var result = Simam.Run("bench", "--dtype", "float16", "--quick", "--shape", "1,4,16,16", "--json", json);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("; dtype float16", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("| [1,4,16,16]", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("float16: 2 bytes per value", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("float16: both floors move exactly the bytes of the float16 tensors", result.Stdout, StringComparison.Ordinal);

        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var root = document.RootElement;
        Assert.Equal("float16", root.GetProperty("dtype").GetString());
        Assert.Equal("float32", root.GetProperty("baselineDtype").GetString());
        Assert.Equal("nchw", root.GetProperty("layout").GetString());
        Assert.StartsWith("cpu (", root.GetProperty("backend").GetString(), StringComparison.Ordinal);
        var first = root.GetProperty("results")[0];
        Assert.Equal(4 * 16 * 16 * 2 / 1e6, first.GetProperty("megabytes").GetDouble(), 12);
        foreach (var name in new[] { "forwardMs", "backwardMs", "memcpyMs", "floorMs", "forwardOverFloor", "threeStreamMs", "tensorPrimitivesChainMs", "scalarPortMs" })
        {
            Assert.True(first.GetProperty(name).GetDouble() > 0, name);
        }
    }

    [Fact]
    public void Bench_nhwc_runs_each_shape_with_its_channels_last()
    {
        var result = Simam.Run("bench", "--layout", "nhwc", "--quick", "--shape", "2,8,16,16", "--shape", "1,4,100");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("layout nhwc (shapes [N, spatial..., C])", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("| [2,16,16,8]", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("| [1,100,4]", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("[1/2] [2,16,16,8]:", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_nhwc_float16_together_run()
    {
        var result = Simam.Run("bench", "--layout", "nhwc", "--dtype", "float16", "--quick", "--shape", "2,5,3,7");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("| [2,3,7,5]", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_header_names_the_CPU_backend_by_default()
    {
        var result = Simam.Run("bench", "--quick", "--shape", "1,2,8");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("SimAM: backend cpu (", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("; layout nchw; dtype float32", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--dtype", "float64" }, "error: --dtype 'float64': expected float32 or float16")]
    [InlineData(new[] { "--layout", "hwc" }, "error: --layout 'hwc': expected nchw or nhwc")]
    [InlineData(new[] { "--backend", "metal" }, "error: --backend 'metal': expected cpu, opencl or ilgpu")]
    [InlineData(new[] { "--device", "gpu" }, "error: --device selects a GPU backend's device; it needs --backend opencl or ilgpu")]
    [InlineData(new[] { "--backend", "opencl", "--layout", "nhwc" }, "error: --backend opencl supports --layout nchw only (its kernels are channels-first); use --backend cpu for --layout nhwc")]
    [InlineData(new[] { "--backend", "opencl", "--dtype", "float16" }, "error: --backend opencl supports --dtype float32 only; use --backend cpu for --dtype float16")]
    public void Bench_rejects_what_it_cannot_measure_in_one_line_before_measuring(string[] options, string expected)
    {
        var result = Simam.Run(["bench", "--quick", "--shape", "1,2,8", .. options]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([expected], result.ErrorLines);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public void Bench_on_an_OpenCL_device_that_is_not_there_is_one_error_line()
    {
        var result = Simam.Run("bench", "--quick", "--shape", "1,2,8", "--backend", "opencl", "--device", "no-such-device-7f3a");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: OpenCL backend unavailable: ", line, StringComparison.Ordinal);
    }

    [OpenClFact]
    public void Bench_on_OpenCL_names_the_backend_and_keeps_the_columns()
    {
        OpenClEnvironment.EnsureAvailable();

        var result = Simam.Run("bench", "--quick", "--shape", "1,4,16,16", "--backend", "opencl");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("SimAM: backend opencl (", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("fwd/bwd: ISimAmBackend.Forward/Backward of the backend named above", result.Stdout, StringComparison.Ordinal);
        foreach (var column in new[] { "fwd ms", "x floor", "x memcpy", "bwd ms", "x 3-stream", "vs TP chain" })
        {
            Assert.Contains(column, result.Stdout, StringComparison.Ordinal);
        }

        Assert.Contains("| [1,4,16,16]", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { 8, 256, 56, 56 }, new[] { 8, 56, 56, 256 })]
    [InlineData(new[] { 4, 32, 16, 32, 32 }, new[] { 4, 16, 32, 32, 32 })]
    [InlineData(new[] { 16, 128, 3136 }, new[] { 16, 3136, 128 })]
    public void A_channels_last_setup_moves_the_channel_dimension_last(int[] nchw, int[] nhwc)
    {
        var setup = new BenchSetup(SimAmLayout.ChannelsLast, BenchDType.Float32, null);

        Assert.Equal(nhwc, setup.EngineShape(nchw));
        Assert.Equal(nchw, BenchSetup.Default.EngineShape(nchw));
    }

    [Fact]
    public void Float16_results_count_two_bytes_per_value()
    {
        var r = new BenchResult([1, 1, 1000], 1000, ForwardMs: 0.002, BackwardMs: 0.006, MemcpyMs: 0.001, FloorMs: 0.0008, ThreeStreamMs: 0.003, ChainMs: 0.01, ScalarMs: 0.05, ElementSize: 2);

        Assert.Equal(2000, r.Bytes);
        Assert.Equal(2 * 2000 / (0.002 * 1e6), r.ForwardGBps, 12);
        Assert.Equal(3 * 2000 / (0.006 * 1e6), r.BackwardGBps, 12);
        Assert.Equal(2, r.ForwardOverMemcpy, 12);
        Assert.Equal(2.5, r.ForwardOverFloor, 12);
    }

    [Theory]
    [InlineData(1000, 4, 1000)]
    [InlineData(1000, 2, 500)]
    [InlineData(1001, 2, 501)] // 2002 bytes: whole floats round up by 2 bytes
    public void The_floors_move_the_bytes_of_the_measured_tensor(int elements, int elementSize, int floats)
    {
        Assert.Equal(floats, BenchRunner.FloorValues(elements, elementSize));
    }

    [Fact]
    public void A_float16_run_reports_the_float16_tensor()
    {
        var result = new BenchRunner(new Timing(0, 1, 1, 0), new BenchSetup(SimAmLayout.ChannelsFirst, BenchDType.Float16, null))
            .Run([1, 7, 143]);

        Assert.Equal(1001, result.Elements);
        Assert.Equal(2002, result.Bytes);
        Assert.Equal([1, 7, 143], result.Shape.ToArray());
    }
}
