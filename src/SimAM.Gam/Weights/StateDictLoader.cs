using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using SimAM.Gam.IO;

namespace SimAM.Gam.Weights;

/// <summary>
/// What a weight file must hold to be a GAM module's state, whatever its container: the sixteen tensors of
/// <see cref="GamWeights"/> under their <c>state_dict</c> names, each once, with the shapes that the sizes
/// inferred from three of them imply, floating-point values that are all finite, and optionally the two int64
/// batch counters. The safetensors and .npz readers check their containers, list the entries, and call this.
/// </summary>
/// <remarks>
/// The checks run in two steps so that a file is never half loaded and a hostile header never makes the
/// loader allocate more than the file's own data justifies: <see cref="CreateWeights"/> checks every name,
/// element type and shape before anything is read (the three tensors the sizes come from are checked in full
/// before the weights are allocated, which bounds the allocation by their sizes in the file), then
/// <see cref="ReadValues"/> fills one tensor at a time and checks its values.
/// </remarks>
internal static class StateDictLoader
{
    /// <summary>The bytes read per step when a tensor's data is converted.</summary>
    public const int ChunkBytes = 1 << 16;

    private const string ChannelWeight1 = "channel_attention.0.weight";
    private const string ConvWeight1 = "spatial_attention.0.weight";
    private const string ConvWeight2 = "spatial_attention.3.weight";

    /// <summary>
    /// Checks the names, element types and shapes of a file's entries and creates weights of the sizes they
    /// imply: C and m from <c>channel_attention.0.weight</c> [m, C], the groups from
    /// <c>spatial_attention.0.weight</c> [m, C/groups, 7, 7], out from <c>spatial_attention.3.weight</c>
    /// [out, m/groups, 7, 7].
    /// </summary>
    /// <param name="entries">The file's entries, in the file's order.</param>
    /// <param name="sourceName">The file's name for messages.</param>
    /// <returns>Weights with the default values, to be filled by <see cref="ReadValues"/>.</returns>
    /// <exception cref="GamWeightsFormatException">A name appears twice, is unknown or is missing, or an element type or shape is wrong.</exception>
    public static GamWeights CreateWeights(IReadOnlyList<TensorEntry> entries, string sourceName)
    {
        var byName = new Dictionary<string, TensorEntry>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (!byName.TryAdd(entry.Name, entry))
            {
                throw Error(sourceName, entry.Name, "appears twice");
            }
        }

        var linear = RequireFloat(byName, ChannelWeight1, 2, sourceName);
        var (hidden, channels) = (linear.Shape[0], linear.Shape[1]);
        if (hidden < 1 || channels < 1)
        {
            throw Error(sourceName, ChannelWeight1, $"has shape {TensorEntry.FormatShape(linear.Shape)}; GAM needs [m, C] with C >= 1 and m >= 1");
        }

        var conv1 = RequireFloat(byName, ConvWeight1, 4, sourceName);
        var perGroup = conv1.Shape[1];
        if (perGroup < 1 || channels % perGroup != 0)
        {
            throw Error(sourceName, ConvWeight1, $"has shape {TensorEntry.FormatShape(conv1.Shape)}: its input channels per group ({perGroup}) do not divide C = {channels}");
        }

        var groups = channels / perGroup;
        var conv2 = RequireFloat(byName, ConvWeight2, 4, sourceName);
        var outChannels = conv2.Shape[0];
        if (outChannels != channels && outChannels != 1)
        {
            throw Error(sourceName, ConvWeight2, $"has shape {TensorEntry.FormatShape(conv2.Shape)}: out = {outChannels}, but the spatial map multiplies x, so out must be C ({channels}) or 1");
        }

        if (hidden % groups != 0)
        {
            throw Error(sourceName, ConvWeight1, $"has shape {TensorEntry.FormatShape(conv1.Shape)}: groups = C / {perGroup} = {groups} does not divide m = {hidden}");
        }

        if (outChannels % groups != 0)
        {
            throw Error(sourceName, ConvWeight2, $"has shape {TensorEntry.FormatShape(conv2.Shape)}: groups = {groups} does not divide out = {outChannels}");
        }

        // These two shapes in full before anything is allocated: with them, every buffer Create allocates is
        // no larger than a tensor the file holds (the MLP's two matrices have the first one's size).
        var k = GamWeights.KernelSize;
        var sizes = $"C = {channels}, m = {hidden}, out = {outChannels}, groups = {groups}";
        CheckShape(conv1, [hidden, perGroup, k, k], sizes, sourceName);
        CheckShape(conv2, [outChannels, hidden / groups, k, k], sizes, sourceName);
        var weights = GamWeights.Create(channels, hidden, outChannels, groups);

        foreach (var entry in entries)
        {
            if (entry.Name == GamWeights.BatchesTrackedName1 || entry.Name == GamWeights.BatchesTrackedName2)
            {
                if (entry.ElementType != TensorElementType.Int64 || entry.Shape.Length != 0)
                {
                    throw Error(
                        sourceName,
                        entry.Name,
                        $"is {TensorElements.Name(entry.ElementType)} {TensorEntry.FormatShape(entry.Shape)}; a batch counter must be an int64 scalar (shape [])");
                }

                continue;
            }

            var parameter = weights.Find(entry.Name)
                ?? throw Error(sourceName, entry.Name, "is not a tensor of a GAM module (unexpected extra tensors are rejected, as PyTorch's load_state_dict(strict=True) does)");
            if (!TensorElements.IsFloatingPoint(entry.ElementType))
            {
                throw Error(sourceName, entry.Name, $"is {TensorElements.Name(entry.ElementType)}; weights must be floating point (float32, float64, float16 or bfloat16)");
            }

            CheckShape(entry, parameter.ShapeSpan, sizes, sourceName);
        }

