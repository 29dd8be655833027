using System;
using System.Linq;
using SimAM.Scheduling;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Tests.Kernels;

/// <summary>
/// Non-temporal stores (<see cref="SimAmStores.Streaming"/>) change where the output goes, never its bits: every
/// kernel path, both layouts and both variants give the bits of <see cref="SimAmStores.Cached"/>, whatever the
/// alignment of the output, in place or not, on one worker or several.
/// </summary>
public class StoreTests
{
    /// <summary>
    /// Whole planes and planes under one vector, planes that need chunks on several workers, small planes in lane
    /// batches with a remainder, and tails at every width; channels last, C = 3, 40, 7, 2 (flat) and 97 (row by row).
    /// </summary>
    private static readonly int[][] s_shapes = [[2, 5, 37, 3], [1, 3, 300, 40], [1, 37, 7, 7], [2, 3, 5, 2], [2, 7, 97]];

    /// <summary>Element offsets of the buffers: aligned to the widest vector (0) and not (1, 5, 13).</summary>
    private static readonly int[] s_offsets = [0, 1, 5, 13];

    [Theory]
    [MemberData(nameof(KernelPaths.WithLayoutsAndVariants), MemberType = typeof(KernelPaths))]
    public void Streaming_stores_give_the_cached_bits(SimAmKernel kernel, SimAmLayout layout, SimAmVariant variant)
    {
        foreach (var shape in s_shapes)
        {
            var count = shape.Aggregate(1, (a, b) => a * b);
            var x = TestData.Normal(count, seed: count, scale: 2f, offset: 0.5f);
            var g = TestData.Normal(count, seed: count + 1);
            foreach (var threads in new[] { 1, 2 })
            {
                var expected = Run(x, g, shape, Options(kernel, layout, variant, threads, SimAmStores.Cached), 0);
                foreach (var offset in s_offsets)
                {
                    var context = $"{kernel}, {layout}, {variant}, {threads} threads, offset {offset}, shape [{string.Join(", ", shape)}]";
                    var actual = Run(x, g, shape, Options(kernel, layout, variant, threads, SimAmStores.Streaming), offset);
                    Bits.AssertIdentical(expected.Y, actual.Y, context + ": forward");
                    Bits.AssertIdentical(expected.Dx, actual.Dx, context + ": backward");
                    Bits.AssertIdentical(expected.Dx, actual.DxWithStatistics, context + ": backward with statistics");
                    Bits.AssertIdentical(expected.Dx, actual.DxInPlace, context + ": backward into gradOutput");
                    Bits.AssertIdentical(expected.Y, actual.YInPlace, context + ": forward in place");
                }
            }
        }
    }

    [Fact]
    public void Half_and_double_streaming_stores_give_the_cached_bits()
    {
        int[] shape = [2, 6, 45, 41];
        var count = shape.Aggregate(1, (a, b) => a * b);
        var x = TestData.NormalDouble(count, seed: 3, scale: 2, offset: 0.5);
        var g = TestData.NormalDouble(count, seed: 4);
        var cached = new SimAmOptions { Stores = SimAmStores.Cached };
        var streaming = new SimAmOptions { Stores = SimAmStores.Streaming };
        foreach (var offset in s_offsets)
        {
            var yCached = new double[count];
            var yStreaming = new double[count + offset];
            SimAm.Forward(x, yCached, shape, SimAm.DefaultLambda, cached);
            SimAm.Forward(x, yStreaming.AsSpan(offset), shape, SimAm.DefaultLambda, streaming);
            Bits.AssertIdentical(yCached, yStreaming.AsSpan(offset), $"double forward, offset {offset}");
            SimAm.Backward(x, g, yCached, shape, SimAm.DefaultLambda, cached);
            SimAm.Backward(x, g, yStreaming.AsSpan(offset), shape, SimAm.DefaultLambda, streaming);
            Bits.AssertIdentical(yCached, yStreaming.AsSpan(offset), $"double backward, offset {offset}");

            var xHalf = x.Select(v => (Half)v).ToArray();
            var gHalf = g.Select(v => (Half)v).ToArray();
            var hCached = new Half[count];
            var hStreaming = new Half[count + offset];
            SimAm.Forward(xHalf, hCached, shape, SimAm.DefaultLambda, cached);
            SimAm.Forward(xHalf, hStreaming.AsSpan(offset), shape, SimAm.DefaultLambda, streaming);
            Assert.True(hCached.AsSpan().SequenceEqual(hStreaming.AsSpan(offset)), $"Half forward, offset {offset}");
            SimAm.Backward(xHalf, gHalf, hCached, shape, SimAm.DefaultLambda, cached);
            SimAm.Backward(xHalf, gHalf, hStreaming.AsSpan(offset), shape, SimAm.DefaultLambda, streaming);
            Assert.True(hCached.AsSpan().SequenceEqual(hStreaming.AsSpan(offset)), $"Half backward, offset {offset}");
        }
    }

