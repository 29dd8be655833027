using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using SimAM.Gam.IO;
using SimAM.Gam.Weights;
using Xunit;

namespace SimAM.Gam.Tests.Weights;

public sealed class SafeTensorsRoundTripTests
{
    [Theory]
    [InlineData(8, 4, 1, null)]
    [InlineData(16, 4, 4, null)]
    [InlineData(8, 4, 1, 1)]
    [InlineData(6, 3, 2, null)]
    [InlineData(4, 4, 1, null)]
    public void Float32_files_round_trip_bit_exactly(int channels, int rate, int groups, int? outChannels)
    {
        var weights = TestWeights.Random(channels, rate, groups, outChannels);

        var loaded = TestWeights.LoadSafeTensors(TestWeights.SaveSafeTensors(weights));

        TestWeights.AssertIdentical(weights, loaded);
    }

    [Fact]
    public void Default_weights_round_trip_through_a_float32_file_exactly()
    {
        var weights = GamWeights.CreateDefault(16, groups: 4, seed: 2);

        TestWeights.AssertIdentical(weights, TestWeights.LoadSafeTensors(TestWeights.SaveSafeTensors(weights)));
    }

    [Fact]
    public void Float64_files_round_trip_values_that_float32_cannot_hold()
    {
        var weights = TestWeights.Random(8);
        var random = new Random(5);
        foreach (var parameter in weights.AllTensors().Where(p => !p.Name.EndsWith("running_var", StringComparison.Ordinal)))
        {
            parameter.CopyFrom(Enumerable.Range(0, parameter.Length).Select(_ => (random.NextDouble() - 0.5) * Math.PI).ToArray());
        }

        weights.ConvBias2.CopyFrom(Enumerable.Repeat(1e300, weights.ConvBias2.Length).ToArray());

        var loaded = TestWeights.LoadSafeTensors(TestWeights.SaveSafeTensors(weights, GamTensorType.F64));

        TestWeights.AssertIdentical(weights, loaded);
    }

    [Fact]
    public void Float32_files_round_each_value_to_the_nearest_float32()
    {
        var weights = TestWeights.Random(8);
        weights.ChannelBias1.CopyFrom([1.0 / 3, -Math.E]);

        var loaded = TestWeights.LoadSafeTensors(TestWeights.SaveSafeTensors(weights));

        Assert.Equal([(double)(1.0f / 3), (double)(float)-Math.E], loaded.ChannelBias1.Values.ToArray());
    }

    [Fact]
    public void The_written_file_is_what_a_hand_built_reference_layout_gives()
    {
        var weights = TestWeights.Random(8);

        var bytes = TestWeights.SaveSafeTensors(weights);

        // The reference writer's order: dtype by alignment descending (the I64 counters first), then by name.
        var expected = new SafeTensorsFile();
        foreach (var name in SafeTensorsFile.StateDictNames.Where(n => n.EndsWith("num_batches_tracked", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            expected.Add(name, "I64", [], SafeTensorsFile.Counter(name == GamWeights.BatchesTrackedName1 ? weights.BatchesTracked1 : weights.BatchesTracked2));
        }

        foreach (var parameter in weights.AllTensors().OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            expected.Add(parameter.Name, "F32", [.. parameter.Shape], SafeTensorsFile.Floats(parameter.Values.ToArray().Select(v => (float)v).ToArray()));
        }

        Assert.Equal(expected.ToBytes(), bytes);
    }

    [Fact]
    public void Saving_is_deterministic_and_aligns_every_tensor_to_its_element_size()
    {
        var bytes = TestWeights.SaveSafeTensors(TestWeights.Random(16, groups: 4), GamTensorType.F64);

        Assert.Equal(bytes, TestWeights.SaveSafeTensors(TestWeights.Random(16, groups: 4), GamTensorType.F64));
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, headerLength));
        var offsets = header.RootElement.EnumerateObject()
            .Where(p => p.Name != "__metadata__")
            .Select(p => (Begin: p.Value.GetProperty("data_offsets")[0].GetInt64(), End: p.Value.GetProperty("data_offsets")[1].GetInt64()))
            .ToList();
        Assert.Equal(18, offsets.Count);
        Assert.Equal(0, offsets[0].Begin);
        Assert.All(offsets.Zip(offsets.Skip(1)), pair => Assert.Equal(pair.First.End, pair.Second.Begin));
        Assert.All(offsets, o => Assert.Equal(0, o.Begin % 8));
        Assert.Equal(bytes.Length - 8 - headerLength, offsets[^1].End);
        Assert.Equal("pt", header.RootElement.GetProperty("__metadata__").GetProperty("format").GetString());
    }