        foreach (var parameter in weights.AllTensors())
        {
            if (!byName.ContainsKey(parameter.Name))
            {
                throw Error(sourceName, parameter.Name, $"is missing (a GAM module's state_dict has it, shape {TensorEntry.FormatShape(parameter.ShapeSpan)})");
            }
        }

        return weights;
    }

    /// <summary>
    /// Reads one entry's data from <paramref name="stream"/>, positioned at its first byte, into the weights: the
    /// tensor's values (converted exactly to double) or the batch counter.
    /// </summary>
    /// <param name="weights">Weights from <see cref="CreateWeights"/> for these entries.</param>
    /// <param name="entry">One of the entries.</param>
    /// <param name="stream">The data; at least <see cref="TensorEntry.ByteCount"/> bytes are read.</param>
    /// <param name="sourceName">The file's name for messages.</param>
    /// <param name="buffer">Scratch space of <see cref="ChunkBytes"/> bytes.</param>
    /// <exception cref="GamWeightsFormatException">The data ends early, a value is NaN or infinite, a running variance is negative, or a counter is negative.</exception>
    /// <exception cref="IOException">The stream cannot be read.</exception>
    /// <exception cref="InvalidDataException">The container's compressed data is corrupt (the caller wraps it).</exception>
    public static void ReadValues(GamWeights weights, TensorEntry entry, Stream stream, string sourceName, byte[] buffer)
    {
        if (entry.ElementType == TensorElementType.Int64)
        {
            ReadExactly(stream, buffer.AsSpan(0, sizeof(long)), entry, 0, sourceName);
            var count = BinaryPrimitives.ReadInt64LittleEndian(buffer);
            if (count < 0)
            {
                throw Error(sourceName, entry.Name, $"is {count}; a batch counter cannot be negative");
            }

            if (entry.Name == GamWeights.BatchesTrackedName1)
            {
                weights.BatchesTracked1 = count;
            }
            else
            {
                weights.BatchesTracked2 = count;
            }

            return;
        }

        var parameter = weights.Find(entry.Name)!;
        var values = parameter.Storage;
        var size = TensorElements.SizeOf(entry.ElementType);
        var perChunk = buffer.Length / size;
        for (var start = 0; start < values.Length; start += perChunk)
        {
            var count = Math.Min(perChunk, values.Length - start);
            var bytes = buffer.AsSpan(0, count * size);
            ReadExactly(stream, bytes, entry, (long)start * size, sourceName);
            var chunk = values.AsSpan(start, count);
            TensorElements.DecodeFloatingPoint(bytes, entry.ElementType, chunk);
            CheckValues(chunk, start, parameter, sourceName);
        }
    }

    private static TensorEntry RequireFloat(Dictionary<string, TensorEntry> byName, string name, int rank, string sourceName)
    {
        if (!byName.TryGetValue(name, out var entry))
        {
            throw Error(sourceName, name, "is missing (the module's sizes are read from its shape)");
        }

        if (!TensorElements.IsFloatingPoint(entry.ElementType))
        {
            throw Error(sourceName, name, $"is {TensorElements.Name(entry.ElementType)}; weights must be floating point (float32, float64, float16 or bfloat16)");
        }

        if (entry.Shape.Length != rank)
        {
            throw Error(sourceName, name, $"has shape {TensorEntry.FormatShape(entry.Shape)}; a GAM module's has {rank} dimensions");
        }

        return entry;
    }

    private static void CheckShape(TensorEntry entry, ReadOnlySpan<int> expected, string sizes, string sourceName)
    {
        if (!entry.Shape.SequenceEqual(expected))
        {
            throw Error(sourceName, entry.Name, $"has shape {TensorEntry.FormatShape(entry.Shape)}; {sizes} need {TensorEntry.FormatShape(expected)}");
        }
    }

    private static void ReadExactly(Stream stream, Span<byte> bytes, TensorEntry entry, long offset, string sourceName)
    {
        var read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        if (read < bytes.Length)
        {
            throw Error(sourceName, entry.Name, $"the data ends after {offset + read} of its {entry.ByteCount} bytes (the file is truncated)");
        }
    }

    /// <summary>
    /// Rejects NaN and infinities (weights holding them are broken, and every output computed from them would be
    /// NaN) and negative running variances (BatchNorm's eval mode takes their square root).
    /// </summary>
    private static void CheckValues(ReadOnlySpan<double> values, int start, GamParameter parameter, string sourceName)
    {
        var isVariance = parameter.Name.EndsWith(".running_var", StringComparison.Ordinal);
        for (var i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw Error(sourceName, parameter.Name, $"value {start + i} is {Format(values[i])}; weights must be finite");
            }

            if (isVariance && values[i] < 0)
            {
                throw Error(sourceName, parameter.Name, $"value {start + i} is {Format(values[i])}; a running variance cannot be negative");
            }
        }
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static GamWeightsFormatException Error(string sourceName, string? tensorName, string problem) =>
        new(sourceName, tensorName, problem);
}
