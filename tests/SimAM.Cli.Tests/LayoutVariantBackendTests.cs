using System;
using System.IO;
using SimAM.Cli.Npy;
using SimAM.Cli.Tests.Infrastructure;
using SimAM.Gpu;
using SimAM.Gpu.Tests;
using Xunit;

namespace SimAM.Cli.Tests;

/// <summary>
/// <c>--layout</c>, <c>--variant</c>, <c>--backend</c> and <c>--device</c> of <c>simam forward</c> and <c>simam backward</c>:
/// the CPU settings give exactly the library's result with the same options, the OpenCL backend agrees with the CPU
/// within the accuracy bounds, and every combination the tool does not run is one error line with exit code 1.
/// </summary>
public sealed class LayoutVariantBackendTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(new[] { 2, 5, 7, 3 })]      // [N, H, W, C]
    [InlineData(new[] { 3, 10, 16 })]       // [N, L, C]: a channel vector of 16
    [InlineData(new[] { 1, 2, 3, 4, 37 })]  // [N, D, H, W, C] with an odd channel count
    public void Forward_nhwc_writes_what_the_library_computes_channels_last(int[] shape)
    {
        var x = TestData.Floats(Count(shape), seed: 21, scale: 2f, offset: 0.5f);
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat32(x, shape));
        var output = _dir.File("y.npy");

        var result = Simam.Run("forward", "--input", input, "--output", output, "--layout", "nhwc");

        Assert.True(result.ExitCode == 0, result.ToString());
        var y = NpyReader.Read(output);
        Assert.Equal(shape, y.Shape.ToArray());
        var expected = new float[x.Length];
        SimAm.Forward(x, expected, shape, SimAm.DefaultLambda, new SimAmOptions { Layout = SimAmLayout.ChannelsLast });
        Assert.Equal(expected, y.Float32);

        // And it is not what the channels-first reading of the same file gives.
        var channelsFirst = new float[x.Length];
        SimAm.Forward(x, channelsFirst, shape);
        Assert.NotEqual(channelsFirst, y.Float32);
    }

    [Fact]
    public void Forward_nhwc_float64_uses_the_double_engine_channels_last()
    {
        int[] shape = [2, 6, 6, 5];
        var x = TestData.Doubles(Count(shape), seed: 22);
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat64(x, shape));
        var output = _dir.File("y.npy");

        var result = Simam.Run("forward", "--input", input, "--output", output, "--layout", "NHWC");

        Assert.True(result.ExitCode == 0, result.ToString());
        var expected = new double[x.Length];
        SimAm.Forward(x, expected, shape, 1e-4, new SimAmOptions { Layout = SimAmLayout.ChannelsLast });
        Assert.Equal(expected, NpyReader.Read(output).Float64);
    }

    [Fact]
    public void Backward_nhwc_writes_what_the_library_computes_channels_last()
    {
        int[] shape = [2, 7, 7, 6];
        var x = TestData.Floats(Count(shape), seed: 23);
        var g = TestData.Floats(Count(shape), seed: 24);
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat32(x, shape));
        var grad = _dir.WriteNpy("g.npy", NpyArray.FromFloat32(g, shape));
        var output = _dir.File("dx.npy");

        var result = Simam.Run("backward", "--input", input, "--grad-output", grad, "--output", output, "--layout", "nhwc", "--lambda", "0.1");

        Assert.True(result.ExitCode == 0, result.ToString());
        var expected = new float[x.Length];
        SimAm.Backward(x, g, expected, shape, 0.1f, new SimAmOptions { Layout = SimAmLayout.ChannelsLast });
        Assert.Equal(expected, NpyReader.Read(output).Float32);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Forward_exact_writes_what_the_library_computes_with_the_exact_variant(bool doublePrecision)
    {
        int[] shape = [2, 3, 9, 11];
        var x = TestData.Floats(Count(shape), seed: 25, scale: 3f);
        var input = _dir.WriteNpy("x.npy", doublePrecision ? NpyArray.FromFloat64(Array.ConvertAll(x, v => (double)v), shape) : NpyArray.FromFloat32(x, shape));
        var output = _dir.File("y.npy");

        var result = Simam.Run("forward", "--input", input, "--output", output, "--variant", "exact");

        Assert.True(result.ExitCode == 0, result.ToString());
        var exact = new SimAmOptions { Variant = SimAmVariant.Exact };
        if (doublePrecision)
        {
            var expected = new double[x.Length];
            SimAm.Forward(Array.ConvertAll(x, v => (double)v), expected, shape, 1e-4, exact);
            Assert.Equal(expected, NpyReader.Read(output).Float64);
        }
        else
        {
            var expected = new float[x.Length];
            SimAm.Forward(x, expected, shape, SimAm.DefaultLambda, exact);
            var y = NpyReader.Read(output).Float32;
            Assert.Equal(expected, y);

            var fast = new float[x.Length];
            SimAm.Forward(x, fast, shape);
            Assert.NotEqual(fast, y);
        }
    }

    [Fact]
    public void Backward_exact_and_nhwc_together_write_what_the_library_computes_with_both()
    {
        int[] shape = [2, 5, 5, 8];
        var x = TestData.Floats(Count(shape), seed: 26);
        var g = TestData.Floats(Count(shape), seed: 27);
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat32(x, shape));
        var grad = _dir.WriteNpy("g.npy", NpyArray.FromFloat32(g, shape));
        var output = _dir.File("dx.npy");

        var result = Simam.Run("backward", "--input", input, "--grad-output", grad, "--output", output, "--variant", "exact", "--layout", "nhwc", "--threads", "1");

        Assert.True(result.ExitCode == 0, result.ToString());
        var expected = new float[x.Length];
        var options = new SimAmOptions { Variant = SimAmVariant.Exact, Layout = SimAmLayout.ChannelsLast, MaxDegreeOfParallelism = 1 };
        SimAm.Backward(x, g, expected, shape, SimAm.DefaultLambda, options);
        Assert.Equal(expected, NpyReader.Read(output).Float32);
    }

    [Fact]
    public void A_rank_2_file_with_nhwc_names_the_channels_last_shape()
    {
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat32(new float[12], [3, 4]));

        var result = Simam.Run("forward", "--input", input, "--output", _dir.File("y.npy"), "--layout", "nhwc");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([$"error: {input}: expected a tensor of shape [N, spatial..., C] (rank 3 or more); got shape (3, 4)"], result.ErrorLines);
    }

    [Theory]
    [InlineData("forward", "--layout", "nwhc", "error: --layout 'nwhc': expected nchw or nhwc")]
    [InlineData("backward", "--layout", "chw", "error: --layout 'chw': expected nchw or nhwc")]
    [InlineData("forward", "--variant", "precise", "error: --variant 'precise': expected fast or exact")]
    [InlineData("backward", "--variant", "approx", "error: --variant 'approx': expected fast or exact")]
    [InlineData("forward", "--backend", "cuda", "error: --backend 'cuda': expected cpu, opencl or ilgpu")]
    [InlineData("forward", "--device", "gpu", "error: --device selects a GPU backend's device; it needs --backend opencl or ilgpu")]
    public void An_unknown_value_is_one_error_line_before_any_file_is_read(string command, string option, string value, string expected)
    {
        // The input does not exist: the option is checked first.
        var result = Run(command, _dir.File("missing.npy"), option, value);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([expected], result.ErrorLines);
        Assert.Empty(_dir.FileNames());
    }

    [Theory]
    [InlineData("forward", new[] { "--layout", "nhwc" }, "error: --backend opencl supports --layout nchw only (its kernels are channels-first); use --backend cpu for --layout nhwc")]
    [InlineData("backward", new[] { "--layout", "nhwc" }, "error: --backend opencl supports --layout nchw only (its kernels are channels-first); use --backend cpu for --layout nhwc")]
    [InlineData("forward", new[] { "--variant", "exact" }, "error: --backend opencl supports --variant fast only; use --backend cpu for --variant exact")]
    [InlineData("backward", new[] { "--variant", "exact" }, "error: --backend opencl supports --variant fast only; use --backend cpu for --variant exact")]
    [InlineData("forward", new[] { "--threads", "2" }, "error: --threads caps the CPU engine's threads; it does not apply to --backend opencl")]
    public void What_the_OpenCL_backend_cannot_run_is_one_error_line_before_the_device_starts(string command, string[] options, string expected)
    {
        var result = Run(command, _dir.File("missing.npy"), ["--backend", "opencl", .. options]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([expected], result.ErrorLines);
    }

    [Theory]
    [InlineData("forward")]
    [InlineData("backward")]
    public void Float64_input_with_the_OpenCL_backend_is_one_error_line_naming_the_file(string command)
    {
        int[] shape = [2, 3, 4];
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat64(TestData.Doubles(24, seed: 1), shape));
        _dir.WriteNpy("g.npy", NpyArray.FromFloat64(TestData.Doubles(24, seed: 2), shape));

        var result = Run(command, input, "--backend", "opencl");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([$"error: {input}: --backend opencl supports float32 only; got '<f8' (save x.astype('<f4') or use --backend cpu)"], result.ErrorLines);
        Assert.False(File.Exists(_dir.File("out.npy")));
    }

    [Theory]
    [InlineData("forward")]
    [InlineData("backward")]
    public void An_OpenCL_device_that_is_not_there_is_one_error_line_saying_why(string command)
    {
        // With a runtime, no device has this name; without one, the reason is the missing runtime: one line either way.
        int[] shape = [2, 3, 4];
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat32(TestData.Floats(24, seed: 1), shape));
        _dir.WriteNpy("g.npy", NpyArray.FromFloat32(TestData.Floats(24, seed: 2), shape));

        var result = Run(command, input, "--backend", "opencl", "--device", "no-such-device-7f3a");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: OpenCL backend unavailable: ", line, StringComparison.Ordinal);
        if (OpenClEnvironment.IsAvailable)
        {
            Assert.Contains("no OpenCL device name contains 'no-such-device-7f3a'", line, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(_dir.File("out.npy")));
    }

    [OpenClFact]
    public void Forward_on_OpenCL_matches_the_CPU_engine_within_the_bounds()
    {
        OpenClEnvironment.EnsureAvailable();
        int[] shape = [2, 3, 17, 19];
        const int PlaneSize = 17 * 19;
        var x = TestData.Floats(Count(shape), seed: 31, scale: 2f, offset: 0.25f);
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat32(x, shape));
        var output = _dir.File("y.npy");

        var result = Simam.Run("forward", "--input", input, "--output", output, "--backend", "opencl");

        Assert.True(result.ExitCode == 0, result.ToString());
        var y = NpyReader.Read(output);
        Assert.Equal(shape, y.Shape.ToArray());
        var cpu = new float[x.Length];
        SimAm.Forward(x, cpu, shape);

        // Each is within 2e-7·max|x| of the float64 formula (per plane), so they are within twice that of each other.
        for (var plane = 0; plane < 6; plane++)
        {
            var range = new Range(plane * PlaneSize, (plane + 1) * PlaneSize);
            var bound = 4e-7 * MaxAbs(x.AsSpan(range));
            var error = MaxDifference(y.Float32.AsSpan(range), cpu.AsSpan(range));
            Assert.True(error <= bound, $"plane {plane}: max|y - y_cpu| = {error:G3} > {bound:G3}");
        }
    }

    [OpenClFact]
    public void Backward_on_OpenCL_matches_the_CPU_engine_within_the_bounds()
    {
        OpenClEnvironment.EnsureAvailable();
        int[] shape = [2, 3, 300];
        const int PlaneSize = 300;
        var x = TestData.Floats(Count(shape), seed: 32, scale: 1f, offset: 3f);
        var g = TestData.Floats(Count(shape), seed: 33);
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat32(x, shape));
        var grad = _dir.WriteNpy("g.npy", NpyArray.FromFloat32(g, shape));
        var output = _dir.File("dx.npy");

        var result = Simam.Run("backward", "--input", input, "--grad-output", grad, "--output", output, "--backend", "opencl", "--lambda", "0.1");

        Assert.True(result.ExitCode == 0, result.ToString());
        var dx = NpyReader.Read(output).Float32;
        var cpu = new float[x.Length];
        SimAm.Backward(x, g, cpu, shape, 0.1f);

        // Each is within 1e-6·max|dx64| of the float64 gradient (per plane), so they are within twice that of each other.
        for (var plane = 0; plane < 6; plane++)
        {
            var range = new Range(plane * PlaneSize, (plane + 1) * PlaneSize);
            var bound = 2e-6 * MaxAbs(cpu.AsSpan(range)) * (1 + 1e-6);
            var error = MaxDifference(dx.AsSpan(range), cpu.AsSpan(range));
            Assert.True(error <= bound, $"plane {plane}: max|dx - dx_cpu| = {error:G3} > {bound:G3}");
        }
    }

    [OpenClFact]
    public void Selecting_the_OpenCL_device_by_part_of_its_name_works()
    {
        OpenClEnvironment.EnsureAvailable();
        var name = OpenClBackend.GetDevices()[0].Name;
        int[] shape = [1, 2, 8];
        var x = TestData.Floats(16, seed: 34);
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat32(x, shape));
        var output = _dir.File("y.npy");

        var result = Simam.Run("forward", "--input", input, "--output", output, "--backend", "OpenCL", "--device", name[..Math.Min(name.Length, 6)].ToUpperInvariant());

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(x.Length, NpyReader.Read(output).Float32.Length);
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
            var d = Math.Abs((double)a[i] - b[i]);
            max = double.IsNaN(d) ? double.PositiveInfinity : Math.Max(max, d);
        }

        return max;
    }

    private static int Count(int[] shape)
    {
        var count = 1;
        foreach (var d in shape)
        {
            count *= d;
        }

        return count;
    }

    /// <summary>Runs <paramref name="command"/> on <c>x.npy</c> (and <c>g.npy</c> for backward) in the temporary directory, writing <c>out.npy</c>.</summary>
    private CliResult Run(string command, string input, params string[] options)
    {
        string[] files = command == "backward"
            ? ["--input", input, "--grad-output", _dir.File("g.npy"), "--output", _dir.File("out.npy")]
            : ["--input", input, "--output", _dir.File("out.npy")];
        return Simam.Run([command, .. files, .. options]);
    }
}
