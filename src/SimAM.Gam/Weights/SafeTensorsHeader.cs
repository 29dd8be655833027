using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.Unicode;
using SimAM.Gam.IO;

namespace SimAM.Gam.Weights;

/// <summary>
/// The JSON header of a safetensors file: <c>{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
/// "__metadata__": {...}}</c>, read with <see cref="Utf8JsonReader"/> and checked as the reference implementation
/// checks it, and more: every tensor's byte range must match its dtype and shape and lie inside the data, and the
/// ranges, in offset order, must cover the data exactly (no overlap, no gap, nothing after the last tensor).
/// </summary>
internal static class SafeTensorsHeader
{
    /// <summary>The longest header accepted: the reference implementation's limit (100 MB).</summary>
    public const long MaxLength = 100_000_000;

    /// <summary>The reserved key of the free-form string map.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>Gets the safetensors name of an element type.</summary>
    /// <param name="type">The element type.</param>
    /// <returns><c>F16</c>, <c>BF16</c>, <c>F32</c>, <c>F64</c> or <c>I64</c>.</returns>
    public static string DTypeName(TensorElementType type) => type switch
    {
        TensorElementType.Float16 => "F16",
        TensorElementType.BFloat16 => "BF16",
        TensorElementType.Float32 => "F32",
        TensorElementType.Float64 => "F64",
        _ => "I64",
    };

    /// <summary>
    /// Gets the position of an element type in the reference implementation's dtype order, which its writer sorts
    /// by (descending) so that every tensor's data is aligned to its element size.
    /// </summary>
    /// <param name="type">The element type.</param>
    /// <returns>A rank: larger sorts first.</returns>
    public static int AlignmentRank(TensorElementType type) => type switch
    {
        TensorElementType.Float16 => 0,
        TensorElementType.BFloat16 => 1,
        TensorElementType.Float32 => 2,
        TensorElementType.Float64 => 3,
        _ => 4,
    };

    /// <summary>Parses and checks a header.</summary>
    /// <param name="json">The header bytes (padding included).</param>
    /// <param name="dataLength">The bytes that follow the header in the file.</param>
    /// <param name="sourceName">The file's name for messages.</param>
    /// <returns>The tensors, in the header's order; their <see cref="TensorEntry.DataOffset"/> is the first data offset.</returns>
    /// <exception cref="GamWeightsFormatException">The header is not valid, or does not match the data.</exception>
    public static List<TensorEntry> Parse(ReadOnlySpan<byte> json, long dataLength, string sourceName)
    {
        if (json.IsEmpty || json[0] != (byte)'{')
        {
            throw Error(sourceName, null, "the header does not start with '{' (not a safetensors file)");
        }

        if (!Utf8.IsValid(json))
        {
            throw Error(sourceName, null, "the header is not valid UTF-8");
        }

        var entries = new List<TensorEntry>();
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            reader.Read();
            var sawMetadata = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                if (name == MetadataKey)
                {
                    if (sawMetadata)
                    {
                        throw Error(sourceName, null, $"the header has two '{MetadataKey}' entries");
                    }

                    sawMetadata = true;
                    CheckMetadata(ref reader, sourceName);
                }
                else
                {
                    entries.Add(ReadTensor(ref reader, name, dataLength, sourceName));
                }
            }

