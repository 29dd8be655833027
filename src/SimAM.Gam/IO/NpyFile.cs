using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;

namespace SimAM.Gam.IO;

/// <summary>
/// The preamble of a .npy file (format versions 1.0, 2.0 and 3.0): the magic string, the version, the header
/// length and the header text that <see cref="NpyHeaderText"/> parses. The data that follows is the caller's.
/// </summary>
internal static class NpyFile
{
    /// <summary>
    /// The longest header accepted. numpy itself refuses headers over 10,000 bytes by default; a little more
    /// room costs nothing, and a bound keeps a corrupt length field from allocating gigabytes.
    /// </summary>
    public const int MaxHeaderLength = 1 << 16;

    private static readonly Encoding s_strictUtf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);

    /// <summary>Gets the six bytes every .npy file starts with.</summary>
    public static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads the magic string, version, header length and header of a .npy stream, leaving it at the data.</summary>
    /// <param name="stream">A readable stream at the start of a .npy file; it need not be seekable.</param>
    /// <param name="accepted">The element types the caller takes, in the order its messages list them.</param>
    /// <param name="elementType">Receives the element type, one of <paramref name="accepted"/>.</param>
    /// <param name="dataOffset">Receives the number of bytes read: where the data starts.</param>
    /// <returns>The dimensions of a C-ordered little-endian array of at most <see cref="int.MaxValue"/> elements.</returns>
    /// <exception cref="InvalidDataException">The preamble or header is invalid, truncated, or describes an array the caller cannot take.</exception>
    /// <exception cref="IOException">The stream cannot be read.</exception>
    public static int[] ReadHeader(Stream stream, ReadOnlySpan<TensorElementType> accepted, out TensorElementType elementType, out int dataOffset)
    {
        Span<byte> preamble = stackalloc byte[12];
        var read = stream.ReadAtLeast(preamble[..8], 8, throwOnEndOfStream: false);
        if (read < Magic.Length || !preamble[..Magic.Length].SequenceEqual(Magic))
        {
            throw new InvalidDataException("not a .npy file (it does not start with the \\x93NUMPY magic string)");
        }

        if (read < 8)
        {
            throw new InvalidDataException("file is truncated inside the .npy preamble");
        }

        var major = preamble[6];
        var minor = preamble[7];
        if (major is < 1 or > 3 || minor != 0)
        {
            throw new InvalidDataException($"unsupported .npy format version {major}.{minor} (supported: 1.0, 2.0, 3.0)");
        }

        var lengthBytes = major == 1 ? 2 : 4;
        if (stream.ReadAtLeast(preamble.Slice(8, lengthBytes), lengthBytes, throwOnEndOfStream: false) < lengthBytes)
        {
            throw new InvalidDataException("file is truncated inside the .npy preamble");
        }

        var headerLength = major == 1
            ? BinaryPrimitives.ReadUInt16LittleEndian(preamble[8..])
            : BinaryPrimitives.ReadUInt32LittleEndian(preamble[8..]);
        if (headerLength > MaxHeaderLength)
        {
            throw new InvalidDataException($"header length {headerLength} is larger than the {MaxHeaderLength} bytes accepted");
        }

        var headerBytes = new byte[headerLength];
        var got = stream.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false);
        if (got < headerBytes.Length)
        {
            throw new InvalidDataException($"file is truncated inside the header ({got} of {headerLength} bytes)");
        }

        string text;
        try
        {
            // Versions 1.0 and 2.0 store the header as latin-1, version 3.0 as UTF-8.
            text = major == 3 ? s_strictUtf8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        }
        catch (DecoderFallbackException exception)
        {
            throw new InvalidDataException("malformed header: it is not valid UTF-8", exception);
        }

        dataOffset = 8 + lengthBytes + headerBytes.Length;
        return NpyHeaderText.Parse(text, accepted, out elementType);
    }

    /// <summary>Writes the magic string, version, length field and padded header the way <c>numpy.save</c> does: format 1.0, or 2.0 if the header needs it.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="type">The element type (not <see cref="TensorElementType.BFloat16"/>).</param>
    /// <param name="shape">The dimensions, C order.</param>
    public static void WriteHeader(Stream stream, TensorElementType type, ReadOnlySpan<int> shape)
    {
        var text = NpyHeaderText.Format(type, shape, 10);
        var major = 1;
        if (text.Length > ushort.MaxValue)
        {
            text = NpyHeaderText.Format(type, shape, 12);
            major = 2;
        }

        var bytes = Encoding.ASCII.GetBytes(text);
        Span<byte> preamble = stackalloc byte[12];
        Magic.CopyTo(preamble);
        preamble[6] = (byte)major;
        preamble[7] = 0;
        if (major == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(preamble[8..], (ushort)bytes.Length);
            stream.Write(preamble[..10]);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(preamble[8..], (uint)bytes.Length);
            stream.Write(preamble);
        }

        stream.Write(bytes);
    }
}