    [Fact]
    public void The_header_matches_the_reference_writers_bytes()
    {
        // The reference implementation's own serialisation examples: one F32 tensor named "attn.0" of shape
        // [1, 2, 3] (64 bytes of JSON, no padding), "attn0" of shape [1, 1, 2, 3] (65 bytes, padded to 72), and an
        // empty file with metadata {"framework": "pt"}.
        var header = SafeTensorsWriter.Header(SafeTensorsWriter.Layout([("attn.0", TensorElementType.Float32, [1, 2, 3])]), null);
        Assert.Equal(64UL, BinaryPrimitives.ReadUInt64LittleEndian(header));
        Assert.Equal("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}", Encoding.UTF8.GetString(header, 8, 64));

        var padded = SafeTensorsWriter.Header(SafeTensorsWriter.Layout([("attn0", TensorElementType.Float32, [1, 1, 2, 3])]), null);
        Assert.Equal(72UL, BinaryPrimitives.ReadUInt64LittleEndian(padded));
        Assert.Equal("{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       ", Encoding.UTF8.GetString(padded, 8, 72));

        var empty = SafeTensorsWriter.Header([], [new("framework", "pt")]);
        Assert.Equal(40UL, BinaryPrimitives.ReadUInt64LittleEndian(empty));
        Assert.Equal("{\"__metadata__\":{\"framework\":\"pt\"}}     ", Encoding.UTF8.GetString(empty, 8, 40));
    }

    [Fact]
    public void Layout_sorts_by_alignment_then_name()
    {
        var layout = SafeTensorsWriter.Layout(
        [
            ("b", TensorElementType.Float16, [3]),
            ("a", TensorElementType.Float32, [1]),
            ("c", TensorElementType.Int64, []),
            ("a", TensorElementType.BFloat16, [2]),
            ("z", TensorElementType.Float64, [2]),
        ]);

        Assert.Equal(["c", "z", "a", "a", "b"], layout.Select(e => e.Name));
        Assert.Equal([0L, 8, 24, 28, 32], layout.Select(e => e.DataOffset));
    }

    [Fact]
    public void Counters_are_written_as_int64_scalars_and_read_back()
    {
        var weights = TestWeights.Random(8);
        weights.BatchesTracked1 = 0;
        weights.BatchesTracked2 = long.MaxValue;

        var loaded = TestWeights.LoadSafeTensors(TestWeights.SaveSafeTensors(weights));

        Assert.Equal(0, loaded.BatchesTracked1);
        Assert.Equal(long.MaxValue, loaded.BatchesTracked2);
    }

    [Fact]
    public void A_file_without_the_counters_loads_with_counters_zero()
    {
        var weights = TestWeights.Random(8);
        var file = SafeTensorsFile.Of(weights).Remove(GamWeights.BatchesTrackedName1).Remove(GamWeights.BatchesTrackedName2);

        var loaded = TestWeights.LoadSafeTensors(file.ToBytes());

        Assert.Equal((0L, 0L), (loaded.BatchesTracked1, loaded.BatchesTracked2));
        Assert.Equal(weights.ConvWeight2.Values.ToArray(), loaded.ConvWeight2.Values.ToArray());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("{\"anything\":\"goes\",\"format\":\"np\"}")]
    public void Tensor_order_whitespace_and_metadata_do_not_matter(string? metadata)
    {
        var weights = TestWeights.Random(8);
        var file = SafeTensorsFile.Of(weights, order: Enumerable.Reverse(SafeTensorsFile.StateDictNames));
        file.Metadata = metadata;

        TestWeights.AssertIdentical(weights, TestWeights.LoadSafeTensors(file.ToBytes()));
        TestWeights.AssertIdentical(weights, TestWeights.LoadSafeTensors(file.ToBytes(h => h.Replace(",\"", ",\n  \"", StringComparison.Ordinal) + "\n")));
    }