            // The root object is complete; only whitespace (the padding) may follow, anything else makes Read throw.
            reader.Read();
        }
        catch (JsonException exception)
        {
            throw Error(sourceName, null, $"the header is not valid JSON ({OneLine(exception.Message)})", exception);
        }
        catch (InvalidOperationException exception)
        {
            // A string the reader cannot transcode (an escaped lone surrogate, for example).
            throw Error(sourceName, null, $"the header is not valid JSON ({OneLine(exception.Message)})", exception);
        }

        CheckCoverage(entries, dataLength, sourceName);
        return entries;
    }

    private static TensorEntry ReadTensor(ref Utf8JsonReader reader, string name, long dataLength, string sourceName)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Error(sourceName, name, "must be an object with 'dtype', 'shape' and 'data_offsets'");
        }

        string? dtype = null;
        List<ulong>? shape = null;
        List<ulong>? offsets = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.GetString();
            reader.Read();
            switch (field)
            {
                case "dtype":
                    if (dtype is not null || reader.TokenType != JsonTokenType.String)
                    {
                        throw Error(sourceName, name, "must have one 'dtype', a string");
                    }

                    dtype = reader.GetString()!;
                    break;
                case "shape":
                    shape = shape is null ? ReadIntegers(ref reader) : null;
                    if (shape is null)
                    {
                        throw Error(sourceName, name, "must have one 'shape', a list of non-negative integers");
                    }

                    break;
                case "data_offsets":
                    offsets = offsets is null ? ReadIntegers(ref reader) : null;
                    if (offsets is not { Count: 2 })
                    {
                        throw Error(sourceName, name, "must have one 'data_offsets', a list of two non-negative integers [begin, end]");
                    }

                    break;
                default:
                    // The reference implementation ignores fields it does not know; so does this reader.
                    reader.Skip();
                    break;
            }
        }

        if (dtype is null || shape is null || offsets is null)
        {
            var missing = dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets";
            throw Error(sourceName, name, $"has no '{missing}'");
        }

        var type = ParseDType(dtype, name, sourceName);
        var dimensions = new int[shape.Count];
        long count = 1;
        for (var i = 0; i < dimensions.Length; i++)
        {
            count *= (long)Math.Min(shape[i], (ulong)int.MaxValue + 1);
            if (count > int.MaxValue)
            {
                throw Error(sourceName, name, $"has more than {int.MaxValue} elements");
            }

            dimensions[i] = (int)shape[i];
        }

        var (begin, end) = (offsets[0], offsets[1]);
        var range = $"data_offsets [{begin}, {end}]";
        if (end < begin)
        {
            throw Error(sourceName, name, $"{range} end before they begin");
        }

        var bytes = count * TensorElements.SizeOf(type);
        if (end - begin != (ulong)bytes)
        {
            throw Error(sourceName, name, $"{range} hold {end - begin} bytes, but {dtype} {TensorEntry.FormatShape(dimensions)} is {bytes} bytes");
        }

        if (end > (ulong)dataLength)
        {
            throw Error(sourceName, name, $"{range} reach past the end of the data ({dataLength} bytes): the file is truncated");
        }

        return new TensorEntry(name, type, dimensions, (long)begin);
    }

    /// <summary>Reads a list of non-negative integers; <see langword="null"/> when the value is anything else.</summary>
    private static List<ulong>? ReadIntegers(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }

        var values = new List<ulong>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt64(out var value))
            {
                reader.Skip();
                return null;
            }

            values.Add(value);
        }

        return values;
    }

    private static void CheckMetadata(ref Utf8JsonReader reader, string sourceName)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Error(sourceName, null, $"'{MetadataKey}' must be an object of strings");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
            {
                throw Error(sourceName, null, $"'{MetadataKey}' must be an object of strings");
            }
        }
    }

    private static TensorElementType ParseDType(string dtype, string name, string sourceName) => dtype switch
    {
        "F16" => TensorElementType.Float16,
        "BF16" => TensorElementType.BFloat16,
        "F32" => TensorElementType.Float32,
        "F64" => TensorElementType.Float64,
        "I64" => TensorElementType.Int64,
        _ => throw Error(sourceName, name, $"has dtype '{MessageText.Printable(dtype)}'; supported: F32, F64, F16, BF16 (I64 for the batch counters)"),
    };

    /// <summary>
    /// Checks that the tensors, in offset order, cover the data exactly, as the reference implementation requires:
    /// each begins where the previous one ends, the first at 0, the last at the end of the file.
    /// </summary>
    private static void CheckCoverage(List<TensorEntry> entries, long dataLength, string sourceName)
    {
        var ordered = entries.ToArray();
        Array.Sort(ordered, static (a, b) => a.DataOffset != b.DataOffset
            ? a.DataOffset.CompareTo(b.DataOffset)
            : a.ByteCount.CompareTo(b.ByteCount));
        long end = 0;
        TensorEntry? previous = null;
        foreach (var entry in ordered)
        {
            var range = $"data_offsets [{entry.DataOffset}, {entry.DataOffset + entry.ByteCount}]";
            if (entry.DataOffset < end)
            {
                throw Error(sourceName, entry.Name, $"{range} overlap those of {previous!.Name} (which end at {end})");
            }

            if (entry.DataOffset > end)
            {
                throw Error(sourceName, entry.Name, $"{range} leave bytes {end} to {entry.DataOffset} of the data to no tensor (safetensors requires the tensors to cover the data without gaps)");
            }

            end = entry.DataOffset + entry.ByteCount;
            previous = entry;
        }

        if (end != dataLength)
        {
            throw Error(sourceName, null, $"{dataLength - end} bytes follow the last tensor's data (safetensors requires the tensors to cover the data exactly)");
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");

    private static GamWeightsFormatException Error(string sourceName, string? tensorName, string problem, Exception? inner = null) =>
        new(sourceName, tensorName, problem, inner);
}
