using System;
using System.IO;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SimAM.Cli.Npy;
using SimAM.Cli.Tests.Infrastructure;

namespace SimAM.Cli.Tests;

/// <summary>
/// Whatever bytes a .npy file holds, the reader either returns an array or throws the documented
/// <see cref="NpyFormatException"/>: never another exception type, never a hang.
/// </summary>
public class NpyHeaderPropertyTests
{
    private const int MaxTest = 2500;

    private static readonly string[] s_tokens =
    [
        "{", "}", "(", ")", "[", "]", ",", ":", " ", "\n", "'", "\"", "\\", "'descr'", "'fortran_order'", "'shape'",
        "'<f4'", "'<f8'", "'>f4'", "'|O'", "'<i8'", "True", "False", "None", "0", "1", "3", "-1", "99999999999999999999",
        "2L", "(2, 3, 4)", "(,)", "()", "[('a', '<f4')]", "\u00e9", "\u0000", "\t",
    ];

    [Property(MaxTest = MaxTest, Arbitrary = [typeof(RandomFileArbitrary)])]
    public void Random_bytes_after_the_magic_give_only_NpyFormatException(byte[] content) => ReadsOrThrowsNpyFormatException(content);

    [Property(MaxTest = MaxTest, Arbitrary = [typeof(MutatedFileArbitrary)])]
    public void Mutated_valid_files_give_only_NpyFormatException(byte[] content) => ReadsOrThrowsNpyFormatException(content);

    [Property(MaxTest = MaxTest, Arbitrary = [typeof(TokenHeaderArbitrary)])]
    public void Headers_built_from_literal_tokens_give_only_NpyFormatException(byte[] content) => ReadsOrThrowsNpyFormatException(content);

    [Property(MaxTest = 500, Arbitrary = [typeof(ValidArrayArbitrary)])]
    public void Every_valid_header_round_trips_through_the_writer(ValidArray valid)
    {
        var array = valid.Array;
        var bytes = NpyWriter.ToBytes(array);
        Expect.That(bytes.Length % 64 == (array.Bytes.Length % 64), () => "the preamble is not 64-byte aligned");
        var read = NpyReader.Read(new MemoryStream(bytes));
        Expect.That(read.DType == array.DType && read.Shape.SequenceEqual(array.Shape), () => $"{NpyHeader.FormatShape(read.Shape)} != {NpyHeader.FormatShape(array.Shape)}");
        Expect.That(read.Bytes.SequenceEqual(array.Bytes), () => "data differs");
    }

    private static void ReadsOrThrowsNpyFormatException(byte[] content)
    {
        try
        {
            NpyReader.Read(new MemoryStream(content));
        }
        catch (NpyFormatException exception)
        {
            Expect.That(!exception.Message.Contains('\n', StringComparison.Ordinal), () => $"multi-line message: {exception.Message}");
        }
        catch (Exception exception)
        {
            Expect.That(false, () => $"{exception.GetType().Name}: {exception.Message} for {Convert.ToHexString(content)}");
        }
    }

    private static Gen<byte[]> Bytes(int min, int max) =>
        from length in Gen.Choose(min, max)
        from values in Gen.ArrayOf(Gen.Choose(0, 255), length)
        select values.Select(v => (byte)v).ToArray();

    /// <summary>The magic (usually), a version (usually valid), a length field, then random bytes.</summary>
    private static Gen<byte[]> RandomFiles() =>
        from magic in Gen.Frequency((9, Gen.Constant(NpyBytes.Magic)), (1, Bytes(0, 6)))
        from major in Gen.Frequency((9, Gen.Choose(1, 3)), (1, Gen.Choose(0, 255)))
        from minor in Gen.Frequency((9, Gen.Constant(0)), (1, Gen.Choose(0, 255)))
        from length in Gen.Frequency((3, Gen.Choose(0, 200)), (1, Gen.Choose(0, int.MaxValue)))
        from rest in Bytes(0, 300)
        select (byte[])[.. magic, (byte)major, (byte)minor, (byte)length, (byte)(length >> 8), (byte)(length >> 16), (byte)(length >> 24), .. rest];

    /// <summary>A valid file with a few bytes replaced, inserted or deleted, or cut short.</summary>
    private static Gen<byte[]> MutatedFiles() =>
        from array in ValidArrays()
        from edits in Gen.Choose(1, 4)
        from positions in Gen.ArrayOf(Gen.Choose(0, 10_000), edits)
        from values in Gen.ArrayOf(Gen.Choose(0, 255), edits)
        from kinds in Gen.ArrayOf(Gen.Choose(0, 3), edits)
        select Mutate(NpyWriter.ToBytes(array), positions, values, kinds);

    /// <summary>Headers assembled from the pieces of Python literal syntax, in a well-formed preamble.</summary>
    private static Gen<byte[]> TokenHeaders() =>
        from count in Gen.Choose(0, 30)
        from tokens in Gen.ArrayOf(Gen.Elements(s_tokens), count)
        from major in Gen.Choose(1, 3)
        from data in Bytes(0, 64)
        select NpyBytes.Build(string.Concat(tokens), data, (byte)major, pad: false);

    private static Gen<NpyArray> ValidArrays() =>
        from rank in Gen.Choose(0, 5)
        from shape in Gen.ArrayOf(Gen.Choose(0, 4), rank)
        from float64 in Gen.Elements(false, true)
        select float64
            ? NpyArray.FromFloat64(new double[shape.Aggregate(1, (a, b) => a * b)], shape)
            : NpyArray.FromFloat32(new float[shape.Aggregate(1, (a, b) => a * b)], shape);

    /// <summary>The generators above as FsCheck arbitraries (no shrinking), one class each: three of them make byte[].</summary>
    public static class RandomFileArbitrary
    {
        public static Arbitrary<byte[]> Files() => Arb.From(RandomFiles());
    }

    public static class MutatedFileArbitrary
    {
        public static Arbitrary<byte[]> Files() => Arb.From(MutatedFiles());
    }

    public static class TokenHeaderArbitrary
    {
        public static Arbitrary<byte[]> Files() => Arb.From(TokenHeaders());
    }

    public static class ValidArrayArbitrary
    {
        public static Arbitrary<ValidArray> Arrays() => Arb.From(ValidArrays().Select(array => new ValidArray(array)));
    }

    /// <summary>A valid array (a test method's parameters must be public, and <see cref="NpyArray"/> is internal to the tool).</summary>
    public sealed class ValidArray
    {
        internal ValidArray(NpyArray array) => Array = array;

        internal NpyArray Array { get; }

        public override string ToString() => $"{Array.DType} {NpyHeader.FormatShape(Array.Shape)}";
    }

    private static byte[] Mutate(byte[] bytes, int[] positions, int[] values, int[] kinds)
    {
        var list = bytes.ToList();
        for (var i = 0; i < positions.Length && list.Count > 0; i++)
        {
            // Aim most edits at the preamble and header, where the parsing happens.
            var at = positions[i] % Math.Min(list.Count, 140);
            switch (kinds[i])
            {
                case 0:
                    list[at] = (byte)values[i];
                    break;
                case 1:
                    list.Insert(at, (byte)values[i]);
                    break;
                case 2:
                    list.RemoveAt(at);
                    break;
                default:
                    list.RemoveRange(at, list.Count - at);
                    break;
            }
        }

        return [.. list];
    }
}

/// <summary>Property assertions with a lazily built message.</summary>
public static class Expect
{
    public static void That(bool condition, Func<string> message)
    {
        if (!condition)
        {
            throw new Xunit.Sdk.XunitException(message());
        }
    }
}
