using System;
using System.IO;
using SimAM.Cli.Npy;
using SimAM.Cli.Tests.Infrastructure;
using Xunit;

namespace SimAM.Cli.Tests;

/// <summary>A failing command writes nothing: no output file, no temporary file, an existing output untouched, inputs never overwritten.</summary>
public sealed class OutputSafetyTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_failing_forward_leaves_no_output_file_and_no_temporary_file()
    {
        var input = _dir.File("x.npy");
        File.WriteAllBytes(input, NpyBytes.Build(NpyBytes.Dict("<f4", "(2, 3, 4)", "True"), new byte[96]));

        var result = Simam.Run("forward", "--input", input, "--output", _dir.File("y.npy"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(["x.npy"], _dir.FileNames());
    }

    [Fact]
    public void A_failing_forward_does_not_touch_an_existing_output_file()
    {
        var input = _dir.File("x.npy");
        var output = _dir.File("y.npy");
        File.WriteAllBytes(input, NpyBytes.OfFloats(new float[6], "(2, 3, 1)")); // spatial size 1: the engine refuses
        byte[] previous = [1, 2, 3, 4, 5];
        File.WriteAllBytes(output, previous);
        var stamp = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(output, stamp);

        var result = Simam.Run("forward", "--input", input, "--output", output);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(previous, File.ReadAllBytes(output));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(output));
        Assert.Equal(["x.npy", "y.npy"], _dir.FileNames());
    }

    [Fact]
    public void A_failing_backward_leaves_an_existing_output_as_it_was()
    {
        var input = _dir.File("x.npy");
        var grad = _dir.File("g.npy");
        var output = _dir.File("dx.npy");
        File.WriteAllBytes(input, NpyBytes.OfFloats(new float[24], "(2, 3, 4)"));
        File.WriteAllBytes(grad, NpyBytes.OfFloats(new float[24], "(2, 3, 4)")[..^4]); // truncated data
        File.WriteAllText(output, "keep me");

        var result = Simam.Run("backward", "--input", input, "--grad-output", grad, "--output", output);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("keep me", File.ReadAllText(output));
        Assert.Equal(["dx.npy", "g.npy", "x.npy"], _dir.FileNames());
    }

    [Fact]
    public void A_successful_forward_replaces_an_existing_output_and_leaves_no_temporary_file()
    {
        var input = _dir.File("x.npy");
        var output = _dir.File("y.npy");
        File.WriteAllBytes(input, NpyWriter.ToBytes(NpyArray.FromFloat32(TestData.Floats(24, 1), [2, 3, 4])));
        File.WriteAllText(output, "old");

        Assert.Equal(0, Simam.Run("forward", "--input", input, "--output", output).ExitCode);

        Assert.Equal([2, 3, 4], NpyReader.Read(output).Shape.ToArray());
        Assert.Equal(["x.npy", "y.npy"], _dir.FileNames());
    }

    [Theory]
    [InlineData("forward")]
    [InlineData("backward-input")]
    [InlineData("backward-grad")]
    [InlineData("heatmap")]
    public void An_output_path_naming_an_input_is_refused_and_the_input_is_kept(string command)
    {
        var x = _dir.File("x.npy");
        var g = _dir.File("g.npy");
        var original = NpyWriter.ToBytes(NpyArray.FromFloat32(TestData.Floats(64, 1), [1, 1, 8, 8]));
        File.WriteAllBytes(x, original);
        File.WriteAllBytes(g, original);
        var (args, target) = command switch
        {
            "forward" => (new[] { "forward", "--input", x, "--output", x }, x),
            "backward-input" => (new[] { "backward", "--input", x, "--grad-output", g, "--output", Path.Combine(_dir.Path, ".", "x.npy") }, x),
            "backward-grad" => (new[] { "backward", "--input", x, "--grad-output", g, "--output", g }, g),
            _ => (new[] { "heatmap", "--input", x, "--output", x }, x),
        };

        var result = Simam.Run(args);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([$"error: {args[^1]}: --output is also an input file; refusing to overwrite an input"], result.ErrorLines);
        Assert.Equal(original, File.ReadAllBytes(target));
    }

    [Fact]
    public void An_output_through_a_symbolic_link_to_the_input_is_refused()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // creating symbolic links needs extra rights there
        }

        var x = _dir.File("x.npy");
        var original = NpyWriter.ToBytes(NpyArray.FromFloat32(TestData.Floats(24, 1), [2, 3, 4]));
        File.WriteAllBytes(x, original);
        var link = _dir.File("link.npy");
        File.CreateSymbolicLink(link, x);

        var result = Simam.Run("forward", "--input", x, "--output", link);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(original, File.ReadAllBytes(x));
    }

    [Fact]
    public void An_output_in_a_missing_directory_is_a_one_line_error()
    {
        var input = _dir.File("x.npy");
        File.WriteAllBytes(input, NpyWriter.ToBytes(NpyArray.FromFloat32(TestData.Floats(24, 1), [2, 3, 4])));
        var output = Path.Combine(_dir.Path, "no-such-dir", "y.npy");

        var result = Simam.Run("forward", "--input", input, "--output", output);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([$"error: {output}: no such file or directory"], result.ErrorLines);
    }
}
