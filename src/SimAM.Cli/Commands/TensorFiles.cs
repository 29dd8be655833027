using System;
using System.Globalization;
using System.IO;
using SimAM.Cli.Npy;
using SimAM.Gam.IO;

namespace SimAM.Cli.Commands;

/// <summary>
/// File handling shared by the commands: read a tensor or fail with one line naming the file; write an
/// output all or nothing; refuse an output path that is one of the inputs.
/// </summary>
internal static class TensorFiles
{
    /// <summary>Reads a .npy tensor of shape [N, C, d1, ..., dk] (channels last: [N, d1, ..., dk, C]).</summary>
    /// <param name="path">The file.</param>
    /// <param name="rank">The exact rank required, or <see langword="null"/> for any rank of 3 or more.</param>
    /// <param name="layout">How the shape is read, for the message about a rank below 3.</param>
    /// <returns>The array.</returns>
    /// <exception cref="CliException">The file cannot be read, is not a supported .npy file, or has the wrong rank.</exception>
    public static NpyArray ReadTensor(string path, int? rank = null, SimAmLayout layout = SimAmLayout.ChannelsFirst)
    {
        NpyArray array;
        try
        {
            array = NpyReader.Read(path);
        }
        catch (Exception exception) when (CliException.ForFile(path, exception) is { } error)
        {
            throw error;
        }

        var shape = NpyHeader.FormatShape(array.Shape);
        if (rank is { } exact && array.Shape.Length != exact)
        {
            throw new CliException(
                $"{path}: expected a rank-{exact.ToString(CultureInfo.InvariantCulture)} tensor [N, C, H, W]; got shape {shape}");
        }

        if (array.Shape.Length < 3)
        {
            throw new CliException($"{path}: expected a tensor of shape {EngineChoice.ShapePattern(layout)} (rank 3 or more); got shape {shape}");
        }

        return array;
    }

    /// <summary>Writes a .npy file all or nothing.</summary>
    /// <param name="path">The target.</param>
    /// <param name="array">The array.</param>
    /// <exception cref="CliException">The file cannot be written.</exception>
    public static void WriteNpy(string path, NpyArray array) => Write(path, stream => NpyWriter.Write(stream, array));

    /// <summary>Writes any output file all or nothing (see <see cref="AtomicFile"/>).</summary>
    /// <param name="path">The target.</param>
    /// <param name="write">Writes the content.</param>
    /// <exception cref="CliException">The file cannot be written.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        try
        {
            AtomicFile.Write(path, write);
        }
        catch (Exception exception) when (CliException.ForFile(path, exception) is { } error)
        {
            throw error;
        }
    }

    /// <summary>Fails at once when the folder of an output file does not exist: before minutes of measuring, not after.</summary>
    /// <param name="path">The output path, or <see langword="null"/> when there is none.</param>
    /// <exception cref="CliException">The folder does not exist.</exception>
    public static void EnsureDirectoryExists(string? path)
    {
        if (path is not null && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(path))))
        {
            throw new CliException($"{path}: no such directory");
        }
    }

    /// <summary>Refuses an output path that names one of the inputs: an input is never overwritten.</summary>
    /// <param name="output">The output path.</param>
    /// <param name="inputs">The input paths.</param>
    /// <exception cref="CliException">The output is one of the inputs.</exception>
    public static void EnsureNotAnInput(string output, params ReadOnlySpan<string> inputs)
    {
        foreach (var input in inputs)
        {
            if (AtomicFile.SameFile(output, input))
            {
                throw new CliException($"{output}: --output is also an input file; refusing to overwrite an input");
            }
        }
    }
}
