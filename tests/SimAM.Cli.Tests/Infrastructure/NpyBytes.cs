using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace SimAM.Cli.Tests.Infrastructure;

/// <summary>Builds .npy file contents by hand, including broken ones, independently of the CLI's writer.</summary>
public static class NpyBytes
{
    public static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>A version 1.0 file with the given header dict text (padded like numpy) and raw data.</summary>
    public static byte[] Build(string dict, ReadOnlySpan<byte> data, byte major = 1, byte minor = 0, bool pad = true)
    {
        var preamble = major == 1 ? 10 : 12;
        var header = dict;
        if (pad)
        {
            var total = preamble + dict.Length + 1;
            header = dict + new string(' ', (64 - (total % 64)) % 64) + "\n";
        }

        var headerBytes = major == 3 ? Encoding.UTF8.GetBytes(header) : Encoding.Latin1.GetBytes(header);
        var bytes = new List<byte>(Magic) { major, minor };
        var length = new byte[major == 1 ? 2 : 4];
        if (major == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)headerBytes.Length);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)headerBytes.Length);
        }

        bytes.AddRange(length);
        bytes.AddRange(headerBytes);
        bytes.AddRange(data.ToArray());
        return [.. bytes];
    }

    public static string Dict(string descr, string shape, string fortranOrder = "False") =>
        $"{{'descr': '{descr}', 'fortran_order': {fortranOrder}, 'shape': {shape}, }}";

    public static byte[] OfFloats(float[] values, string shape) =>
        Build(Dict("<f4", shape), MemoryMarshal.AsBytes(values.AsSpan()));

    public static byte[] OfDoubles(double[] values, string shape) =>
        Build(Dict("<f8", shape), MemoryMarshal.AsBytes(values.AsSpan()));
}
