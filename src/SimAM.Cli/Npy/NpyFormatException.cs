using System;

namespace SimAM.Cli.Npy;

/// <summary>
/// The one exception the .npy reader throws for a file it cannot use: malformed, truncated, or a valid
/// .npy file of a kind SimAM does not take (big-endian, Fortran order, another dtype). The message names
/// the problem in one line, without the file name, so that the caller can prefix it.
/// </summary>
internal sealed class NpyFormatException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="NpyFormatException"/> class.</summary>
    public NpyFormatException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="NpyFormatException"/> class.</summary>
    /// <param name="message">The problem, one line.</param>
    public NpyFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="NpyFormatException"/> class.</summary>
    /// <param name="message">The problem, one line.</param>
    /// <param name="innerException">What the problem was found through.</param>
    public NpyFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
