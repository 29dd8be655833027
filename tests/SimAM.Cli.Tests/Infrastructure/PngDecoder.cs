using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Text;
using Xunit;

namespace SimAM.Cli.Tests.Infrastructure;

/// <summary>
/// Reads back the PNGs the tool writes, checking the container as it goes: signature, chunk order, every
/// CRC (with a bit-by-bit CRC-32, independent of the tool's table-driven one), IHDR fields, and the
/// inflated scanlines. Supports what the writer produces: 8-bit RGB, no interlace, filter type 0.
/// </summary>
public sealed class PngDecoder
{
    private readonly byte[] _pixels;

    private PngDecoder(int width, int height, byte[] pixels, IReadOnlyList<string> chunks)
    {
        Width = width;
        Height = height;
        _pixels = pixels;
        Chunks = chunks;
    }

    public int Width { get; }

    public int Height { get; }

    public IReadOnlyList<string> Chunks { get; }

    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            var i = ((y * Width) + x) * 3;
            return (_pixels[i], _pixels[i + 1], _pixels[i + 2]);
        }
    }

    public static PngDecoder Decode(byte[] png)
    {
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.Equal(signature, png[..8]);

        var chunks = new List<string>();
        using var idat = new MemoryStream();
        int width = 0, height = 0;
        var position = 8;
        while (position < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(position));
            var type = Encoding.ASCII.GetString(png, position + 4, 4);
            var data = png.AsSpan(position + 8, length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(position + 8 + length));
            Assert.True(BitwiseCrc32(png.AsSpan(position + 4, 4 + length)) == crc, $"CRC of chunk {type} does not match");
            chunks.Add(type);
            switch (type)
            {
                case "IHDR":
                    Assert.Equal(13, length);
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    Assert.Equal(8, data[8]);  // bit depth
                    Assert.Equal(2, data[9]);  // RGB
                    Assert.Equal(0, data[10]); // deflate
                    Assert.Equal(0, data[11]); // adaptive filtering
                    Assert.Equal(0, data[12]); // no interlace
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                default:
                    break;
            }

            position += 12 + length;
        }

        Assert.Equal("IHDR", chunks[0]);
        Assert.Equal("IEND", chunks[^1]);
        Assert.Equal(png.Length, position);

        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        var raw = inflated.ToArray();
        var stride = (width * 3) + 1;
        Assert.Equal(height * stride, raw.Length);
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            Assert.Equal(0, raw[y * stride]); // filter type None on every row
            Array.Copy(raw, (y * stride) + 1, pixels, y * width * 3, width * 3);
        }

        return new PngDecoder(width, height, pixels, chunks);
    }

    /// <summary>CRC-32 (polynomial 0xEDB88320) one bit at a time, as in the PNG specification's annex.</summary>
    public static uint BitwiseCrc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
            }
        }

        return ~crc;
    }
}
