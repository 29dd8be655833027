using System;
using System.Diagnostics;
using System.IO;
using SimAM.Cli.Npy;
using SimAM.Cli.Tests.Infrastructure;
using Xunit;

namespace SimAM.Cli.Tests;

/// <summary>The real process, started as <c>dotnet SimAM.Cli.dll</c>: its exit codes, not just <c>Program.Run</c>'s return value.</summary>
public sealed class ProcessExitCodeTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_process_exits_0_on_success_and_1_on_a_bad_file()
    {
        var good = _dir.File("x.npy");
        File.WriteAllBytes(good, NpyWriter.ToBytes(NpyArray.FromFloat32(TestData.Floats(24, 1), [2, 3, 4])));
        var bad = _dir.File("bad.npy");
        File.WriteAllBytes(bad, NpyBytes.Build(NpyBytes.Dict(">f4", "(2, 3, 4)"), new byte[96]));

        var ok = Start("forward", "--input", good, "--output", _dir.File("y.npy"));
        var failed = Start("forward", "--input", bad, "--output", _dir.File("z.npy"));

        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.True(File.Exists(_dir.File("y.npy")));
        Assert.Equal(1, failed.ExitCode);
        Assert.Equal([$"error: {bad}: big-endian arrays are not supported (dtype '>f4'); save with x.astype('<f4')"], failed.ErrorLines);
        Assert.False(File.Exists(_dir.File("z.npy")));
    }

    private static CliResult Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(CliAssembly());
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "simam did not exit within 60 s");
        return new CliResult(process.ExitCode, stdout, stderr.Result);
    }

    /// <summary>SimAM.Cli.dll with its runtimeconfig: copied beside the tests, or in the CLI project's own output.</summary>
    private static string CliAssembly()
    {
        var local = Path.Combine(AppContext.BaseDirectory, "SimAM.Cli.dll");
        if (File.Exists(Path.ChangeExtension(local, ".runtimeconfig.json")))
        {
            return local;
        }

        // tests/SimAM.Cli.Tests/bin/<Configuration>/<tfm>/ → src/SimAM.Cli/bin/<Configuration>/<tfm>/SimAM.Cli.dll
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = tfm.Parent!;
        var root = configuration.Parent!.Parent!.Parent!.Parent!;
        var candidate = Path.Combine(root.FullName, "src", "SimAM.Cli", "bin", configuration.Name, tfm.Name, "SimAM.Cli.dll");
        Assert.True(File.Exists(candidate), $"SimAM.Cli.dll not found beside the tests nor at {candidate}");
        return candidate;
    }
}
