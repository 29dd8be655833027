using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace SimAM.Cli.Imaging;

/// <summary>
/// A minimal PNG encoder: 8-bit truecolour (colour type 2), no interlace, filter type 0 on every row,
/// one IDAT chunk compressed with <see cref="ZLibStream"/>. Enough for heatmaps; no image library needed.
/// </summary>
internal static class PngWriter
{
    /// <summary>Gets the eight bytes every PNG file starts with.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Encodes <paramref name="image"/> as a PNG into <paramref name="stream"/>.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="image">The picture.</param>
    public static void Write(Stream stream, RgbImage image)
    {
        stream.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], image.Height);
        header[8] = 8;  // bit depth
        header[9] = 2;  // colour type: RGB
        header[10] = 0; // compression: deflate
        header[11] = 0; // filter method: adaptive (every row here uses filter type 0, None)
        header[12] = 0; // no interlace
        WriteChunk(stream, "IHDR", header);

        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                for (var y = 0; y < image.Height; y++)
                {
                    zlib.WriteByte(0);
                    zlib.Write(image.Row(y));
                }
            }

            WriteChunk(stream, "IDAT", compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        }

        WriteChunk(stream, "IEND", []);
    }

    /// <summary>Encodes <paramref name="image"/> to a byte array.</summary>
    /// <param name="image">The picture.</param>
    /// <returns>The PNG file content.</returns>
    public static byte[] Encode(RgbImage image)
    {
        using var stream = new MemoryStream();
        Write(stream, image);
        return stream.ToArray();
    }

    private static void WriteChunk(Stream stream, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> field = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(field, data.Length);
        stream.Write(field);

        Span<byte> typeBytes = stackalloc byte[4];
        Encoding.ASCII.GetBytes(type, typeBytes);
        stream.Write(typeBytes);
        stream.Write(data);

        // The CRC covers the chunk type and data, not the length.
        BinaryPrimitives.WriteUInt32BigEndian(field, Crc32.Append(Crc32.Compute(typeBytes), data));
        stream.Write(field);
    }
}
