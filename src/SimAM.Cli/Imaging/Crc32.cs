using System;

namespace SimAM.Cli.Imaging;

/// <summary>
/// CRC-32 as PNG (and zlib's crc32, and Ethernet) define it: polynomial 0xEDB88320 (reflected), initial
/// value and final XOR 0xFFFFFFFF. Hand-rolled because System.IO.Hashing is not a dependency here.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] s_table = CreateTable();

    /// <summary>Computes the CRC of <paramref name="data"/>.</summary>
    /// <param name="data">The bytes.</param>
    /// <returns>The checksum; "123456789" gives 0xCBF43926.</returns>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Extends a CRC computed over earlier bytes with more bytes.</summary>
    /// <param name="crc">The CRC of what came before (0 for nothing).</param>
    /// <param name="data">The next bytes.</param>
    /// <returns>The CRC of the concatenation.</returns>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var c = ~crc;
        foreach (var b in data)
        {
            c = s_table[(c ^ b) & 0xFF] ^ (c >> 8);
        }

        return ~c;
    }

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
