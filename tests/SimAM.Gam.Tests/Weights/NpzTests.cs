using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO.Compression;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace SimAM.Gam.Tests.Weights;

public sealed class NpzTests
{
    private const string Source = "broken.npz";

    private static readonly GamWeights s_weights = TestWeights.Random(4);

    /// <summary>The archive of <see cref="s_weights"/> that the random edits change, stored and deflated.</summary>
    private static readonly byte[] s_stored = NpzFile.Of(s_weights, CompressionLevel.NoCompression);

    private static readonly byte[] s_deflated = NpzFile.Of(s_weights, CompressionLevel.Optimal);

    [Theory]
    [InlineData(CompressionLevel.NoCompression)]
    [InlineData(CompressionLevel.Optimal)]
    public void Stored_and_deflated_archives_load(CompressionLevel level)
    {
        var weights = TestWeights.Random(16, groups: 4);

        TestWeights.AssertIdentical(weights, TestWeights.LoadNpz(NpzFile.Of(weights, level)));
    }

    [Fact]
    public void Float64_entries_load_exactly_and_float16_entries_are_converted()
    {
        var weights = TestWeights.Random(8, outChannels: 1);
        weights.ChannelBias1.CopyFrom([Math.PI, -1e-300]);

        TestWeights.AssertIdentical(weights, TestWeights.LoadNpz(NpzFile.Of(weights, descr: "<f8")));
        var half = TestWeights.LoadNpz(NpzFile.Of(weights, descr: "<f2"));
        Assert.Equal([(double)(Half)Math.PI, -0.0], half.ChannelBias1.Values.ToArray());
        Assert.Equal(weights.ConvWeight1.Values.ToArray().Select(v => (double)(Half)v), half.ConvWeight1.Values.ToArray());
        Assert.Equal((weights.BatchesTracked1, weights.BatchesTracked2), (half.BatchesTracked1, half.BatchesTracked2));
    }

    [Fact]
    public void An_archive_without_counters_loads_with_counters_zero()
    {
        var entries = NpzFile.Entries(s_weights).Where(e => !e.Entry.Contains("num_batches_tracked", StringComparison.Ordinal));

        var loaded = TestWeights.LoadNpz(NpzFile.Zip(entries));

        Assert.Equal((0L, 0L), (loaded.BatchesTracked1, loaded.BatchesTracked2));
    }

