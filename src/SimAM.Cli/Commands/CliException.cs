using System;
using System.IO;
using SimAM.Cli.Npy;

namespace SimAM.Cli.Commands;

/// <summary>
/// A problem the user can fix (a bad file, a bad option): printed as one <c>error: ...</c> line with exit
/// code <see cref="ExitCodes.BadInput"/>, never as a stack trace.
/// </summary>
internal sealed class CliException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="CliException"/> class.</summary>
    public CliException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="CliException"/> class.</summary>
    /// <param name="message">The problem, one line.</param>
    public CliException(string message)
        : base(OneLine(message))
    {
    }

    /// <summary>Initializes a new instance of the <see cref="CliException"/> class.</summary>
    /// <param name="message">The problem, one line.</param>
    /// <param name="innerException">The exception that revealed it.</param>
    public CliException(string message, Exception innerException)
        : base(OneLine(message), innerException)
    {
    }

    /// <summary>
    /// Turns a failure to read or write <paramref name="path"/> into a one-line error naming the file, or
    /// returns <see langword="null"/> when <paramref name="exception"/> is not such a failure.
    /// </summary>
    /// <param name="path">The file as the user wrote it.</param>
    /// <param name="exception">What went wrong.</param>
    /// <returns>The error, or <see langword="null"/>.</returns>
    public static CliException? ForFile(string path, Exception exception) => exception switch
    {
        NpyFormatException => new CliException($"{path}: {exception.Message}", exception),
        FileNotFoundException or DirectoryNotFoundException => new CliException($"{path}: no such file or directory", exception),
        UnauthorizedAccessException => new CliException($"{path}: permission denied", exception),
        PathTooLongException => new CliException($"{path}: path is too long", exception),
        IOException => new CliException($"{path}: {exception.Message}", exception),
        _ => null,
    };

    /// <summary>
    /// Turns an engine <see cref="ArgumentException"/> into a one-line error: the engine's message without
    /// the "(Parameter 'x')" suffix, prefixed with the input file when the problem is the tensor's shape.
    /// </summary>
    /// <param name="inputPath">The input file the tensor came from.</param>
    /// <param name="exception">The engine's exception.</param>
    /// <returns>The error.</returns>
    public static CliException FromEngine(string inputPath, ArgumentException exception)
    {
        var message = exception.Message;
        if (exception.ParamName is { } name)
        {
            message = message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal);
        }

        return exception.ParamName == "shape"
            ? new CliException($"{inputPath}: {message}", exception)
            : new CliException(message, exception);
    }

    /// <summary>Joins the lines of a message into one.</summary>
    /// <param name="text">Any text.</param>
    /// <returns>The text with line breaks replaced by spaces.</returns>
    public static string OneLine(string text) =>
        text.Replace("\r\n", " ", StringComparison.Ordinal).Replace('\n', ' ').Replace('\r', ' ');
}