    [Fact]
    public void Loading_reads_from_the_current_position_of_a_stream_that_cannot_seek()
    {
        var weights = TestWeights.Random(8);
        var bytes = TestWeights.SaveSafeTensors(weights);
        using var stream = new ForwardOnlyStream([0xAA, 0xBB, .. bytes]);
        stream.ReadByte();
        stream.ReadByte();

        TestWeights.AssertIdentical(weights, GamWeights.LoadSafeTensors(stream, "pipe"));
    }

    [Fact]
    public void Loading_bumps_the_version_and_returns_independent_weights()
    {
        var bytes = TestWeights.SaveSafeTensors(TestWeights.Random(8));

        var first = TestWeights.LoadSafeTensors(bytes);
        var second = TestWeights.LoadSafeTensors(bytes);
        first.ConvWeight1.CopyFrom(new double[first.ConvWeight1.Length]);

        Assert.True(second.Version > 0);
        Assert.NotEqual(first.ConvWeight1.Values.ToArray(), second.ConvWeight1.Values.ToArray());
    }

    [Fact]
    public void Values_a_file_cannot_hold_are_refused_before_anything_is_written()
    {
        var weights = TestWeights.Random(8);
        weights.ChannelBias2.CopyFrom(Enumerable.Repeat(1e39, weights.ChannelBias2.Length).ToArray());
        using var stream = new MemoryStream();

        var tooLarge = Assert.Throws<InvalidOperationException>(() => weights.SaveSafeTensors(stream));
        Assert.Contains("channel_attention.2.bias", tooLarge.Message, StringComparison.Ordinal);
        Assert.Equal(0, stream.Length);
        weights.SaveSafeTensors(stream, GamTensorType.F64);

        weights.NormBias1.CopyFrom(Enumerable.Repeat(double.NaN, weights.NormBias1.Length).ToArray());
        var nan = Assert.Throws<InvalidOperationException>(() => weights.SaveSafeTensors(new MemoryStream(), GamTensorType.F64));
        Assert.Contains("spatial_attention.1.bias: value 0 is NaN", nan.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Argument_checks()
    {
        var weights = TestWeights.Random(8);
        Assert.Throws<ArgumentNullException>(() => weights.SaveSafeTensors((Stream)null!));
        Assert.Throws<ArgumentException>(() => weights.SaveSafeTensors(new MemoryStream([], writable: false)));
        Assert.Throws<ArgumentOutOfRangeException>(() => weights.SaveSafeTensors(new MemoryStream(), (GamTensorType)7));
        Assert.Throws<ArgumentNullException>(() => weights.SaveSafeTensors((string)null!));
        Assert.Throws<ArgumentException>(() => weights.SaveSafeTensors(string.Empty));
        Assert.Throws<ArgumentNullException>(() => GamWeights.LoadSafeTensors(null!, "x"));
        Assert.Throws<ArgumentNullException>(() => GamWeights.LoadSafeTensors(new MemoryStream(), null!));
        Assert.Throws<ArgumentNullException>(() => GamWeights.LoadNpz(null!, "x"));
        Assert.Throws<ArgumentNullException>(() => GamWeights.Load(null!));
        Assert.Throws<ArgumentException>(() => GamWeights.Load(string.Empty));
    }

    /// <summary>A readable stream that cannot seek, like a pipe or a network stream.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();
    }
}