    [Fact]
    public void Auto_is_the_default_and_gives_the_cached_bits_on_a_tensor_it_streams()
    {
        Assert.Equal(SimAmStores.Auto, SimAmOptions.Default.Stores);

        // 38.5 MB in and as much out, more than any cache a call counts on, in planes of one chunk: Auto streams.
        int[] shape = [12, 256, 56, 56];
        var count = shape.Aggregate(1, (a, b) => a * b);
        Assert.True(StorePolicy.Streams(SimAmStores.Auto, 2L * count * sizeof(float), inPlace: false, planesInL1: true));
        var x = TestData.Normal(count, seed: 11);
        var expected = new float[count];
        var actual = new float[count];
        SimAm.Forward(x, expected, shape, SimAm.DefaultLambda, new SimAmOptions { Stores = SimAmStores.Cached });
        SimAm.Forward(x, actual, shape);
        Bits.AssertIdentical(expected, actual, "Auto on a large tensor");
    }

    [Theory]
    [InlineData(SimAmStores.Auto, 64L << 20, false, true, true)]
    [InlineData(SimAmStores.Auto, 64L << 20, true, true, false)]
    [InlineData(SimAmStores.Auto, 64L << 20, false, false, false)]
    [InlineData(SimAmStores.Auto, 64L << 10, false, true, false)]
    [InlineData(SimAmStores.Cached, 64L << 20, false, true, false)]
    [InlineData(SimAmStores.Streaming, 1L << 20, false, false, true)]
    [InlineData(SimAmStores.Streaming, 1L << 20, true, true, false)]
    public void Auto_streams_large_out_of_place_calls_on_planes_in_L1_and_an_in_place_call_never_streams(SimAmStores stores, long bytes, bool inPlace, bool planesInL1, bool expected)
    {
        Assert.InRange(StorePolicy.CacheBytes, 64L << 10, StorePolicy.LargestSliceBytes);
        Assert.Equal(expected, StorePolicy.Streams(stores, bytes, inPlace, planesInL1));
    }

    [Fact]
    public void Undefined_store_modes_are_rejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SimAmOptions { Stores = (SimAmStores)3 });
        Assert.Equal("Stores", error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimAmOptions { Stores = (SimAmStores)(-1) });
    }

    private static SimAmOptions Options(SimAmKernel kernel, SimAmLayout layout, SimAmVariant variant, int threads, SimAmStores stores) =>
        new() { Kernel = kernel, Layout = layout, Variant = variant, MaxDegreeOfParallelism = threads, Stores = stores };

    /// <summary>Every pass with each output <paramref name="offset"/> elements into a larger buffer.</summary>
    private static Results Run(float[] x, float[] g, int[] shape, SimAmOptions options, int offset)
    {
        var count = x.Length;
        var statistics = new PlaneStatistics[SimAm.PlaneCount(shape, options.Layout)];
        var y = new float[count + offset];
        var dx = new float[count + offset];
        var dxWithStatistics = new float[count + offset];
        SimAm.Forward(x, y.AsSpan(offset), shape, statistics, SimAm.DefaultLambda, options);
        SimAm.Backward(x, g, dx.AsSpan(offset), shape, SimAm.DefaultLambda, options);
        SimAm.Backward(x, g, dxWithStatistics.AsSpan(offset), shape, statistics, SimAm.DefaultLambda, options);

        var inPlace = new float[count + offset];
        x.CopyTo(inPlace, offset);
        SimAm.Forward(inPlace.AsSpan(offset), inPlace.AsSpan(offset), shape, SimAm.DefaultLambda, options);
        var gradientInPlace = new float[count + offset];
        g.CopyTo(gradientInPlace, offset);
        SimAm.Backward(x, gradientInPlace.AsSpan(offset), gradientInPlace.AsSpan(offset), shape, statistics, SimAm.DefaultLambda, options);
        return new Results(y[offset..], dx[offset..], dxWithStatistics[offset..], inPlace[offset..], gradientInPlace[offset..]);
    }

    private sealed record Results(float[] Y, float[] Dx, float[] DxWithStatistics, float[] YInPlace, float[] DxInPlace);
}
