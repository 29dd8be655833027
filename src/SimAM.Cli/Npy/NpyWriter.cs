using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;

namespace SimAM.Cli.Npy;

/// <summary>Writes .npy files the way <c>numpy.save</c> does: format 1.0 (2.0 if the header needs it), 64-byte aligned, C order.</summary>
internal static class NpyWriter
{
    /// <summary>Writes <paramref name="array"/> to <paramref name="stream"/>.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="array">The array.</param>
    public static void Write(Stream stream, NpyArray array)
    {
        WriteHeader(stream, array.Header);
        stream.Write(array.Bytes);
    }

    /// <summary>Writes the magic string, version, length field and padded header.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="header">The dtype and shape.</param>
    public static void WriteHeader(Stream stream, NpyHeader header)
    {
        var text = header.Format(10);
        var major = 1;
        if (text.Length > ushort.MaxValue)
        {
            text = header.Format(12);
            major = 2;
        }

        var bytes = Encoding.ASCII.GetBytes(text);
        Span<byte> preamble = stackalloc byte[12];
        NpyReader.Magic.CopyTo(preamble);
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

    /// <summary>Serialises <paramref name="array"/> to a byte array (tests and small files).</summary>
    /// <param name="array">The array.</param>
    /// <returns>The .npy file content.</returns>
    public static byte[] ToBytes(NpyArray array)
    {
        using var stream = new MemoryStream();
        Write(stream, array);
        return stream.ToArray();
    }
}
