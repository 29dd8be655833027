using System;
using System.IO;
using System.Text;

namespace SimAM.Cli.Npy;

/// <summary>
/// Reads .npy files (format versions 1.0, 2.0 and 3.0) holding a C-ordered little-endian float32 or
/// float64 array. Anything else — a truncated or malformed file, big-endian data, Fortran order, object
/// or other dtypes, trailing bytes — is an <see cref="NpyFormatException"/> that names the problem.
/// </summary>
internal static class NpyReader
{
    /// <summary>The six bytes every .npy file starts with.</summary>
    public static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>
    /// The longest header accepted. numpy itself refuses headers over 10,000 bytes by default; a little more
    /// room costs nothing, and a bound keeps a corrupt length field from allocating gigabytes.
    /// </summary>
    public const int MaxHeaderLength = 1 << 16;

    private static readonly Encoding s_strictUtf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);

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
    public static NpyHeader ReadHeader(Stream stream)
    {
        Span<byte> preamble = stackalloc byte[12];
        var read = stream.ReadAtLeast(preamble[..8], 8, throwOnEndOfStream: false);
        if (read < Magic.Length || !preamble[..Magic.Length].SequenceEqual(Magic))
        {
            throw new NpyFormatException("not a .npy file (it does not start with the \\x93NUMPY magic string)");
        }

        if (read < 8)
        {
            throw new NpyFormatException("file is truncated inside the .npy preamble");
        }

        var major = preamble[6];
        var minor = preamble[7];
        if (major is < 1 or > 3 || minor != 0)
        {
            throw new NpyFormatException($"unsupported .npy format version {major}.{minor} (supported: 1.0, 2.0, 3.0)");
        }

        var lengthBytes = major == 1 ? 2 : 4;
        if (stream.ReadAtLeast(preamble.Slice(8, lengthBytes), lengthBytes, throwOnEndOfStream: false) < lengthBytes)
        {
            throw new NpyFormatException("file is truncated inside the .npy preamble");
        }

        var headerLength = major == 1
            ? preamble[8] | (preamble[9] << 8)
            : (long)(preamble[8] | (preamble[9] << 8) | (preamble[10] << 16)) | ((long)preamble[11] << 24);
        if (headerLength > MaxHeaderLength)
        {
            throw new NpyFormatException($"header length {headerLength} is larger than the {MaxHeaderLength} bytes accepted");
        }

        var headerBytes = new byte[headerLength];
        var got = stream.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false);
        if (got < headerBytes.Length)
        {
            throw new NpyFormatException($"file is truncated inside the header ({got} of {headerLength} bytes)");
        }

        string text;
        try
        {
            // Versions 1.0 and 2.0 store the header as latin-1, version 3.0 as UTF-8.
            text = major == 3 ? s_strictUtf8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        }
        catch (DecoderFallbackException exception)
        {
            throw new NpyFormatException("malformed header: it is not valid UTF-8", exception);
        }

        return NpyHeader.Parse(text);
    }
}
