using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace SimAM.Gam.Tests.Weights;

/// <summary>
/// Weight files of GAM modules trained a few steps in PyTorch (tests/torch/make_gam_weight_files.py): safetensors,
/// .npz from np.savez (stored) and np.savez_compressed (deflated), and a JSON summary of the values.
/// </summary>
public sealed class PyTorchWeightFileTests
{
    private static readonly string s_directory = Path.Combine(AppContext.BaseDirectory, "Golden", "weights");

    [Theory]
    [InlineData("gam_c8", "gam_c8.safetensors", "gam_c8.npz")]
    [InlineData("gam_c16_g4", "gam_c16_g4.safetensors", "gam_c16_g4.npz")]
    [InlineData("gam_c8_out1_f64", "gam_c8_out1_f64.safetensors", "gam_c8_out1_f64.npz")]
    public void Safetensors_and_npz_load_to_the_values_PyTorch_saved(string model, string safetensors, string npz)
    {
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(s_directory, model + ".json")));
        var fromSafeTensors = GamWeights.Load(Path.Combine(s_directory, safetensors));
        var fromNpz = GamWeights.Load(Path.Combine(s_directory, npz));

        TestWeights.AssertIdentical(fromSafeTensors, fromNpz);
        var sizes = summary.RootElement.GetProperty("sizes");
        Assert.Equal(
            (sizes.GetProperty("channels").GetInt32(), sizes.GetProperty("hidden").GetInt32(), sizes.GetProperty("outChannels").GetInt32(), sizes.GetProperty("groups").GetInt32()),
            (fromSafeTensors.Channels, fromSafeTensors.Hidden, fromSafeTensors.OutChannels, fromSafeTensors.Groups));
        var tensors = summary.RootElement.GetProperty("tensors");
        Assert.Equal(18, tensors.EnumerateObject().Count());
        foreach (var tensor in tensors.EnumerateObject())
        {
            var head = tensor.Value.GetProperty("head").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            if (tensor.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal))
            {
                var counter = tensor.Name == GamWeights.BatchesTrackedName1 ? fromSafeTensors.BatchesTracked1 : fromSafeTensors.BatchesTracked2;
                Assert.Equal(head[0], counter);
                Assert.True(counter > 0);
                continue;
            }

            var parameter = fromSafeTensors.Find(tensor.Name)!;
            Assert.Equal(tensor.Value.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()), parameter.Shape);
            Assert.Equal(head, parameter.Values[..head.Length].ToArray());
            var values = parameter.Values.ToArray();
            AssertClose(tensor.Value.GetProperty("sum").GetDouble(), values.Sum(), tensor.Name);
            AssertClose(tensor.Value.GetProperty("sumsq").GetDouble(), values.Sum(v => v * v), tensor.Name);
        }

        // Training moved the running statistics away from their initial values.
        Assert.Contains(fromSafeTensors.RunningVar1.Values.ToArray(), v => v != 1);
        Assert.Contains(fromSafeTensors.RunningMean2.Values.ToArray(), v => v != 0);
    }

    [Theory]
    [InlineData("gam_c8.safetensors", GamTensorType.F32)]
    [InlineData("gam_c16_g4.safetensors", GamTensorType.F32)]
    [InlineData("gam_c8_out1_f64.safetensors", GamTensorType.F64)]
    public void Saving_the_loaded_weights_gives_the_reference_layouts_bytes(string file, GamTensorType type)
    {
        var bytes = File.ReadAllBytes(Path.Combine(s_directory, file));

        Assert.Equal(bytes, TestWeights.SaveSafeTensors(TestWeights.LoadSafeTensors(bytes), type));
    }

    [Fact]
    public void Float16_and_bfloat16_files_hold_the_float32_values_rounded_to_nearest_even()
    {
        var single = GamWeights.Load(Path.Combine(s_directory, "gam_c8.safetensors"));
        var half = GamWeights.Load(Path.Combine(s_directory, "gam_c8_f16.safetensors"));
        var brain = GamWeights.Load(Path.Combine(s_directory, "gam_c8_bf16.safetensors"));

        TestWeights.AssertIdentical(half, GamWeights.Load(Path.Combine(s_directory, "gam_c8_f16.npz")));
        for (var i = 0; i < single.AllTensors().Count; i++)
        {
            var values = single.AllTensors()[i].Values.ToArray();
            Assert.Equal(values.Select(v => (double)(Half)(float)v), half.AllTensors()[i].Values.ToArray());
            Assert.Equal(values.Select(v => (double)ToBFloat16((float)v)), brain.AllTensors()[i].Values.ToArray());
        }

        Assert.Equal((single.BatchesTracked1, single.BatchesTracked2), (brain.BatchesTracked1, brain.BatchesTracked2));
    }

    /// <summary>float32 to bfloat16, rounding to nearest even as PyTorch does (no NaN here).</summary>
    private static float ToBFloat16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        var rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000;
        return BitConverter.UInt32BitsToSingle(rounded);
    }

    private static void AssertClose(double expected, double actual, string name) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-12 * Math.Max(1, Math.Abs(expected)), $"{name}: {actual} != {expected}");
}
