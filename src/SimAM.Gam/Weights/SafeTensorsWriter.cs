using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using SimAM.Gam.IO;

namespace SimAM.Gam.Weights;

/// <summary>
/// Writes safetensors files byte for byte as the reference implementation's writer does: the tensors sorted by
/// dtype (the largest alignment first) then by name, their data back to back from offset 0 in that order, the
/// header as compact JSON with <c>__metadata__</c> first, padded with spaces to a multiple of 8 bytes.
/// </summary>
/// <remarks>
/// With that order every tensor's data starts at a multiple of its element size (the 8-byte header length plus a
/// header padded to 8 bytes keeps the data section aligned), so loaders that map the file can use it in place.
/// </remarks>
internal static class SafeTensorsWriter
{
    /// <summary>Orders tensors as the reference writer does and assigns their data offsets.</summary>
    /// <param name="tensors">The tensors' names, element types and shapes, in any order.</param>
    /// <returns>The tensors in file order, each with its first data offset.</returns>
    public static List<TensorEntry> Layout(IEnumerable<(string Name, TensorElementType Type, int[] Shape)> tensors)
    {
        var ordered = new List<(string Name, TensorElementType Type, int[] Shape)>(tensors);
        ordered.Sort(static (a, b) =>
        {
            var byType = SafeTensorsHeader.AlignmentRank(b.Type).CompareTo(SafeTensorsHeader.AlignmentRank(a.Type));
            return byType != 0 ? byType : string.CompareOrdinal(a.Name, b.Name);
        });
        var layout = new List<TensorEntry>(ordered.Count);
        long offset = 0;
        foreach (var (name, type, shape) in ordered)
        {
            var entry = new TensorEntry(name, type, shape, offset);
            layout.Add(entry);
            offset += entry.ByteCount;
        }

        return layout;
    }

    /// <summary>Formats the 8-byte header length and the padded JSON header.</summary>
    /// <param name="layout">The tensors from <see cref="Layout"/>.</param>
    /// <param name="metadata">The <c>__metadata__</c> map, or <see langword="null"/> for none.</param>
    /// <returns>Everything before the data.</returns>
    public static byte[] Header(IReadOnlyList<TensorEntry> layout, IReadOnlyList<KeyValuePair<string, string>>? metadata)
    {
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (metadata is not null)
            {
                writer.WriteStartObject(SafeTensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            foreach (var entry in layout)
            {
                writer.WriteStartObject(entry.Name);
                writer.WriteString("dtype", SafeTensorsHeader.DTypeName(entry.ElementType));
                writer.WriteStartArray("shape");
                foreach (var dimension in entry.Shape)
                {
                    writer.WriteNumberValue(dimension);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(entry.DataOffset);
                writer.WriteNumberValue(entry.DataOffset + entry.ByteCount);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        var length = (int)json.Length;
        var padded = (length + 7) / 8 * 8;
        var bytes = new byte[8 + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        json.GetBuffer().AsSpan(0, length).CopyTo(bytes.AsSpan(8));
        bytes.AsSpan(8 + length).Fill((byte)' ');
        return bytes;
    }

    /// <summary>Writes GAM weights: the sixteen tensors in <paramref name="type"/>, the two batch counters as I64 scalars, metadata <c>{"format": "pt"}</c>.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="weights">The weights.</param>
    /// <param name="type">The element type of the tensors.</param>
    /// <exception cref="InvalidOperationException">A value is NaN or infinite, or too large for float32 when <paramref name="type"/> is <see cref="GamTensorType.F32"/>.</exception>
    /// <exception cref="IOException">The stream cannot be written.</exception>
    public static void Write(Stream stream, GamWeights weights, GamTensorType type) =>
        Write(stream, weights.AllTensors(), (weights.BatchesTracked1, weights.BatchesTracked2), type);

    /// <summary>Writes <paramref name="all"/> in <paramref name="type"/>, and the two batch counters as I64 scalars when given; metadata <c>{"format": "pt"}</c>.</summary>
    /// <exception cref="InvalidOperationException">A value is NaN or infinite, or too large for float32 when <paramref name="type"/> is <see cref="GamTensorType.F32"/>.</exception>
    /// <exception cref="IOException">The stream cannot be written.</exception>
    public static void Write(Stream stream, IReadOnlyList<GamParameter> all, (long First, long Second)? counters, GamTensorType type)
    {
        var elementType = type == GamTensorType.F64 ? TensorElementType.Float64 : TensorElementType.Float32;
        var tensors = new List<(string Name, TensorElementType Type, int[] Shape)>();
        var byName = new Dictionary<string, GamParameter>(StringComparer.Ordinal);
        foreach (var parameter in all)
        {
            CheckWritable(parameter, elementType);
            tensors.Add((parameter.Name, elementType, parameter.ShapeSpan.ToArray()));
            byName.Add(parameter.Name, parameter);
        }

        if (counters is not null)
        {
            tensors.Add((GamWeights.BatchesTrackedName1, TensorElementType.Int64, []));
            tensors.Add((GamWeights.BatchesTrackedName2, TensorElementType.Int64, []));
        }

        var layout = Layout(tensors);
        stream.Write(Header(layout, [new("format", "pt")]));

        var buffer = new byte[StateDictLoader.ChunkBytes];
        foreach (var entry in layout)
        {
            if (entry.ElementType == TensorElementType.Int64)
            {
                var count = entry.Name == GamWeights.BatchesTrackedName1 ? counters!.Value.First : counters!.Value.Second;
                BinaryPrimitives.WriteInt64LittleEndian(buffer, count);
                stream.Write(buffer, 0, sizeof(long));
                continue;
            }

            var values = byName[entry.Name].Values;
            var size = TensorElements.SizeOf(elementType);
            var perChunk = buffer.Length / size;
            for (var start = 0; start < values.Length; start += perChunk)
            {
                var chunk = values.Slice(start, Math.Min(perChunk, values.Length - start));
                for (var i = 0; i < chunk.Length; i++)
                {
                    if (elementType == TensorElementType.Float64)
                    {
                        BinaryPrimitives.WriteDoubleLittleEndian(buffer.AsSpan(8 * i), chunk[i]);
                    }
                    else
                    {
                        BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(4 * i), (float)chunk[i]);
                    }
                }

                stream.Write(buffer, 0, chunk.Length * size);
            }
        }
    }

    /// <summary>Refuses values that the loader would refuse, before anything is written.</summary>
    private static void CheckWritable(GamParameter parameter, TensorElementType elementType)
    {
        var values = parameter.Values;
        for (var i = 0; i < values.Length; i++)
        {
            var value = elementType == TensorElementType.Float32 ? (float)values[i] : values[i];
            if (!double.IsFinite(value))
            {
                var what = double.IsFinite(values[i]) ? $"{values[i].ToString("R", CultureInfo.InvariantCulture)}, beyond float32's range" : values[i].ToString(CultureInfo.InvariantCulture);
                throw new InvalidOperationException(
                    $"{parameter.Name}: value {i} is {what}; weight files hold finite values only (the loader rejects NaN and infinities).");
            }
        }
    }
}
