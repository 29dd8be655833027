using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;

namespace SimAM.Gam.Tests.Weights;

/// <summary>Builds .npz archives by hand, as np.savez writes them: one name.npy entry per tensor, .npy headers formatted here.</summary>
public static class NpzFile
{
    /// <summary>A GAM's state as np.savez writes it: float tensors as '&lt;f4' (or <paramref name="descr"/>), counters as '&lt;i8' scalars.</summary>
    public static List<(string Entry, byte[] Content)> Entries(GamWeights weights, string descr = "<f4")
    {
        var entries = new List<(string, byte[])>();
        foreach (var name in SafeTensorsFile.StateDictNames)
        {
            if (name == GamWeights.BatchesTrackedName1 || name == GamWeights.BatchesTrackedName2)
            {
                var count = name == GamWeights.BatchesTrackedName1 ? weights.BatchesTracked1 : weights.BatchesTracked2;
                entries.Add((name + ".npy", Npy("<i8", [], SafeTensorsFile.Counter(count))));
                continue;
            }

            var parameter = weights.Find(name)!;
            var values = parameter.Values.ToArray();
            var data = descr switch
            {
                "<f8" => SafeTensorsFile.Doubles(values),
                "<f2" => SafeTensorsFile.UInt16s(values.Select(v => BitConverter.HalfToUInt16Bits((Half)v)).ToArray()),
                _ => SafeTensorsFile.Floats(values.Select(v => (float)v).ToArray()),
            };
            entries.Add((name + ".npy", Npy(descr, [.. parameter.Shape], data)));
        }

        return entries;
    }

    public static byte[] Of(GamWeights weights, CompressionLevel level = CompressionLevel.NoCompression, string descr = "<f4") =>
        Zip(Entries(weights, descr), level);

    /// <summary>A zip archive of the entries, in order (duplicates allowed).</summary>
    public static byte[] Zip(IEnumerable<(string Entry, byte[] Content)> entries, CompressionLevel level = CompressionLevel.NoCompression)
    {
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                var entry = archive.CreateEntry(name, level);
                using var entryStream = entry.Open();
                entryStream.Write(content);
            }
        }

        return stream.ToArray();
    }

    /// <summary>A version 1.0 .npy file with the header numpy writes (padded to 64 bytes) and the raw data.</summary>
    public static byte[] Npy(string descr, int[] shape, byte[] data, string fortranOrder = "False")
    {
        var tuple = shape.Length == 1
            ? $"({shape[0].ToString(CultureInfo.InvariantCulture)},)"
            : $"({string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)))})";
        var dict = $"{{'descr': '{descr}', 'fortran_order': {fortranOrder}, 'shape': {tuple}, }}";
        var header = dict + new string(' ', (64 - ((10 + dict.Length + 1) % 64)) % 64) + "\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, (byte)(header.Length >> 8) };
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(data);
        return [.. bytes];
    }
}
