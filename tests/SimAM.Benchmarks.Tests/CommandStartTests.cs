using System;
using System.IO;
using SimAM.Benchmarks.Gam;
using SimAM.Benchmarks.Paths;
using SimAM.Benchmarks.Peers;
using Xunit;

namespace SimAM.Benchmarks.Tests;

/// <summary>
/// The start the sub-commands share (<c>CommandArguments.Start</c>): --help prints the usage, and a bad argument or a --json
/// file in a folder that does not exist ends with exit code 2 before anything is loaded or measured. gam-compare and
/// simam-compare used to throw for the missing folder, after parsing, where simam-paths refused it.
/// </summary>
public class CommandStartTests
{
    public static TheoryData<string> Commands => ["gam-compare", "simam-compare", "simam-paths"];

    [Theory]
    [MemberData(nameof(Commands))]
    public void Help_prints_the_usage(string command)
    {
        var output = new StringWriter();
        Assert.Equal(0, Run(command, ["--help"], output));
        Assert.Contains($"usage: {command}", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void An_unknown_option_exits_with_2(string command)
    {
        var output = new StringWriter();
        Assert.Equal(2, Run(command, ["--no-such-option"], output));
        Assert.Empty(output.ToString());
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void A_json_file_in_a_missing_folder_exits_with_2_before_measuring(string command)
    {
        var output = new StringWriter();
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "results.json");
        Assert.Equal(2, Run(command, ["--json", path], output));
        Assert.Empty(output.ToString());
    }

    private static int Run(string command, string[] args, TextWriter output) => command switch
    {
        "gam-compare" => GamCompare.Run(args, output),
        "simam-compare" => SimAmCompare.Run(args, output),
        _ => SimAmPaths.Run(args, output),
    };
}
