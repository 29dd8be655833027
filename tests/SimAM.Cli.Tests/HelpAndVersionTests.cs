using System;
using SimAM.Cli.Tests.Infrastructure;
using Xunit;

namespace SimAM.Cli.Tests;

public class HelpAndVersionTests
{
    [Theory]
    [InlineData("forward", "simam forward --input x.npy --output y.npy")]
    [InlineData("backward", "simam backward --input x.npy --grad-output g.npy --output dx.npy")]
    [InlineData("bench", "simam bench --quick")]
    [InlineData("heatmap", "simam heatmap --demo --output map.png")]
    [InlineData("selftest", "simam selftest")]
    [InlineData("gam forward", "simam gam forward --weights gam.safetensors --input x.npy --output y.npy")]
    [InlineData("gam backward", "simam gam backward --weights gam.safetensors --input x.npy --grad-output g.npy --output dx.npy")]
    [InlineData("gam init", "simam gam init --channels 64")]
    [InlineData("gam bench", "simam gam bench --quick")]
    public void Every_command_has_help_with_an_example(string command, string example)
    {
        var result = Simam.Run([.. command.Split(' '), "--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Stderr);
        Assert.Contains($"simam {command} [options]", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Example: ", result.Stdout, StringComparison.Ordinal);
        Assert.Contains(example, result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_root_help_lists_every_command()
    {
        var result = Simam.Run("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("simam [command] [options]", result.Stdout, StringComparison.Ordinal);
        foreach (var command in new[] { "forward", "backward", "bench", "heatmap", "selftest" })
        {
            Assert.Contains($"  {command} ", result.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Version_prints_the_tools_version()
    {
        var result = Simam.Run("--version");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Commands.SimamCommandLine.Version, result.Stdout.Trim());
        Assert.Matches(@"^\d+\.\d+\.\d+", result.Stdout);
    }

    [Theory]
    [InlineData(new[] { "frobnicate" }, "error: Unrecognized command or argument 'frobnicate'.")]
    [InlineData(new[] { "forward", "--input", "x.npy", "--output", "y.npy", "--lambda", "abc" }, "error: Cannot parse argument 'abc' for option '--lambda' as expected type 'System.Double'.")]
    [InlineData(new string[0], "error: Required command was not provided.")]
    public void Usage_errors_exit_with_code_1(string[] args, string expected)
    {
        var result = Simam.Run(args);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.ErrorLines);
        Assert.Empty(result.Stdout);
    }
}
