using System;

namespace SimAM.Gam;

/// <summary>
/// The exception thrown for a weight file (safetensors or .npz) that cannot be loaded: malformed, truncated, or
/// holding tensors that are not the state of a GAM module. Nothing is loaded when it is thrown.
/// </summary>
/// <remarks>
/// The message is one line: the source (the file name, or the name given to a stream loader), the tensor where
/// one is involved, and the problem, for example
/// <c>gam.safetensors: spatial_attention.3.weight: has shape [8, 3, 7, 7]; C = 8, m = 2, out = 8, groups = 1 need [8, 2, 7, 7]</c>.
/// </remarks>
public sealed class GamWeightsFormatException : FormatException
{
    /// <summary>Initializes a new instance of the <see cref="GamWeightsFormatException"/> class.</summary>
    public GamWeightsFormatException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="GamWeightsFormatException"/> class.</summary>
    /// <param name="message">The problem, one line.</param>
    public GamWeightsFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="GamWeightsFormatException"/> class.</summary>
    /// <param name="message">The problem, one line.</param>
    /// <param name="innerException">What the problem was found through.</param>
    public GamWeightsFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="GamWeightsFormatException"/> class for a problem in a named source and tensor.</summary>
    /// <param name="sourceName">The file, or the name given to a stream loader.</param>
    /// <param name="tensorName">The <c>state_dict</c> name of the tensor at fault, or <see langword="null"/> when the problem is not one tensor's.</param>
    /// <param name="problem">The problem, one line.</param>
    /// <param name="innerException">What the problem was found through, or <see langword="null"/>.</param>
    public GamWeightsFormatException(string sourceName, string? tensorName, string problem, Exception? innerException = null)
        : base(Compose(sourceName, tensorName, problem), innerException)
    {
        SourceName = sourceName;
        TensorName = tensorName;
    }

    /// <summary>Gets the file, or the name given to a stream loader; <see langword="null"/> when not given.</summary>
    public string? SourceName { get; }

    /// <summary>Gets the <c>state_dict</c> name of the tensor at fault; <see langword="null"/> when the problem is not one tensor's (a broken header or archive).</summary>
    public string? TensorName { get; }

    /// <summary>Builds the one-line message; a name read from a hostile file is quoted printable and short.</summary>
    private static string Compose(string sourceName, string? tensorName, string problem) =>
        tensorName is null ? $"{sourceName}: {problem}" : $"{sourceName}: {IO.MessageText.Printable(tensorName, 200)}: {problem}";
}
