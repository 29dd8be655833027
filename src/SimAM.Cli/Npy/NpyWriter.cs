using System.IO;
using SimAM.Gam.IO;

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
    public static void WriteHeader(Stream stream, NpyHeader header) =>
        NpyFile.WriteHeader(stream, NpyHeader.ElementType(header.DType), header.Shape);

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
