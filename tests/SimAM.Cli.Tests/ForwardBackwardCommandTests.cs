using System;
using System.IO;
using SimAM.Cli.Npy;
using SimAM.Cli.Tests.Infrastructure;
using Xunit;

namespace SimAM.Cli.Tests;

/// <summary><c>simam forward</c> and <c>simam backward</c> end to end on temporary files, compared with the library.</summary>
public sealed class ForwardBackwardCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(new[] { 2, 3, 5, 7 })]
    [InlineData(new[] { 2, 3, 10 })]
    [InlineData(new[] { 1, 2, 3, 4, 5 })]
    [InlineData(new[] { 2, 4, 56, 56 })]
    public void Forward_float32_writes_exactly_what_the_engine_computes(int[] shape)
    {
        var x = TestData.Floats(Count(shape), seed: shape.Length, scale: 2f, offset: 0.5f);
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat32(x, shape));
        var output = _dir.File("y.npy");

        var result = Simam.Run("forward", "--input", input, "--output", output);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Stderr);
        var y = NpyReader.Read(output);
        Assert.Equal(NpyDType.Float32, y.DType);
        Assert.Equal(shape, y.Shape.ToArray());
        var expected = new float[x.Length];
        SimAm.Forward(x, expected, shape);
        Assert.Equal(expected, y.Float32);
    }

    [Fact]
    public void Forward_float64_keeps_the_dtype_and_uses_the_double_engine()
    {
        int[] shape = [2, 3, 9, 9];
        var x = TestData.Doubles(Count(shape), seed: 3);
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat64(x, shape));
        var output = _dir.File("y.npy");

        var result = Simam.Run("forward", "--input", input, "--output", output, "--lambda", "0.1");

        Assert.True(result.ExitCode == 0, result.ToString());
        var y = NpyReader.Read(output);
        Assert.Equal(NpyDType.Float64, y.DType);
        var expected = new double[x.Length];
        SimAm.Forward(x, expected, shape, 0.1);
        Assert.Equal(expected, y.Float64);
    }

    [Fact]
    public void Forward_output_has_the_header_numpy_writes()
    {
        int[] shape = [2, 3, 4];
        var x = TestData.Floats(24, seed: 1);
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat32(x, shape));
        var output = _dir.File("y.npy");

        Assert.Equal(0, Simam.Run("forward", "--input", input, "--output", output).ExitCode);

        // np.save(np.zeros((2, 3, 4), np.float32)) starts with these 128 bytes.
        var expectedHeader = NpyBytes.OfFloats(new float[24], "(2, 3, 4)").AsSpan(0, 128).ToArray();
        var bytes = File.ReadAllBytes(output);
        Assert.Equal(128 + (24 * 4), bytes.Length);
        Assert.Equal(expectedHeader, bytes.AsSpan(0, 128).ToArray());
    }

    [Fact]
    public void Forward_with_lambda_and_threads_matches_the_engine_with_those_settings()
    {
        int[] shape = [4, 8, 12, 12];
        var x = TestData.Floats(Count(shape), seed: 9);
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat32(x, shape));
        var output = _dir.File("y.npy");

        var result = Simam.Run("forward", "--input", input, "--output", output, "--lambda", "0.1", "--threads", "1");

        Assert.True(result.ExitCode == 0, result.ToString());
        var expected = new float[x.Length];
        SimAm.Forward(x, expected, shape, 0.1f);
        Assert.Equal(expected, NpyReader.Read(output).Float32);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Backward_writes_exactly_what_the_engine_computes(bool doublePrecision)
    {
        int[] shape = [2, 3, 7, 7];
        var count = Count(shape);
        var x = TestData.Floats(count, seed: 5);
        var g = TestData.Floats(count, seed: 6);
        var input = _dir.WriteNpy("x.npy", doublePrecision ? NpyArray.FromFloat64(Array.ConvertAll(x, v => (double)v), shape) : NpyArray.FromFloat32(x, shape));
        var grad = _dir.WriteNpy("g.npy", doublePrecision ? NpyArray.FromFloat64(Array.ConvertAll(g, v => (double)v), shape) : NpyArray.FromFloat32(g, shape));
        var output = _dir.File("dx.npy");

        var result = Simam.Run("backward", "--input", input, "--grad-output", grad, "--output", output);

        Assert.True(result.ExitCode == 0, result.ToString());
        var dx = NpyReader.Read(output);
        if (doublePrecision)
        {
            var expected = new double[count];
            // λ = 1e-4 exactly: the engine's double overloads default to (double)1e-4f, the CLI parses --lambda as a double.
            SimAm.Backward(Array.ConvertAll(x, v => (double)v), Array.ConvertAll(g, v => (double)v), expected, shape, 1e-4);
            Assert.Equal(expected, dx.Float64);
        }
        else
        {
            var expected = new float[count];
            SimAm.Backward(x, g, expected, shape);
            Assert.Equal(expected, dx.Float32);
        }
    }

    [Fact]
    public void Backward_refuses_a_gradient_of_another_shape()
    {
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat32(new float[24], [2, 3, 4]));
        var grad = _dir.WriteNpy("g.npy", NpyArray.FromFloat32(new float[24], [2, 4, 3]));

        var result = Simam.Run("backward", "--input", input, "--grad-output", grad, "--output", _dir.File("dx.npy"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([$"error: {grad}: shape (2, 4, 3) does not match {input}'s (2, 3, 4)"], result.ErrorLines);
        Assert.False(File.Exists(_dir.File("dx.npy")));
    }

    [Fact]
    public void Backward_refuses_a_gradient_of_another_dtype()
    {
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat32(new float[24], [2, 3, 4]));
        var grad = _dir.WriteNpy("g.npy", NpyArray.FromFloat64(new double[24], [2, 3, 4]));

        var result = Simam.Run("backward", "--input", input, "--grad-output", grad, "--output", _dir.File("dx.npy"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([$"error: {grad}: dtype '<f8' does not match {input}'s '<f4'"], result.ErrorLines);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1e-50")] // rounds to 0 as a float32
    public void A_lambda_the_engine_rejects_is_a_one_line_error(string lambda)
    {
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat32(TestData.Floats(24, 1), [2, 3, 4]));

        var result = Simam.Run("forward", "--input", input, "--output", _dir.File("y.npy"), "--lambda", lambda);

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: lambda must be finite and greater than zero", line, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Spatial_size_one_is_the_engines_one_line_error_naming_the_file()
    {
        var input = _dir.WriteNpy("x.npy", NpyArray.FromFloat32(new float[6], [2, 3, 1]));

        var result = Simam.Run("forward", "--input", input, "--output", _dir.File("y.npy"));

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"error: {input}: shape [2, 3, 1] has spatial size 1", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_input_file_is_named()
    {
        var input = _dir.File("missing.npy");

        var result = Simam.Run("forward", "--input", input, "--output", _dir.File("y.npy"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([$"error: {input}: no such file or directory"], result.ErrorLines);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    public void Threads_below_one_are_a_usage_error(string threads)
    {
        var result = Simam.Run("forward", "--input", "x.npy", "--output", "y.npy", "--threads", threads);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"error: --threads must be 1 or more; got {threads}.", result.ErrorLines);
    }

    [Fact]
    public void Missing_required_options_are_a_usage_error_with_a_pointer_to_help()
    {
        var result = Simam.Run("backward", "--input", "x.npy");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: Option '--grad-output' is required.", result.ErrorLines);
        Assert.Contains("error: Option '--output' is required.", result.ErrorLines);
        Assert.Equal("Run 'simam backward --help' for usage.", result.ErrorLines[^1]);
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
}
