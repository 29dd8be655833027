using System;
using System.IO;
using System.Text;
using SimAM.Cli.Tests.Infrastructure;
using Xunit;

namespace SimAM.Cli.Tests;

/// <summary>
/// Every way a .npy input can be wrong, each with the one-line message <c>simam forward</c> prints: exit
/// code 1, no stack trace, no output file.
/// </summary>
public sealed class MalformedNpyTests : IDisposable
{
    private static readonly byte[] s_data24 = new byte[24 * 4];

    private readonly TempDirectory _dir = new();

    public static TheoryData<string, byte[], string> Cases => new()
    {
        { "empty file", [], "not a .npy file (it does not start with the \\x93NUMPY magic string)" },
        { "wrong magic", Encoding.ASCII.GetBytes("\u0093NUMPX\u0001\u0000"), "not a .npy file (it does not start with the \\x93NUMPY magic string)" },
        { "a text file", Encoding.ASCII.GetBytes("x,y\n1,2\n"), "not a .npy file (it does not start with the \\x93NUMPY magic string)" },
        { "only the magic", NpyBytes.Magic, "file is truncated inside the .npy preamble" },
        { "version 4.0", Preamble(4, 0), "unsupported .npy format version 4.0 (supported: 1.0, 2.0, 3.0)" },
        { "version 1.1", Preamble(1, 1), "unsupported .npy format version 1.1 (supported: 1.0, 2.0, 3.0)" },
        { "length field cut short", [.. Preamble(1, 0), 0x76], "file is truncated inside the .npy preamble" },
        { "header cut short", NpyBytes.OfFloats(new float[24], "(2, 3, 4)")[..40], "file is truncated inside the header (30 of 118 bytes)" },
        { "header length too large", [.. Preamble(2, 0), 0xFF, 0xFF, 0xFF, 0x7F], "header length 2147483647 is larger than the 65536 bytes accepted" },
        { "data cut short", NpyBytes.OfFloats(new float[24], "(2, 3, 4)")[..^10], "file is truncated: shape (2, 3, 4) needs 96 bytes of data, found 86" },
        { "trailing bytes", [.. NpyBytes.OfFloats(new float[24], "(2, 3, 4)"), 1, 2, 3, 4], "unexpected 4 bytes after the data of shape (2, 3, 4)" },
        { "big-endian float32", NpyBytes.Build(NpyBytes.Dict(">f4", "(2, 3, 4)"), s_data24), "big-endian arrays are not supported (dtype '>f4'); save with x.astype('<f4')" },
        { "big-endian float64", NpyBytes.Build(NpyBytes.Dict(">f8", "(2, 3, 4)"), new byte[192]), "big-endian arrays are not supported (dtype '>f8'); save with x.astype('<f8')" },
        { "Fortran order", NpyBytes.Build(NpyBytes.Dict("<f4", "(2, 3, 4)", "True"), s_data24), "Fortran-ordered arrays are not supported (save a C-ordered array, e.g. np.ascontiguousarray(x))" },
        { "object dtype", NpyBytes.Build(NpyBytes.Dict("|O", "(2, 3, 4)"), s_data24), "object arrays are not supported; expected float32 '<f4' or float64 '<f8'" },
        { "int32", NpyBytes.Build(NpyBytes.Dict("<i4", "(2, 3, 4)"), s_data24), "unsupported dtype '<i4'; expected float32 '<f4' or float64 '<f8'" },
        { "float16", NpyBytes.Build(NpyBytes.Dict("<f2", "(2, 3, 4)"), new byte[48]), "unsupported dtype '<f2'; expected float32 '<f4' or float64 '<f8'" },
        { "complex64", NpyBytes.Build(NpyBytes.Dict("<c8", "(2, 3, 4)"), new byte[192]), "unsupported dtype '<c8'; expected float32 '<f4' or float64 '<f8'" },
        { "structured dtype", NpyBytes.Build("{'descr': [('a', '<f4'), ('b', '<f4')], 'fortran_order': False, 'shape': (2, 3, 4), }", new byte[192]), "structured (record) dtypes are not supported; expected float32 '<f4' or float64 '<f8'" },
        { "rank 2", NpyBytes.OfFloats(new float[12], "(3, 4)"), "expected a tensor of shape [N, C, spatial...] (rank 3 or more); got shape (3, 4)" },
        { "rank 1", NpyBytes.OfFloats(new float[5], "(5,)"), "expected a tensor of shape [N, C, spatial...] (rank 3 or more); got shape (5,)" },
        { "a scalar", NpyBytes.OfFloats(new float[1], "()"), "expected a tensor of shape [N, C, spatial...] (rank 3 or more); got shape ()" },
        { "zero dimension", NpyBytes.OfFloats([], "(0, 3, 4)"), "shape[0] is 0; every dimension must be positive. Actual value was 0." },
        { "spatial size 1", NpyBytes.OfFloats(new float[6], "(2, 3, 1)"), "shape [2, 3, 1] has spatial size 1: SimAM's variance divides by S - 1 = 0 (the reference module returns NaN). Use a spatial size of at least 2." },
        { "missing shape", NpyBytes.Build("{'descr': '<f4', 'fortran_order': False, }", s_data24), "malformed header: missing key 'shape'" },
        { "missing descr", NpyBytes.Build("{'fortran_order': False, 'shape': (2, 3, 4), }", s_data24), "malformed header: missing key 'descr'" },
        { "extra key", NpyBytes.Build("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), 'extra': 1, }", s_data24), "malformed header: unexpected key 'extra'" },
        { "duplicate key", NpyBytes.Build("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }", s_data24), "malformed header: duplicate key 'descr' at offset 31" },
        { "unclosed tuple", NpyBytes.Build("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4}", s_data24), "malformed header: expected ',' or ')' in a tuple at offset 58" },
        { "not a dict", NpyBytes.Build("['descr', '<f4']", s_data24), "malformed header: expected '{' at offset 0" },
        { "unterminated string", NpyBytes.Build("{'descr: '<f4'}", s_data24, pad: false), "malformed header: expected ':' at offset 10" },
        { "shape not a tuple", NpyBytes.Build(NpyBytes.Dict("<f4", "24"), s_data24), "malformed header: 'shape' must be a tuple of integers" },
        { "one dimension without comma", NpyBytes.Build(NpyBytes.Dict("<f4", "(24)"), s_data24), "malformed header: 'shape' must be a tuple: write (5,) for one dimension at offset 54" },
        { "negative dimension", NpyBytes.Build(NpyBytes.Dict("<f4", "(2, -3, 4)"), s_data24), "malformed header: shape has a negative dimension (-3)" },
        { "more elements than an array holds", NpyBytes.Build(NpyBytes.Dict("<f4", "(65536, 65536, 2)"), s_data24), "array is too large: more than 2147483647 elements" },
        { "a dimension beyond int64", NpyBytes.Build(NpyBytes.Dict("<f4", "(99999999999999999999, 1, 2)"), s_data24), "malformed header: integer is too large at offset 69" },
        { "fortran_order not a bool", NpyBytes.Build(NpyBytes.Dict("<f4", "(2, 3, 4)", "0"), s_data24), "malformed header: 'fortran_order' must be True or False" },
        { "descr not a string", NpyBytes.Build("{'descr': 4, 'fortran_order': False, 'shape': (2, 3, 4), }", s_data24), "malformed header: 'descr' must be a string" },
        { "text after the dict", NpyBytes.Build(NpyBytes.Dict("<f4", "(2, 3, 4)") + " x", s_data24), "malformed header: unexpected text after the dictionary at offset 63" },
        { "version 3.0 header that is not UTF-8", [.. Preamble(3, 0), 4, 0, 0, 0, 0xC3, 0x28, 0xFF, 0x0A], "malformed header: it is not valid UTF-8" },
    };

