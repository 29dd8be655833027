using System;
using System.IO;
using SimAM.Gam.IO;

namespace SimAM.Cli.Npy;

/// <summary>
/// Reads .npy files (format versions 1.0, 2.0 and 3.0) holding a C-ordered little-endian float32 or
/// float64 array. Anything else — a truncated or malformed file, big-endian data, Fortran order, object
/// or other dtypes, trailing bytes — is an <see cref="NpyFormatException"/> that names the problem.
/// </summary>
internal static class NpyReader
{
    /// <summary>The element types the CLI takes, in the order its messages list them.</summary>
    private static readonly TensorElementType[] s_accepted = [TensorElementType.Float32, TensorElementType.Float64];

    /// <summary>Reads a .npy file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The array.</returns>
    /// <exception cref="NpyFormatException">The file is not a .npy file SimAM can take.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static NpyArray Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Read(stream);
    }

    /// <summary>Reads a .npy array from the current position to the end of <paramref name="stream"/>.</summary>
    /// <param name="stream">A readable stream.</param>
    /// <returns>The array.</returns>
    /// <exception cref="NpyFormatException">The content is not a .npy array SimAM can take.</exception>
    /// <exception cref="IOException">The stream cannot be read.</exception>
    public static NpyArray Read(Stream stream)
    {
        if (!stream.CanSeek)
        {
            // The length check below needs to know how much follows the header.
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            return Read(copy);
        }

        var header = ReadHeader(stream);
        var array = NpyArray.Allocate(header);
        var expected = (long)header.ElementCount * header.ItemSize;
        var available = stream.Length - stream.Position;
        if (available < expected)
        {
            throw new NpyFormatException(
                $"file is truncated: shape {NpyHeader.FormatShape(header.Shape)} needs {expected} bytes of data, found {available}");
        }

        if (available > expected)
        {
            throw new NpyFormatException(
                $"unexpected {available - expected} bytes after the data of shape {NpyHeader.FormatShape(header.Shape)}");
        }

        stream.ReadExactly(array.Bytes);
        if (!BitConverter.IsLittleEndian)
        {
            throw new NpyFormatException("this machine is big-endian; only little-endian hosts are supported");
        }

        return array;
    }

    /// <summary>Reads the magic string, version, header length and header of a .npy stream, leaving it at the data.</summary>
    /// <param name="stream">A readable stream at the start of a .npy file.</param>
    /// <returns>The checked header.</returns>
    /// <exception cref="NpyFormatException">The preamble or header is invalid or unsupported.</exception>
    /// <exception cref="IOException">The stream cannot be read.</exception>
    public static NpyHeader ReadHeader(Stream stream)
    {
        int[] shape;
        TensorElementType type;
        try
        {
            shape = NpyFile.ReadHeader(stream, s_accepted, out type, out _);
        }
        catch (InvalidDataException exception)
        {
            // The shared reader's messages are the CLI's: one line naming the problem.
            throw new NpyFormatException(exception.Message, exception);
        }

        return NpyHeader.Create(type == TensorElementType.Float32 ? NpyDType.Float32 : NpyDType.Float64, shape);
    }
}
