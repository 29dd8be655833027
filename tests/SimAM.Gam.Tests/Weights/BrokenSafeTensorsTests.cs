using System;
using System.Buffers.Binary;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace SimAM.Gam.Tests.Weights;

/// <summary>
/// Every way a safetensors file can be broken gives one <see cref="GamWeightsFormatException"/> that names the
/// file, the tensor where one is at fault, and the problem; nothing else is ever thrown.
/// </summary>
public sealed class BrokenSafeTensorsTests
{
    private const string Source = "broken.safetensors";

    // C = 4, rate 4: m = 1. In the hand-built file channel_attention.0.weight [1, 4] has data_offsets [0, 16] and
    // channel_attention.0.bias [1] has [16, 20].
    private static readonly GamWeights s_weights = TestWeights.Random(4);

    /// <summary>The saved file of <see cref="s_weights"/> that the random edits change, and the length of its header.</summary>
    private static readonly byte[] s_file = TestWeights.SaveSafeTensors(s_weights);

    private static readonly int s_headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(s_file);

    public static TheoryData<string, byte[], string?, string> Cases => new()
    {
        { "an empty file", [], null, "is 0 bytes long; a safetensors file starts with an 8-byte header length" },
        { "seven bytes", [1, 2, 3, 4, 5, 6, 7], null, "is 7 bytes long" },
        { "a header length past the end", [.. Length(1000), .. "{}"u8], null, "header length 1000 runs past the end of the file (10 bytes): the file is truncated" },
        { "a huge header length", [.. Length(ulong.MaxValue), .. "{}"u8], null, "header length 18446744073709551615 is larger than the 100000000 bytes accepted" },
        { "a header that is not JSON", SafeTensorsFile.Assemble("{not json}"u8.ToArray(), []), null, "the header is not valid JSON" },
        { "a header that is a list", SafeTensorsFile.Assemble("[1, 2]"u8.ToArray(), []), null, "the header does not start with '{' (not a safetensors file)" },
        { "a header that is not UTF-8", SafeTensorsFile.Assemble([(byte)'{', (byte)'"', 0xFF, (byte)'"', (byte)':', (byte)'1', (byte)'}'], []), null, "the header is not valid UTF-8" },
        { "text after the header's object", File(f => f, h => h + " x"), null, "the header is not valid JSON" },
        { "a comment in the header", File(f => f, h => "{/* hi */" + h[1..]), null, "the header is not valid JSON" },
        { "a header nested too deep", File(f => f, h => h[..^1] + ",\"x\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,0],\"extra\":" + new string('[', 100) + new string(']', 100) + "}}"), null, "the header is not valid JSON" },
        { "a missing tensor", File(f => f.Remove("spatial_attention.4.running_var")), "spatial_attention.4.running_var", "is missing (a GAM module's state_dict has it, shape [4])" },
        { "a missing size tensor", File(f => f.Remove("channel_attention.0.weight")), "channel_attention.0.weight", "is missing (the module's sizes are read from its shape)" },
        { "a wrong shape", File(f => f.Replace("spatial_attention.1.weight", "F32", [2], SafeTensorsFile.Floats(1, 1))), "spatial_attention.1.weight", "has shape [2]; C = 4, m = 1, out = 4, groups = 1 need [1]" },
        { "a wrong conv shape", File(f => f.Replace("spatial_attention.3.weight", "F32", [4, 1, 5, 5], new byte[400])), "spatial_attention.3.weight", "has shape [4, 1, 5, 5]; C = 4, m = 1, out = 4, groups = 1 need [4, 1, 7, 7]" },
        { "a conv of the wrong rank", File(f => f.Replace("spatial_attention.0.weight", "F32", [1, 4, 49], new byte[784])), "spatial_attention.0.weight", "has shape [1, 4, 49]; a GAM module's has 4 dimensions" },
        { "groups that do not divide C", File(f => f.Replace("spatial_attention.0.weight", "F32", [1, 3, 7, 7], new byte[588])), "spatial_attention.0.weight", "its input channels per group (3) do not divide C = 4" },
        { "groups that do not divide m", File(f => f.Replace("spatial_attention.0.weight", "F32", [1, 2, 7, 7], new byte[392])), "spatial_attention.0.weight", "groups = C / 2 = 2 does not divide m = 1" },
        { "out neither C nor 1", File(f => f.Replace("spatial_attention.3.weight", "F32", [3, 1, 7, 7], new byte[588])), "spatial_attention.3.weight", "out = 3, but the spatial map multiplies x, so out must be C (4) or 1" },
        { "a zero size", File(f => f.Replace("channel_attention.0.weight", "F32", [0, 4], [])), "channel_attention.0.weight", "has shape [0, 4]; GAM needs [m, C] with C >= 1 and m >= 1" },
        { "truncated data", File(f => f)[..^4], GamWeights.BatchesTrackedName2, "data_offsets [" },
        { "offsets past the end", File(f => f, h => h.Replace("[16,20]", "[16,20000]", StringComparison.Ordinal)), "channel_attention.0.bias", "data_offsets [16, 20000] hold 19984 bytes, but F32 [1] is 4 bytes" },
        { "overlapping offsets", File(f => f, h => h.Replace("[16,20]", "[12,16]", StringComparison.Ordinal)), "channel_attention.0.bias", "data_offsets [12, 16] overlap those of channel_attention.0.weight (which end at 16)" },
        { "a gap between tensors", File(f => f, h => Regex.Replace(h, "\"channel_attention\\.0\\.bias\":\\{[^}]*\\},", string.Empty)), "channel_attention.2.weight", "data_offsets [20, 36] leave bytes 16 to 20 of the data to no tensor" },
        { "bytes after the last tensor", [.. File(f => f), 0, 0, 0, 0], null, "4 bytes follow the last tensor's data" },
        { "offsets that do not match the shape", File(f => f.Replace("channel_attention.0.bias", "F32", [1], new byte[8])), "channel_attention.0.bias", "data_offsets [16, 24] hold 8 bytes, but F32 [1] is 4 bytes" },
        { "reversed offsets", File(f => f, h => h.Replace("[16,20]", "[20,16]", StringComparison.Ordinal)), "channel_attention.0.bias", "data_offsets [20, 16] end before they begin" },
        { "an unknown dtype", File(f => f.Replace("channel_attention.0.bias", "Q8", [1], new byte[4])), "channel_attention.0.bias", "has dtype 'Q8'; supported: F32, F64, F16, BF16 (I64 for the batch counters)" },
        { "an unsupported dtype", File(f => f.Replace("channel_attention.0.bias", "I32", [1], new byte[4])), "channel_attention.0.bias", "has dtype 'I32'" },
        { "an integer weight", File(f => f.Replace("spatial_attention.0.bias", "I64", [1], SafeTensorsFile.Counter(3))), "spatial_attention.0.bias", "is int64; weights must be floating point" },
        { "an integer size tensor", File(f => f.Replace("channel_attention.0.weight", "I64", [1, 4], new byte[32])), "channel_attention.0.weight", "is int64; weights must be floating point" },
        { "a float counter", File(f => f.Replace(GamWeights.BatchesTrackedName1, "F32", [], SafeTensorsFile.Floats(3))), GamWeights.BatchesTrackedName1, "is float32 []; a batch counter must be an int64 scalar (shape [])" },
        { "a counter of shape [1]", File(f => f.Replace(GamWeights.BatchesTrackedName1, "I64", [1], SafeTensorsFile.Counter(3))), GamWeights.BatchesTrackedName1, "is int64 [1]; a batch counter must be an int64 scalar" },
        { "a negative counter", File(f => f.Replace(GamWeights.BatchesTrackedName2, "I64", [], SafeTensorsFile.Counter(-1))), GamWeights.BatchesTrackedName2, "is -1; a batch counter cannot be negative" },
        { "an unexpected tensor", File(f => f.Add("module.extra", "F32", [1], SafeTensorsFile.Floats(0))), "module.extra", "is not a tensor of a GAM module (unexpected extra tensors are rejected" },
        { "a duplicate tensor", File(f => f.Add("channel_attention.0.bias", "F32", [1], SafeTensorsFile.Floats(0))), "channel_attention.0.bias", "appears twice" },
        { "a NaN", File(f => f.SetFloat("spatial_attention.3.weight", 5, float.NaN)), "spatial_attention.3.weight", "value 5 is NaN; weights must be finite" },
        { "an infinity", File(f => f.SetFloat("channel_attention.2.bias", 3, float.NegativeInfinity)), "channel_attention.2.bias", "value 3 is -Infinity; weights must be finite" },
        { "a negative running variance", File(f => f.SetFloat("spatial_attention.4.running_var", 2, -0.5f)), "spatial_attention.4.running_var", "value 2 is -0.5; a running variance cannot be negative" },
        { "two metadata entries", File(f => f, h => "{\"__metadata__\":{}," + h[1..]), null, "the header has two '__metadata__' entries" },
        { "metadata that is not strings", File(f => { f.Metadata = "{\"epoch\":3}"; return f; }), null, "'__metadata__' must be an object of strings" },
        { "a negative dimension", File(f => f, h => h.Replace("\"shape\":[1],\"data_offsets\":[16,20]", "\"shape\":[-1],\"data_offsets\":[16,20]", StringComparison.Ordinal)), "channel_attention.0.bias", "must have one 'shape', a list of non-negative integers" },
        { "a fractional dimension", File(f => f, h => h.Replace("\"shape\":[1],\"data_offsets\":[16,20]", "\"shape\":[1.0],\"data_offsets\":[16,20]", StringComparison.Ordinal)), "channel_attention.0.bias", "must have one 'shape', a list of non-negative integers" },
        { "a dimension beyond uint64", File(f => f, h => h.Replace("\"shape\":[1],\"data_offsets\":[16,20]", "\"shape\":[99999999999999999999],\"data_offsets\":[16,20]", StringComparison.Ordinal)), "channel_attention.0.bias", "must have one 'shape'" },
        { "three offsets", File(f => f, h => h.Replace("[16,20]", "[16,20,24]", StringComparison.Ordinal)), "channel_attention.0.bias", "must have one 'data_offsets', a list of two non-negative integers [begin, end]" },
        { "no dtype", File(f => f, h => h.Replace("\"channel_attention.0.bias\":{\"dtype\":\"F32\",", "\"channel_attention.0.bias\":{", StringComparison.Ordinal)), "channel_attention.0.bias", "has no 'dtype'" },
        { "a dtype that is not a string", File(f => f, h => h.Replace("\"channel_attention.0.bias\":{\"dtype\":\"F32\"", "\"channel_attention.0.bias\":{\"dtype\":32", StringComparison.Ordinal)), "channel_attention.0.bias", "must have one 'dtype', a string" },
        { "a tensor that is not an object", File(f => f, h => h.Replace("\"channel_attention.0.bias\":{", "\"channel_attention.0.bias\":[1],\"x\":{", StringComparison.Ordinal)), "channel_attention.0.bias", "must be an object with 'dtype', 'shape' and 'data_offsets'" },
        { "more elements than an array holds", File(f => f, h => h.Replace("\"shape\":[1],\"data_offsets\":[16,20]", "\"shape\":[65536,65536],\"data_offsets\":[16,20]", StringComparison.Ordinal)), "channel_attention.0.bias", "has more than 2147483647 elements" },
        { "a huge tensor in a small file", File(f => f, h => h.Replace("\"shape\":[1,4],\"data_offsets\":[0,16]", "\"shape\":[40000,40000],\"data_offsets\":[0,6400000000]", StringComparison.Ordinal)), "channel_attention.0.weight", "data_offsets [0, 6400000000] reach past the end of the data" },
        { "a name with a line break", File(f => f.Add("bad\\nname", "F32", [1], SafeTensorsFile.Floats(0))), "bad\nname", "bad?name: is not a tensor of a GAM module" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_broken_file_is_one_exception_naming_the_file_the_tensor_and_the_problem(string what, byte[] content, string? tensor, string problem)
    {
        var exception = Assert.Throws<GamWeightsFormatException>(() => TestWeights.LoadSafeTensors(content, Source));

        Assert.True(exception.Message.StartsWith($"{Source}: ", StringComparison.Ordinal), $"{what}: {exception.Message}");
        Assert.True(exception.Message.Contains(problem, StringComparison.Ordinal), $"{what}: {exception.Message}");
        Assert.DoesNotContain('\n', exception.Message);
        Assert.Equal(Source, exception.SourceName);
        Assert.Equal(tensor, exception.TensorName);
    }

    [Fact]
    public void The_hand_built_file_that_the_cases_break_loads()
    {
        TestWeights.AssertIdentical(s_weights, TestWeights.LoadSafeTensors(File(f => f)));
        Assert.Contains("\"channel_attention.0.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[16,20]}", SafeTensorsFile.Of(s_weights).HeaderJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_cut_at_any_length_is_a_format_exception()
    {
        var bytes = TestWeights.SaveSafeTensors(s_weights);
        for (var length = 0; length < bytes.Length; length++)
        {
            var exception = Record.Exception(() => TestWeights.LoadSafeTensors(bytes[..length]));
            Assert.True(exception is GamWeightsFormatException, $"cut at {length}: {exception?.GetType().Name}: {exception?.Message}");
        }
    }

    [Property(MaxTest = 2000, Arbitrary = [typeof(Arbitraries)])]
    public void Random_edits_of_a_valid_file_load_or_give_only_format_exceptions(FileEdit edit)
    {
        var content = (byte[])s_file.Clone();
        for (var i = 0; i < edit.Positions.Length; i++)
        {
            content[edit.Positions[i]] = edit.Values[i];
        }

        var exception = Record.Exception(() => TestWeights.LoadSafeTensors(content));
        if (exception is not (null or GamWeightsFormatException))
        {
            throw new Xunit.Sdk.XunitException($"{exception.GetType().Name}: {exception.Message} for {Encoding.UTF8.GetString(content, 8, s_headerLength)}");
        }
    }

    private static byte[] Length(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }

    private static byte[] File(Func<SafeTensorsFile, SafeTensorsFile> change, Func<string, string>? editHeader = null) =>
        change(SafeTensorsFile.Of(s_weights)).ToBytes(editHeader);

    /// <summary>One to four bytes, mostly of the header, replaced by bytes that mean something in JSON, a NUL, or bytes that are not ASCII.</summary>
    private static Gen<FileEdit> Edits() =>
        from count in Gen.Choose(1, 4)
        from positions in Gen.ArrayOf(Gen.Frequency((4, Gen.Choose(0, s_headerLength + 8)), (1, Gen.Choose(0, s_file.Length - 1))), count)
        from values in Gen.ArrayOf(Gen.Elements<byte>([.. "{}[]\":,0123456789-.eE \\u"u8, 0, 0xFF, 0x80]), count)
        select new FileEdit(positions, values);

    /// <summary>The edits as an FsCheck arbitrary (no shrinking: a failure reports the whole edit).</summary>
    public static class Arbitraries
    {
        public static Arbitrary<FileEdit> FileEdits() => Arb.From(Edits());
    }

    /// <summary>The bytes at <see cref="Positions"/> set to <see cref="Values"/>.</summary>
    public sealed record FileEdit(int[] Positions, byte[] Values)
    {
        public override string ToString() => $"positions [{string.Join(", ", Positions)}], values [{string.Join(", ", Values)}]";
    }
}