    public void Dispose() => _dir.Dispose();

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_bad_input_file_is_one_error_line_naming_the_problem(string what, byte[] content, string expected)
    {
        var input = _dir.File("x.npy");
        var output = _dir.File("y.npy");
        File.WriteAllBytes(input, content);

        var result = Simam.Run("forward", "--input", input, "--output", output);

        Assert.True(result.ExitCode == 1, $"{what}: {result}");
        Assert.Equal([$"error: {input}: {expected}"], result.ErrorLines);
        Assert.Empty(result.Stdout);
        Assert.Equal(["x.npy"], _dir.FileNames());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Every_format_version_is_read(byte major)
    {
        var x = TestData.Floats(24, seed: major);
        var input = _dir.File("x.npy");
        var output = _dir.File("y.npy");
        File.WriteAllBytes(input, NpyBytes.Build(NpyBytes.Dict("<f4", "(2, 3, 4)"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan()), major));

        var result = Simam.Run("forward", "--input", input, "--output", output);

        Assert.True(result.ExitCode == 0, result.ToString());
        var expected = new float[24];
        SimAm.Forward(x, expected, [2, 3, 4]);
        Assert.Equal(expected, Npy.NpyReader.Read(output).Float32);
    }

    [Fact]
    public void Headers_from_old_numpy_with_long_literals_and_double_quotes_are_read()
    {
        var input = _dir.File("x.npy");
        File.WriteAllBytes(input, NpyBytes.Build("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2L, 3L, 4L)}", s_data24));

        var result = Simam.Run("forward", "--input", input, "--output", _dir.File("y.npy"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([2, 3, 4], Npy.NpyReader.Read(_dir.File("y.npy")).Shape.ToArray());
    }

    private static byte[] Preamble(byte major, byte minor) => [.. NpyBytes.Magic, major, minor];
}
