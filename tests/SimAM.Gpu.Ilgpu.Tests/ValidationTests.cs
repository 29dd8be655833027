using System;
using System.Linq;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Gpu.Ilgpu.Tests;

/// <summary>
/// Bad inputs: the ILGPU backend rejects exactly what the engine rejects, with the same exception type, parameter name
/// and message, before writing anything.
/// </summary>
public sealed class ValidationTests(IlgpuFixture fixture)
{
    private const float Sentinel = -12345f;

    public static TheoryData<int[], int, int, float> BadForwardCalls => new()
    {
        { [2, 3], 6, 6, 1e-4f },                   // rank below 3
        { [2, 0, 4], 0, 0, 1e-4f },                // zero dimension
        { [2, -1, 4], 8, 8, 1e-4f },               // negative dimension
        { [2, 3, 1, 1], 6, 6, 1e-4f },             // spatial size 1
        { [65536, 65536, 2], 8, 8, 1e-4f },        // more elements than a span holds
        { [2, 3, 4], 23, 24, 1e-4f },              // input too short
        { [2, 3, 4], 24, 25, 1e-4f },              // output too long
        { [2, 3, 4], 24, 24, 0f },                 // λ = 0
        { [2, 3, 4], 24, 24, -1f },                // λ < 0
        { [2, 3, 4], 24, 24, float.NaN },          // λ NaN
        { [2, 3, 4], 24, 24, float.PositiveInfinity },
        { [2, 3], 5, 7, float.NaN },               // several faults: λ is checked first, as in the engine
    };

    [Theory]
    [MemberData(nameof(BadForwardCalls))]
    public void Forward_rejects_what_the_engine_rejects_before_writing(int[] shape, int inputLength, int outputLength, float lambda)
    {
        var backend = fixture[IlgpuFixture.Cpu];
        var input = TestData.Normal(inputLength, 1);
        var output = Filled(outputLength);
        var expected = Record.Exception(() => SimAm.Forward(input, new float[outputLength], shape, lambda));
        var actual = Record.Exception(() => backend.Forward(input, output, shape, lambda));
        AssertSameRejection(expected, actual);
        Assert.All(output, v => Assert.Equal(Sentinel, v));
    }

    public static TheoryData<int[], int[], float> BadBackwardCalls => new()
    {
        { [2, 3], [6, 6, 6], 1e-4f },
        { [2, 3, 1], [6, 6, 6], 1e-4f },
        { [2, 3, 4], [23, 24, 24], 1e-4f },        // input too short
        { [2, 3, 4], [24, 25, 24], 1e-4f },        // gradOutput too long
        { [2, 3, 4], [24, 24, 0], 1e-4f },         // gradInput empty
        { [2, 3, 4], [24, 24, 24], float.NegativeInfinity },
    };

    [Theory]
    [MemberData(nameof(BadBackwardCalls))]
    public void Backward_rejects_what_the_engine_rejects_before_writing(int[] shape, int[] lengths, float lambda)
    {
        var backend = fixture[IlgpuFixture.Cpu];
        var input = TestData.Normal(lengths[0], 1);
        var gradOutput = TestData.Normal(lengths[1], 2);
        var gradInput = Filled(lengths[2]);
        var expected = Record.Exception(() => SimAm.Backward(input, gradOutput, new float[lengths[2]], shape, lambda));
        var actual = Record.Exception(() => backend.Backward(input, gradOutput, gradInput, shape, lambda));
        AssertSameRejection(expected, actual);
        Assert.All(gradInput, v => Assert.Equal(Sentinel, v));
    }

    [Fact]
    public void Statistics_of_the_wrong_length_are_rejected_as_the_engine_rejects_them()
    {
        var backend = fixture[IlgpuFixture.Cpu];
        int[] shape = [1, 2, 8];
        var x = TestData.Normal(16, 1);
        var output = Filled(16);
        AssertSameRejection(
            Record.Exception(() => SimAm.Forward(x, new float[16], shape, new PlaneStatistics[3])),
            Record.Exception(() => backend.Forward(x, output, shape, new PlaneStatistics[3])));
        AssertSameRejection(
            Record.Exception(() => SimAm.Backward(x, x, new float[16], shape, new PlaneStatistics[1])),
            Record.Exception(() => backend.Backward(x, x, output, shape, new PlaneStatistics[1])));
        Assert.All(output, v => Assert.Equal(Sentinel, v));
    }

    [Fact]
    public void Partial_overlap_is_rejected_and_exact_aliasing_is_allowed()
    {
        var backend = fixture[IlgpuFixture.Cpu];
        int[] shape = [1, 2, 8];
        var buffer = TestData.Normal(17, 3);
        var original = (float[])buffer.Clone();

        AssertSameRejection(
            Record.Exception(() => SimAm.Forward(buffer.AsSpan(0, 16), buffer.AsSpan(1, 16), shape)),
            Record.Exception(() => backend.Forward(buffer.AsSpan(0, 16), buffer.AsSpan(1, 16), shape)));
        var other = TestData.Normal(16, 4);
        AssertSameRejection(
            Record.Exception(() => SimAm.Backward(buffer.AsSpan(0, 16), other, buffer.AsSpan(1, 16), shape)),
            Record.Exception(() => backend.Backward(buffer.AsSpan(0, 16), other, buffer.AsSpan(1, 16), shape)));
        Assert.Equal(original, buffer);

        backend.Forward(buffer.AsSpan(0, 16), buffer.AsSpan(0, 16), shape);
        Assert.NotEqual(original[..16], buffer[..16]);
    }

