using System;
using System.IO;
using System.IO.Compression;
using Xunit;

namespace SimAM.Gam.Tests.Weights;

public sealed class LoadFromPathTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gam-weights-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("weights.safetensors")]
    [InlineData("weights.bin")]
    [InlineData("weights")]
    public void A_safetensors_file_is_told_by_its_content(string name)
    {
        var weights = TestWeights.Random(8);
        var path = Write(name, TestWeights.SaveSafeTensors(weights));

        TestWeights.AssertIdentical(weights, GamWeights.Load(path));
    }

    [Theory]
    [InlineData("weights.npz", CompressionLevel.NoCompression)]
    [InlineData("weights.safetensors", CompressionLevel.Optimal)]
    [InlineData("weights.pt", CompressionLevel.NoCompression)]
    public void An_npz_archive_is_told_by_its_content(string name, CompressionLevel level)
    {
        var weights = TestWeights.Random(8);
        var path = Write(name, NpzFile.Of(weights, level));

        TestWeights.AssertIdentical(weights, GamWeights.Load(path));
    }

    [Theory]
    [InlineData("cut.safetensors", new byte[] { 9, 0, 0 }, "is 3 bytes long; a safetensors file starts with an 8-byte header length")]
    [InlineData("cut.npz", new byte[] { 9, 0, 0 }, "is not a valid .npz (zip) archive")]
    [InlineData("notes.txt", new byte[] { (byte)'h', (byte)'i' }, "is neither a safetensors file nor an .npz archive")]
    public void A_file_of_neither_kind_is_judged_by_its_extension(string name, byte[] content, string problem)
    {
        var path = Write(name, content);

        var exception = Assert.Throws<GamWeightsFormatException>(() => GamWeights.Load(path));

        Assert.StartsWith($"{path}: {problem}", exception.Message, StringComparison.Ordinal);
        Assert.Equal(path, exception.SourceName);
    }

    [Fact]
    public void A_missing_file_is_FileNotFoundException() =>
        Assert.Throws<FileNotFoundException>(() => GamWeights.Load(Path.Combine(_directory, "absent.safetensors")));

    [Fact]
    public void Saving_to_a_path_replaces_the_file_whole_and_leaves_no_temporary_file()
    {
        var path = Path.Combine(_directory, "gam.safetensors");
        File.WriteAllText(path, "old content");
        var weights = TestWeights.Random(8, outChannels: 1);

        weights.SaveSafeTensors(path, GamTensorType.F64);

        TestWeights.AssertIdentical(weights, GamWeights.Load(path));
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Fact]
    public void A_failed_save_leaves_the_old_file_as_it_was()
    {
        var path = Path.Combine(_directory, "gam.safetensors");
        File.WriteAllText(path, "old content");
        var weights = TestWeights.Random(8);
        var values = new double[weights.RunningMean2.Length];
        values[0] = double.PositiveInfinity;
        weights.RunningMean2.CopyFrom(values);

        Assert.Throws<InvalidOperationException>(() => weights.SaveSafeTensors(path));

        Assert.Equal("old content", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Fact]
    public void Saving_into_a_missing_folder_fails_without_writing()
    {
        var path = Path.Combine(_directory, "absent", "gam.safetensors");

        Assert.Throws<DirectoryNotFoundException>(() => TestWeights.Random(4).SaveSafeTensors(path));
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    private string Write(string name, byte[] content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, content);
        return path;
    }
}
