using System;
using System.IO;
using Spectre.Console;

namespace SimAM.Cli.Commands;

/// <summary>Where one invocation writes, and the error policy every command runs under.</summary>
/// <param name="stdout">Results, tables and help.</param>
/// <param name="stderr">Error lines.</param>
/// <param name="isTerminal">Whether <paramref name="stdout"/> is an interactive terminal.</param>
internal sealed class CliContext(TextWriter stdout, TextWriter stderr, bool isTerminal)
{
    /// <summary>Gets the writer for results, tables and help.</summary>
    public TextWriter Out { get; } = stdout;

    /// <summary>Gets the writer for error lines.</summary>
    public TextWriter Error { get; } = stderr;

    /// <summary>Gets a value indicating whether <see cref="Out"/> is an interactive terminal: live progress and colour only then.</summary>
    public bool IsTerminal { get; } = isTerminal;

    /// <summary>
    /// Creates a Spectre console over <see cref="Out"/>: ANSI and colour on a terminal; plain text, no
    /// live display and a fixed width when redirected (so logs and tests see stable text).
    /// </summary>
    /// <returns>The console.</returns>
    public IAnsiConsole CreateConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Out),
            Ansi = IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = IsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = IsTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!IsTerminal)
        {
            console.Profile.Width = 160;
        }

        return console;
    }

    /// <summary>
    /// Runs a command line under the tool's error policy: a <see cref="CliException"/> becomes one
    /// <c>error:</c> line and exit code 1; anything else is a bug, one line and exit code 2. Never a stack trace.
    /// </summary>
    /// <param name="body">The invocation of the parsed command.</param>
    /// <returns>The exit code.</returns>
    public int Execute(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (CliException exception)
        {
            Error.WriteLine($"error: {exception.Message}");
            return ExitCodes.BadInput;
        }
#pragma warning disable CA1031 // The last line of defence: whatever escapes is reported in one line with exit code 2.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Error.WriteLine($"error: internal error ({exception.GetType().Name}): {CliException.OneLine(exception.Message)}");
            return ExitCodes.InternalError;
        }
    }
}