    public static TheoryData<string, byte[], string?, string> Cases => new()
    {
        { "not a zip archive", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], null, "is not a valid .npz (zip) archive" },
        { "an empty file", [], null, "is not a valid .npz (zip) archive" },
        { "an empty archive", NpzFile.Zip([]), "channel_attention.0.weight", "is missing" },
        { "an entry that is not .npy", Edit(e => [.. e, ("readme.txt", "hello"u8.ToArray())]), "readme.txt", "is not a .npy entry (np.savez stores each array as name.npy)" },
        { "an entry that is not a valid .npy file", Edit(e => Replace(e, "channel_attention.0.bias", "not npy at all"u8.ToArray())), "channel_attention.0.bias", "is not a valid .npy entry: not a .npy file (it does not start with the \\x93NUMPY magic string)" },
        { "a malformed .npy header", Edit(e => Replace(e, "channel_attention.0.bias", NpzFile.Npy("<f4", [1], new byte[4])[..30])), "channel_attention.0.bias", "is not a valid .npy entry: file is truncated inside the header" },
        { "a big-endian entry", Edit(e => Replace(e, "channel_attention.0.bias", NpzFile.Npy(">f4", [1], new byte[4]))), "channel_attention.0.bias", "big-endian arrays are not supported (dtype '>f4'); save with x.astype('<f4')" },
        { "a big-endian counter", Edit(e => Replace(e, GamWeights.BatchesTrackedName1, NpzFile.Npy(">i8", [], new byte[8]))), GamWeights.BatchesTrackedName1, "big-endian arrays are not supported (dtype '>i8'); save with x.astype('<i8')" },
        { "a Fortran-ordered entry", Edit(e => Replace(e, "channel_attention.0.weight", NpzFile.Npy("<f4", [1, 4], new byte[16], "True"))), "channel_attention.0.weight", "Fortran-ordered arrays are not supported" },
        { "an int32 entry", Edit(e => Replace(e, "channel_attention.0.bias", NpzFile.Npy("<i4", [1], new byte[4]))), "channel_attention.0.bias", "unsupported dtype '<i4'; expected float32 '<f4', float64 '<f8', float16 '<f2' or int64 '<i8'" },
        { "an entry with less data than its shape", Edit(e => Replace(e, "channel_attention.0.weight", NpzFile.Npy("<f4", [1, 8], new byte[16]))), "channel_attention.0.weight", "the entry is 144 bytes, but its .npy header and (1, 8) '<f4' data make 160" },
        { "an entry with bytes after its data", Edit(e => Replace(e, "channel_attention.0.bias", NpzFile.Npy("<f4", [1], new byte[8]))), "channel_attention.0.bias", "the entry is 136 bytes, but its .npy header and (1,) '<f4' data make 132" },
        { "a duplicate entry", Edit(e => [.. e, ("channel_attention.0.bias.npy", NpzFile.Npy("<f4", [1], new byte[4]))]), "channel_attention.0.bias", "appears twice" },
        { "a missing tensor", Edit(e => e.Where(x => x.Entry != "spatial_attention.1.running_mean.npy").ToList()), "spatial_attention.1.running_mean", "is missing" },
        { "an unexpected tensor", Edit(e => [.. e, ("optimizer.lr.npy", NpzFile.Npy("<f8", [], new byte[8]))]), "optimizer.lr", "is not a tensor of a GAM module" },
        { "a wrong shape", Edit(e => Replace(e, "spatial_attention.4.bias", NpzFile.Npy("<f4", [4, 1], new byte[16]))), "spatial_attention.4.bias", "has shape [4, 1]; C = 4, m = 1, out = 4, groups = 1 need [4]" },
        { "a float counter", Edit(e => Replace(e, GamWeights.BatchesTrackedName2, NpzFile.Npy("<f8", [], new byte[8]))), GamWeights.BatchesTrackedName2, "is float64 []; a batch counter must be an int64 scalar (shape [])" },
        { "a NaN", Edit(e => Replace(e, "spatial_attention.0.bias", NpzFile.Npy("<f4", [1], SafeTensorsFile.Floats(float.NaN)))), "spatial_attention.0.bias", "value 0 is NaN; weights must be finite" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_broken_archive_is_one_exception_naming_the_file_the_tensor_and_the_problem(string what, byte[] content, string? tensor, string problem)
    {
        var exception = Assert.Throws<GamWeightsFormatException>(() => TestWeights.LoadNpz(content, Source));

        Assert.True(exception.Message.StartsWith($"{Source}: ", StringComparison.Ordinal), $"{what}: {exception.Message}");
        Assert.True(exception.Message.Contains(problem, StringComparison.Ordinal), $"{what}: {exception.Message}");
        Assert.DoesNotContain('\n', exception.Message);
        Assert.Equal(Source, exception.SourceName);
        Assert.Equal(tensor, exception.TensorName);
    }

    [Fact]
    public void An_entry_claiming_more_compressed_bytes_than_the_archive_holds_is_refused()
    {
        var bytes = NpzFile.Of(s_weights);
        SetFirstEntrySizes(bytes, 0x7FFF_FFFF, 0x7FFF_FFFF);

        var exception = Assert.Throws<GamWeightsFormatException>(() => TestWeights.LoadNpz(bytes, Source));

        Assert.Equal("channel_attention.0.weight", exception.TensorName);
        Assert.Contains("the entry claims 2147483647 compressed bytes, more than the whole archive", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deflated_entry_claiming_more_than_deflate_can_produce_is_refused_before_allocating()
    {
        // A header for [1000, 4000] float32 values (16 MB) over 16 bytes of data, and a central directory that agrees.
        var bytes = Edit(e => Replace(e, "channel_attention.0.weight", NpzFile.Npy("<f4", [1000, 4000], new byte[16])), CompressionLevel.Optimal);
        SetFirstEntrySizes(bytes, null, 128 + 16_000_000);

        var exception = Assert.Throws<GamWeightsFormatException>(() => TestWeights.LoadNpz(bytes, Source));

        Assert.Equal("channel_attention.0.weight", exception.TensorName);
        Assert.Contains("the entry claims 16000128 bytes from", exception.Message, StringComparison.Ordinal);
        Assert.EndsWith("compressed bytes, more than deflate can produce", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CompressionLevel.NoCompression)]
    [InlineData(CompressionLevel.Optimal)]
    public void An_archive_cut_at_any_length_is_a_format_exception(CompressionLevel level)
    {
        var bytes = NpzFile.Of(s_weights, level);
        for (var length = 0; length < bytes.Length; length++)
        {
            var exception = Record.Exception(() => TestWeights.LoadNpz(bytes[..length]));
            Assert.True(exception is GamWeightsFormatException, $"cut at {length}: {exception?.GetType().Name}: {exception?.Message}");
        }
    }

    [Property(MaxTest = 1500, Arbitrary = [typeof(StoredArchiveEdits)])]
    public void Random_edits_of_a_valid_stored_archive_load_or_give_only_format_exceptions(ArchiveEdit edit) =>
        LoadsOrThrowsFormatException(s_stored, edit);

    [Property(MaxTest = 1500, Arbitrary = [typeof(DeflatedArchiveEdits)])]
    public void Random_edits_of_a_valid_deflated_archive_load_or_give_only_format_exceptions(ArchiveEdit edit) =>
        LoadsOrThrowsFormatException(s_deflated, edit);

    /// <summary>
    /// The edit with which the property above falsified the reader on .NET 8 (it threw EndOfStreamException there); the
    /// deflated bytes depend on the runtime's zlib, so on other runtimes it is one more random edit.
    /// </summary>
    [Fact]
    public void The_deflated_edit_that_ended_the_stream_on_dotnet_8_is_a_format_exception() =>
        LoadsOrThrowsFormatException(s_deflated, new ArchiveEdit([5079, 4324], [21, 147]));

    private static void LoadsOrThrowsFormatException(byte[] bytes, ArchiveEdit edit)
    {
        var content = (byte[])bytes.Clone();
        for (var i = 0; i < edit.Positions.Length; i++)
        {
            content[edit.Positions[i]] = (byte)edit.Values[i];
        }

        var exception = Record.Exception(() => TestWeights.LoadNpz(content));
        if (exception is not (null or GamWeightsFormatException))
        {
            throw new Xunit.Sdk.XunitException($"{exception.GetType().Name}: {exception.Message} at {string.Join(", ", edit.Positions)}");
        }
    }

    /// <summary>One to three bytes of an archive replaced by any values.</summary>
    private static Gen<ArchiveEdit> Edits(byte[] bytes) =>
        from count in Gen.Choose(1, 3)
        from positions in Gen.ArrayOf(Gen.Choose(0, bytes.Length - 1), count)
        from values in Gen.ArrayOf(Gen.Choose(0, 255), count)
        select new ArchiveEdit(positions, values);

    private static byte[] Edit(Func<List<(string Entry, byte[] Content)>, List<(string Entry, byte[] Content)>> change, CompressionLevel level = CompressionLevel.NoCompression) =>
        NpzFile.Zip(change(NpzFile.Entries(s_weights)), level);

    /// <summary>Overwrites the compressed and uncompressed sizes of the first entry's central directory record.</summary>
    private static void SetFirstEntrySizes(byte[] archive, uint? compressed, uint uncompressed)
    {
        var record = archive.AsSpan().IndexOf("PK\u0001\u0002"u8);
        if (compressed is { } size)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(archive.AsSpan(record + 20), size);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(archive.AsSpan(record + 24), uncompressed);
    }

    private static List<(string Entry, byte[] Content)> Replace(List<(string Entry, byte[] Content)> entries, string name, byte[] content) =>
        entries.Select(e => e.Entry == name + ".npy" ? (e.Entry, content) : e).ToList();

    /// <summary>Edits of the stored archive as an FsCheck arbitrary (no shrinking: a failure reports the whole edit).</summary>
    public static class StoredArchiveEdits
    {
        public static Arbitrary<ArchiveEdit> Edits() => Arb.From(NpzTests.Edits(s_stored));
    }

    /// <summary>Edits of the deflated archive as an FsCheck arbitrary (no shrinking: a failure reports the whole edit).</summary>
    public static class DeflatedArchiveEdits
    {
        public static Arbitrary<ArchiveEdit> Edits() => Arb.From(NpzTests.Edits(s_deflated));
    }

    /// <summary>The bytes at <see cref="Positions"/> set to <see cref="Values"/>.</summary>
    public sealed record ArchiveEdit(int[] Positions, int[] Values)
    {
        public override string ToString() => $"positions [{string.Join(", ", Positions)}], values [{string.Join(", ", Values)}]";
    }
}
