using System;
using System.Collections.Generic;
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
        var array = OnFile(path, () => NpyReader.Read(path));
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
    public static void Write(string path, Action<Stream> write) => WriteAll((path, write));

    /// <summary>
    /// Writes several output files all or none: each is written in full to a temporary file beside its target first, and
    /// only when every one is complete are they moved into place, in order. A file that cannot be created or written leaves
    /// every target as it was; only a failure of the final rename itself (which neither copies nor allocates) could leave
    /// the files before it in place.
    /// </summary>
    /// <param name="files">The targets and what writes each.</param>
    /// <exception cref="CliException">A file cannot be written.</exception>
    public static void WriteAll(params ReadOnlySpan<(string Path, Action<Stream> Write)> files)
    {
        var staged = new List<StagedFile>(files.Length);
        try
        {
            foreach (var (path, write) in files)
            {
                staged.Add(OnFile(path, () => AtomicFile.Stage(path, write)));
            }

            foreach (var file in staged)
            {
                OnFile(file.Path, () => file.Commit());
            }
        }
        finally
        {
            foreach (var file in staged)
            {
                file.Dispose();
            }
        }
    }

    /// <summary>
    /// Reads a tensor that must have the dtype and shape of another (a gradient of the output and the forward input),
    /// with the rank and layout rules of <see cref="ReadTensor"/>.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="like">The tensor it must match.</param>
    /// <param name="likePath">The file <paramref name="like"/> came from, for the message.</param>
    /// <param name="rank">The exact rank required, or <see langword="null"/> for any rank of 3 or more.</param>
    /// <param name="layout">How the shape is read, for the message about a rank below 3.</param>
    /// <returns>The array.</returns>
    /// <exception cref="CliException">The file cannot be read, or its dtype or shape differs from <paramref name="like"/>'s.</exception>
    public static NpyArray ReadMatching(string path, NpyArray like, string likePath, int? rank = null, SimAmLayout layout = SimAmLayout.ChannelsFirst)
    {
        var array = ReadTensor(path, rank, layout);
        if (array.DType != like.DType)
        {
            throw new CliException(
                $"{path}: dtype '{NpyHeader.Descr(array.DType)}' does not match {likePath}'s '{NpyHeader.Descr(like.DType)}'");
        }

        if (!array.Shape.SequenceEqual(like.Shape))
        {
            throw new CliException(
                $"{path}: shape {NpyHeader.FormatShape(array.Shape)} does not match {likePath}'s {NpyHeader.FormatShape(like.Shape)}");
        }

        return array;
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
    public static void EnsureNotAnInput(string output, params ReadOnlySpan<string> inputs) => EnsureOutputNotAnInput("--output", output, inputs);

    /// <summary>Refuses an output path, given with <paramref name="option"/>, that names one of the inputs.</summary>
    /// <param name="option">The option that names the output, for the message.</param>
    /// <param name="output">The output path.</param>
    /// <param name="inputs">The input paths.</param>
    /// <exception cref="CliException">The output is one of the inputs.</exception>
    public static void EnsureOutputNotAnInput(string option, string output, ReadOnlySpan<string> inputs)
    {
        foreach (var input in inputs)
        {
            if (AtomicFile.SameFile(output, input))
            {
                throw new CliException($"{output}: {option} is also an input file; refusing to overwrite an input");
            }
        }
    }

    /// <summary>Runs a read or write of <paramref name="path"/>, turning its failure into a one-line error naming the file.</summary>
    private static T OnFile<T>(string path, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception exception) when (CliException.ForFile(path, exception) is { } error)
        {
            throw error;
        }
    }

    private static void OnFile(string path, Action action) => OnFile(path, () =>
    {
        action();
        return true;
    });
}
