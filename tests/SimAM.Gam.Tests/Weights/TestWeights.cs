using System;
using System.IO;
using System.Linq;

namespace SimAM.Gam.Tests.Weights;

/// <summary>Weights with every tensor and counter non-trivial, and loading helpers.</summary>
public static class TestWeights
{
    /// <summary>Default-initialised weights whose BatchNorm parameters, statistics and counters are also random.</summary>
    public static GamWeights Random(int channels, int rate = 4, int groups = 1, int? outChannels = null, int seed = 1)
    {
        var weights = GamWeights.CreateDefault(channels, rate, groups, outChannels, seed);
        var random = new Random(seed);
        foreach (var parameter in new[] { weights.NormWeight1, weights.NormBias1, weights.RunningMean1, weights.NormWeight2, weights.NormBias2, weights.RunningMean2 })
        {
            parameter.CopyFrom(Enumerable.Range(0, parameter.Length).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray());
        }

        foreach (var parameter in new[] { weights.RunningVar1, weights.RunningVar2 })
        {
            parameter.CopyFrom(Enumerable.Range(0, parameter.Length).Select(_ => (float)(random.NextDouble() + 0.1)).ToArray());
        }

        weights.BatchesTracked1 = 17;
        weights.BatchesTracked2 = 4_000_000_000_123;
        return weights;
    }

    public static GamWeights LoadSafeTensors(byte[] bytes, string name = "test.safetensors") =>
        GamWeights.LoadSafeTensors(new MemoryStream(bytes, writable: false), name);

    public static GamWeights LoadNpz(byte[] bytes, string name = "test.npz") =>
        GamWeights.LoadNpz(new MemoryStream(bytes, writable: false), name);

    public static byte[] SaveSafeTensors(GamWeights weights, GamTensorType type = GamTensorType.F32)
    {
        using var stream = new MemoryStream();
        weights.SaveSafeTensors(stream, type);
        return stream.ToArray();
    }

    /// <summary>Asserts that two weights have the same sizes, bit-identical values and the same counters.</summary>
    public static void AssertIdentical(GamWeights expected, GamWeights actual)
    {
        Xunit.Assert.Equal(
            (expected.Channels, expected.Hidden, expected.OutChannels, expected.Groups),
            (actual.Channels, actual.Hidden, actual.OutChannels, actual.Groups));
        for (var i = 0; i < expected.AllTensors().Count; i++)
        {
            var e = expected.AllTensors()[i];
            var a = actual.AllTensors()[i];
            Xunit.Assert.Equal(e.Name, a.Name);
            Xunit.Assert.Equal(e.Shape, a.Shape);
            Xunit.Assert.True(
                e.Values.ToArray().Select(BitConverter.DoubleToInt64Bits).SequenceEqual(a.Values.ToArray().Select(BitConverter.DoubleToInt64Bits)),
                $"{e.Name} differs");
        }

        Xunit.Assert.Equal(expected.BatchesTracked1, actual.BatchesTracked1);
        Xunit.Assert.Equal(expected.BatchesTracked2, actual.BatchesTracked2);
    }
}
