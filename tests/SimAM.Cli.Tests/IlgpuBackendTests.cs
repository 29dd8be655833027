using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using SimAM.Cli.Npy;
using SimAM.Cli.Tests.Infrastructure;
using SimAM.Gpu;
using Xunit;

namespace SimAM.Cli.Tests;

/// <summary>
/// <c>--backend ilgpu</c> of forward, backward and bench, run on ILGPU's CPU accelerator (<c>--device cpu</c>, which
/// needs no GPU), and the GPU part of <c>simam selftest</c>.
/// </summary>
public sealed class IlgpuBackendTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Forward_and_backward_on_the_ILGPU_CPU_accelerator_match_the_CPU_engine_within_the_bounds()
    {
        int[] shape = [1, 3, 17, 19];
        const int PlaneSize = 17 * 19;
        var x = TestData.Floats(3 * PlaneSize, seed: 41, scale: 2f, offset: 0.25f);
        var g = TestData.Floats(3 * PlaneSize, seed: 42);
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat32(x, shape));
        var grad = _dir.WriteNpy("g.npy", NpyArray.FromFloat32(g, shape));
        var output = _dir.File("y.npy");
        var gradInput = _dir.File("dx.npy");

        var forward = Simam.Run("forward", "--input", input, "--output", output, "--backend", "ilgpu", "--device", "cpu");
        var backward = Simam.Run("backward", "--input", input, "--grad-output", grad, "--output", gradInput, "--backend", "ILGPU", "--device", "CPU", "--lambda", "0.1");

        Assert.True(forward.ExitCode == 0, forward.ToString());
        Assert.True(backward.ExitCode == 0, backward.ToString());
        var y = NpyReader.Read(output).Float32;
        var dx = NpyReader.Read(gradInput).Float32;
        var cpuY = new float[x.Length];
        var cpuDx = new float[x.Length];
        SimAm.Forward(x, cpuY, shape);
        SimAm.Backward(x, g, cpuDx, shape, 0.1f);

        // Each is within the bound of the float64 formula (per plane), so they are within twice it of each other.
        for (var plane = 0; plane < 3; plane++)
        {
            var range = new Range(plane * PlaneSize, (plane + 1) * PlaneSize);
            Assert.True(MaxDifference(y.AsSpan(range), cpuY.AsSpan(range)) <= 4e-7 * MaxAbs(x.AsSpan(range)), $"forward plane {plane}");
            Assert.True(MaxDifference(dx.AsSpan(range), cpuDx.AsSpan(range)) <= 2e-6 * MaxAbs(cpuDx.AsSpan(range)) * (1 + 1e-6), $"backward plane {plane}");
        }
    }

    [Theory]
    [InlineData("forward", new[] { "--layout", "nhwc" }, "error: --backend ilgpu supports --layout nchw only (its kernels are channels-first); use --backend cpu for --layout nhwc")]
    [InlineData("backward", new[] { "--variant", "exact" }, "error: --backend ilgpu supports --variant fast only; use --backend cpu for --variant exact")]
    [InlineData("forward", new[] { "--threads", "2" }, "error: --threads caps the CPU engine's threads; it does not apply to --backend ilgpu")]
    public void What_the_ILGPU_backend_cannot_run_is_one_error_line_before_the_device_starts(string command, string[] options, string expected)
    {
        string[] files = command == "backward"
            ? ["--input", _dir.File("missing.npy"), "--grad-output", _dir.File("g.npy"), "--output", _dir.File("out.npy")]
            : ["--input", _dir.File("missing.npy"), "--output", _dir.File("out.npy")];
        var result = Simam.Run([command, .. files, "--backend", "ilgpu", .. options]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([expected], result.ErrorLines);
    }

    [Fact]
    public void Without_a_GPU_the_default_ILGPU_device_is_one_error_line_that_names_the_CPU_accelerator()
    {
        if (IlgpuBackend.IsGpuAvailable(out _))
        {
            return; // A machine with a GPU runs there instead.
        }

        int[] shape = [1, 2, 8];
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat32(TestData.Floats(16, seed: 43), shape));

        var result = Simam.Run("forward", "--input", input, "--output", _dir.File("y.npy"), "--backend", "ilgpu");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: ILGPU backend unavailable: no CUDA or OpenCL device that ILGPU accepts", line, StringComparison.Ordinal);
        Assert.Contains("device 'cpu'", line, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.File("y.npy")));
    }

    [Fact]
    public void Bench_on_ILGPU_times_device_resident_tensors_against_the_device_floors_and_the_CPU_engine()
    {
        var json = _dir.File("bench.json");

        var result = Simam.Run("bench", "--quick", "--shape", "1,4,16,16", "--backend", "ilgpu", "--device", "cpu", "--json", json);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("SimAM: backend ilgpu (Cpu: cpu)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("vs CPU fwd", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("measured on the same device", result.Stdout, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal("device", document.RootElement.GetProperty("floors").GetString());
        var first = document.RootElement.GetProperty("results")[0];
        foreach (var name in new[] { "forwardMs", "backwardMs", "memcpyMs", "threeStreamMs", "engineForwardMs", "engineBackwardMs", "speedupOverEngineForward" })
        {
            Assert.True(first.GetProperty(name).GetDouble() > 0, name);
        }
    }

    [Fact]
    public void Selftest_lists_the_GPU_backends_and_checks_the_ILGPU_CPU_accelerator()
    {
        var result = Simam.Run("selftest", "--seed", "7", "--shapes", "1");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("GPU backends:", lines);
        Assert.Contains(lines, line => line.StartsWith("  opencl: ", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("  ilgpu: Cpu: cpu", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("PASS  ilgpu cpu ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.StartsWith("FAIL", StringComparison.Ordinal));

        var cpuOnly = Simam.Run("selftest", "--seed", "7", "--shapes", "1", "--no-gpu");
        Assert.True(cpuOnly.ExitCode == 0, cpuOnly.ToString());
        Assert.DoesNotContain("GPU backends:", cpuOnly.Stdout, StringComparison.Ordinal);
        Assert.Equal(SimAmKernels.Supported.Count + 1, cpuOnly.Stdout.Split('\n').Count(l => l.StartsWith("PASS", StringComparison.Ordinal)));
    }

    private static double MaxAbs(ReadOnlySpan<float> values)
    {
        var max = 0.0;
        foreach (var v in values)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }

    private static double MaxDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var max = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }
}
