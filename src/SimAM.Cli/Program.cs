using System;
using System.IO;
using SimAM.Cli.Commands;

namespace SimAM.Cli;

/// <summary>The <c>simam</c> entry point.</summary>
internal static class Program
{
    /// <summary>Runs the tool on the process's console.</summary>
    /// <param name="args">The command line.</param>
    /// <returns>The exit code: see <see cref="ExitCodes"/>.</returns>
    public static int Main(string[] args) =>
        Run(args, Console.Out, Console.Error, isTerminal: !Console.IsOutputRedirected);

    /// <summary>
    /// Runs one command line in-process with the given writers: what <see cref="Main"/> does, and what the
    /// tests call so that they need not start a process.
    /// </summary>
    /// <param name="args">The command line.</param>
    /// <param name="stdout">Receives results, tables and help.</param>
    /// <param name="stderr">Receives one line per error.</param>
    /// <param name="isTerminal">Whether <paramref name="stdout"/> is an interactive terminal (enables live progress and colour).</param>
    /// <returns>The exit code: see <see cref="ExitCodes"/>.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool isTerminal = false)
    {
        var context = new CliContext(stdout, stderr, isTerminal);
        return SimamCommandLine.Invoke(args, context);
    }
}
