using System;
using Xunit;

namespace SimAM.Gam.Tests.Weights;

/// <summary>F16 and BF16 data are converted exactly; known bit patterns give known values.</summary>
public sealed class SafeTensorsConversionTests
{
    [Fact]
    public void Float16_values_are_converted_exactly()
    {
        ushort[] weight = [0x3C00, 0xC000, 0x3800, 0x7BFF];
        ushort[] bias = [0x0001, 0x8000, 0x3555, 0x7800];

        var loaded = TestWeights.LoadSafeTensors(HalfFile("F16", weight, bias));

        Assert.Equal([1.0, -2.0, 0.5, 65504.0], loaded.ChannelWeight1.Values.ToArray());
        Assert.Equal([Math.Pow(2, -24), -0.0, 1365.0 / 4096, 32768.0], loaded.ChannelBias2.Values.ToArray());
        Assert.True(double.IsNegative(loaded.ChannelBias2.Values[1]));
    }

    [Fact]
    public void BFloat16_values_are_the_upper_half_of_a_float32()
    {
        ushort[] weight = [0x3F80, 0xC040, 0x3F81, 0x7F7F];
        ushort[] bias = [0x0001, 0x8000, 0x3EAB, 0xC2F7];

        var loaded = TestWeights.LoadSafeTensors(HalfFile("BF16", weight, bias));

        Assert.Equal([1.0, -3.0, 1.0078125, 255.0 / 128 * Math.Pow(2, 127)], loaded.ChannelWeight1.Values.ToArray());
        Assert.Equal([Math.Pow(2, -133), -0.0, 171.0 / 512, -123.5], loaded.ChannelBias2.Values.ToArray());
    }

    [Theory]
    [InlineData("F16", 0x7C00, "Infinity")]
    [InlineData("F16", 0xFE00, "NaN")]
    [InlineData("BF16", 0xFF80, "-Infinity")]
    [InlineData("BF16", 0x7FC0, "NaN")]
    public void Half_precision_infinities_and_NaN_are_rejected(string dtype, int bits, string shown)
    {
        ushort[] weight = [0x3C00, (ushort)bits, 0, 0];

        var exception = Assert.Throws<GamWeightsFormatException>(() => TestWeights.LoadSafeTensors(HalfFile(dtype, weight, new ushort[4])));

        Assert.Equal("channel_attention.0.weight", exception.TensorName);
        Assert.EndsWith($"value 1 is {shown}; weights must be finite", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dtypes_may_differ_from_tensor_to_tensor()
    {
        var weights = TestWeights.Random(4);
        var file = SafeTensorsFile.Of(weights)
            .Replace("spatial_attention.0.bias", "F64", [1], SafeTensorsFile.Doubles(0.1))
            .Replace("spatial_attention.4.bias", "F16", [4], SafeTensorsFile.UInt16s(0x3C00, 0x3C00, 0x3C00, 0x3C00));

        var loaded = TestWeights.LoadSafeTensors(file.ToBytes());

        Assert.Equal([0.1], loaded.ConvBias1.Values.ToArray());
        Assert.Equal([1.0, 1, 1, 1], loaded.NormBias2.Values.ToArray());
        Assert.Equal(weights.ConvWeight2.Values.ToArray(), loaded.ConvWeight2.Values.ToArray());
    }

    /// <summary>A C = 4, m = 1 module in 16-bit floats: the given MLP weight [1, 4] and second bias [4], every other value 0.</summary>
    private static byte[] HalfFile(string dtype, ushort[] weight, ushort[] bias)
    {
        var file = new SafeTensorsFile();
        foreach (var parameter in GamWeights.Create(4, 1, 4).AllTensors())
        {
            var values = parameter.Name switch
            {
                "channel_attention.0.weight" => weight,
                "channel_attention.2.bias" => bias,
                _ => new ushort[parameter.Length],
            };
            file.Add(parameter.Name, dtype, [.. parameter.Shape], SafeTensorsFile.UInt16s(values));
        }

        return file.ToBytes();
    }
}