    [Fact]
    public void Device_tensors_and_statistics_are_checked_against_the_shape_and_their_backend()
    {
        var backend = fixture[IlgpuFixture.Cpu];
        var other = fixture[IlgpuFixture.Split];
        int[] shape = [1, 2, 8];
        using var x = backend.Upload(TestData.Normal(16, 5));
        using var shorter = backend.CreateTensor(15);
        using var foreign = other.CreateTensor(16);
        using var statistics = backend.CreateStatistics(3);
        using var foreignStatistics = other.CreateStatistics(2);

        var e = Assert.Throws<ArgumentException>(() => backend.Forward(x, shorter, shape));
        Assert.Equal("output", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => backend.Forward(x, foreign, shape));
        Assert.Equal("output", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => backend.Backward(x, x, foreign, shape));
        Assert.Equal("gradInput", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => backend.Forward(x, x, shape, statistics));
        Assert.Equal("statistics", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => backend.Backward(x, x, x, shape, foreignStatistics));
        Assert.Equal("statistics", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => backend.Add(x, shorter, x));
        Assert.Equal("right", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => x.CopyTo(foreign));
        Assert.Equal("destination", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>("lambda", () => backend.Forward(x, x, shape, float.NaN));
        Assert.Throws<ArgumentException>("shape", () => backend.Forward(x, x, [1, 16]));
        Assert.Throws<ArgumentException>("source", () => x.Upload(new float[17]));
        Assert.Throws<ArgumentException>("destination", () => x.Download(new float[15]));
        Assert.Throws<ArgumentException>("source", () => statistics.Upload(new PlaneStatistics[2]));
        Assert.Throws<ArgumentOutOfRangeException>("length", () => backend.CreateTensor(0));
        Assert.Throws<ArgumentOutOfRangeException>("planeCount", () => backend.CreateStatistics(0));

        var disposed = backend.CreateTensor(16);
        disposed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => backend.Forward(x, disposed, shape));
        Assert.Throws<ObjectDisposedException>(() => disposed.Download(new float[16]));
    }

    [Fact]
    public void A_disposed_backend_throws_ObjectDisposedException()
    {
        IlgpuEnvironment.Require();
        var backend = IlgpuBackend.Create(IlgpuFixture.Options(IlgpuFixture.Cpu));
        var tensor = backend.CreateTensor(16);
        backend.Dispose();
        backend.Dispose();
        int[] shape = [1, 2, 8];
        Assert.Throws<ObjectDisposedException>(() => backend.Forward(new float[16], new float[16], shape));
        Assert.Throws<ObjectDisposedException>(() => backend.Backward(new float[16], new float[16], new float[16], shape));
        Assert.Throws<ObjectDisposedException>(() => backend.Forward(tensor, tensor, shape));
        Assert.Throws<ObjectDisposedException>(() => backend.CreateTensor(4));
        Assert.Throws<ObjectDisposedException>(() => backend.CreateStatistics(4));
        Assert.Throws<ObjectDisposedException>(() => tensor.Download(new float[16]));
        Assert.Throws<ObjectDisposedException>(backend.Synchronize);
        tensor.Dispose();
    }

    [Fact]
    public void Options_reject_values_out_of_range()
    {
        Assert.Throws<ArgumentOutOfRangeException>("GroupSize", () => new IlgpuBackendOptions { GroupSize = 96 });
        Assert.Throws<ArgumentOutOfRangeException>("GroupSize", () => new IlgpuBackendOptions { GroupSize = 2048 });
        Assert.Throws<ArgumentOutOfRangeException>("GroupSize", () => new IlgpuBackendOptions { GroupSize = -4 });
        Assert.Throws<ArgumentOutOfRangeException>("GroupsPerPlane", () => new IlgpuBackendOptions { GroupsPerPlane = -1 });
        Assert.Throws<ArgumentOutOfRangeException>("GroupsPerPlane", () => new IlgpuBackendOptions { GroupsPerPlane = 1025 });
        Assert.Equal(64, new IlgpuBackendOptions { GroupSize = 64 }.GroupSize);
    }

    private static float[] Filled(int length) => Enumerable.Repeat(Sentinel, length).ToArray();

    private static void AssertSameRejection(Exception? expected, Exception? actual)
    {
        Assert.NotNull(expected);
        Assert.NotNull(actual);
        Assert.Equal(expected.GetType(), actual.GetType());
        Assert.Equal(expected.Message, actual.Message);
        Assert.Equal((expected as ArgumentException)?.ParamName, (actual as ArgumentException)?.ParamName);
    }
}
