using System;
using System.Buffers.Binary;
using System.IO;

namespace SimAM.Gam.Weights;

/// <summary>
/// Loads GAM weights from a safetensors file: 8 bytes of little-endian header length N, N bytes of JSON header
/// (<see cref="SafeTensorsHeader"/>), then the tensors' little-endian data.
/// </summary>
internal static class SafeTensorsReader
{
    /// <summary>Reads weights from the current position of <paramref name="stream"/> to its end.</summary>
    /// <param name="stream">A readable stream; a stream that cannot seek is first copied to memory.</param>
    /// <param name="sourceName">The file's name for messages.</param>
    /// <returns>The weights, complete and checked.</returns>
    /// <exception cref="GamWeightsFormatException">The content is not a safetensors file of a GAM module's state.</exception>
    /// <exception cref="IOException">The stream cannot be read.</exception>
    public static GamWeights Read(Stream stream, string sourceName)
    {
        if (!stream.CanSeek)
        {
            // Every length in the header is checked against the data's real size before anything is allocated.
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            return Read(copy, sourceName);
        }

        var available = stream.Length - stream.Position;
        Span<byte> lengthField = stackalloc byte[8];
        if (available < lengthField.Length || stream.ReadAtLeast(lengthField, lengthField.Length, throwOnEndOfStream: false) < lengthField.Length)
        {
            throw new GamWeightsFormatException(sourceName, null, $"is {Math.Max(available, 0)} bytes long; a safetensors file starts with an 8-byte header length");
        }

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthField);
        if (headerLength > SafeTensorsHeader.MaxLength)
        {
            throw new GamWeightsFormatException(
                sourceName, null, $"header length {headerLength} is larger than the {SafeTensorsHeader.MaxLength} bytes accepted (not a safetensors file?)");
        }

        if ((long)headerLength > available - lengthField.Length)
        {
            throw new GamWeightsFormatException(
                sourceName, null, $"header length {headerLength} runs past the end of the file ({available} bytes): the file is truncated");
        }

        var header = new byte[headerLength];
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
        {
            throw new GamWeightsFormatException(sourceName, null, "the file ends inside the header: it is truncated");
        }

        var dataStart = stream.Position;
        var entries = SafeTensorsHeader.Parse(header, available - lengthField.Length - header.Length, sourceName);
        var weights = StateDictLoader.CreateWeights(entries, sourceName);
        var buffer = new byte[StateDictLoader.ChunkBytes];
        foreach (var entry in entries)
        {
            stream.Position = dataStart + entry.DataOffset;
            StateDictLoader.ReadValues(weights, entry, stream, sourceName, buffer);
        }

        weights.MarkChanged();
        return weights;
    }
}
