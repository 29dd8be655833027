using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;

namespace SimAM.Gam.Tests.Weights;

/// <summary>
/// Builds safetensors bytes by hand, independently of the library's writer: tensors in the order added, data
/// back to back, a JSON header formatted here, and hooks to break any part of it.
/// </summary>
public sealed class SafeTensorsFile
{
    private readonly List<Tensor> _tensors = [];

    /// <summary>Gets or sets the metadata JSON, or null for none.</summary>
    public string? Metadata { get; set; } = "{\"format\":\"pt\"}";

    /// <summary>
    /// A GAM's sixteen tensors in <c>state_dict</c> order (with the counters after each BatchNorm's
    /// running_var) or in <paramref name="order"/>, float tensors in <paramref name="dtype"/> (F32 or F64), counters as I64.
    /// </summary>
    public static SafeTensorsFile Of(GamWeights weights, string dtype = "F32", IEnumerable<string>? order = null)
    {
        var file = new SafeTensorsFile();
        foreach (var name in order ?? StateDictNames)
        {
            if (name == GamWeights.BatchesTrackedName1 || name == GamWeights.BatchesTrackedName2)
            {
                file.Add(name, "I64", [], Counter(name == GamWeights.BatchesTrackedName1 ? weights.BatchesTracked1 : weights.BatchesTracked2));
                continue;
            }

            var parameter = weights.Find(name)!;
            var values = parameter.Values.ToArray();
            file.Add(name, dtype, [.. parameter.Shape], dtype == "F64" ? Doubles(values) : Floats(values.Select(v => (float)v).ToArray()));
        }

        return file;
    }

    /// <summary>Gets PyTorch's state_dict order for a GAM module.</summary>
    public static string[] StateDictNames { get; } =
    [
        "channel_attention.0.weight", "channel_attention.0.bias", "channel_attention.2.weight", "channel_attention.2.bias",
        "spatial_attention.0.weight", "spatial_attention.0.bias",
        "spatial_attention.1.weight", "spatial_attention.1.bias", "spatial_attention.1.running_mean", "spatial_attention.1.running_var",
        GamWeights.BatchesTrackedName1,
        "spatial_attention.3.weight", "spatial_attention.3.bias",
        "spatial_attention.4.weight", "spatial_attention.4.bias", "spatial_attention.4.running_mean", "spatial_attention.4.running_var",
        GamWeights.BatchesTrackedName2,
    ];

    public static byte[] Floats(params float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static byte[] Doubles(params double[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static byte[] Counter(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        return bytes;
    }

    public static byte[] UInt16s(params ushort[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public SafeTensorsFile Add(string name, string dtype, int[] shape, byte[] data)
    {
        _tensors.Add(new Tensor(name, dtype, shape, data));
        return this;
    }

    public SafeTensorsFile Remove(string name)
    {
        _tensors.RemoveAll(t => t.Name == name);
        return this;
    }

    /// <summary>Replaces a tensor's dtype, shape and data, keeping its place.</summary>
    public SafeTensorsFile Replace(string name, string dtype, int[] shape, byte[] data)
    {
        var index = _tensors.FindIndex(t => t.Name == name);
        _tensors[index] = new Tensor(name, dtype, shape, data);
        return this;
    }

    /// <summary>Changes one float32 value of a tensor.</summary>
    public SafeTensorsFile SetFloat(string name, int index, float value)
    {
        var tensor = _tensors.Single(t => t.Name == name);
        BinaryPrimitives.WriteSingleLittleEndian(tensor.Data.AsSpan(4 * index), value);
        return this;
    }

    /// <summary>The header JSON, unpadded.</summary>
    public string HeaderJson()
    {
        var json = new StringBuilder("{");
        if (Metadata is not null)
        {
            json.Append("\"__metadata__\":").Append(Metadata).Append(',');
        }

        long offset = 0;
        foreach (var tensor in _tensors)
        {
            var shape = string.Join(",", tensor.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
            json.Append(CultureInfo.InvariantCulture, $"\"{tensor.Name}\":{{\"dtype\":\"{tensor.DType}\",\"shape\":[{shape}],\"data_offsets\":[{offset},{offset + tensor.Data.Length}]}},");
            offset += tensor.Data.Length;
        }

        if (json[^1] == ',')
        {
            json.Length--;
        }

        return json.Append('}').ToString();
    }

    /// <summary>The file: the header (optionally edited, then padded to 8 bytes), then the data.</summary>
    public byte[] ToBytes(Func<string, string>? editHeader = null) =>
        Assemble(Encoding.UTF8.GetBytes((editHeader ?? (h => h))(HeaderJson())), _tensors.SelectMany(t => t.Data).ToArray());

    /// <summary>An 8-byte length, the header padded with spaces to a multiple of 8, the data.</summary>
    public static byte[] Assemble(byte[] header, byte[] data)
    {
        var padded = (header.Length + 7) / 8 * 8;
        var bytes = new byte[8 + padded + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        header.CopyTo(bytes, 8);
        bytes.AsSpan(8 + header.Length, padded - header.Length).Fill((byte)' ');
        data.CopyTo(bytes, 8 + padded);
        return bytes;
    }

    private sealed record Tensor(string Name, string DType, int[] Shape, byte[] Data);
}
