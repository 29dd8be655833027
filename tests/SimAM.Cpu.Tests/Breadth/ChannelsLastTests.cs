using System;
using System.Linq;
using SimAM.Tests.Kernels;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Tests.Breadth;

/// <summary>
/// Channels-last tensors [N, d1, ..., dk, C]: every kernel path against the float64 reference of the
/// transposed (channels-first) data, within the same bounds as channels first, across channel counts that
/// cross every vector width, flat and row mode, and both scheduling modes.
/// </summary>
public class ChannelsLastTests
{
    // 1001 with 16 lanes makes a period of 16 016 lanes: row mode. 300 does too on 512-bit vectors.
    private static readonly int[] s_channelCounts = [1, 2, 3, 4, 5, 7, 8, 12, 15, 16, 17, 24, 31, 32, 33, 48, 64, 100, 129, 256, 300, 1001];

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void Every_channel_count_matches_float64(SimAmKernel kernel)
    {
        foreach (var channels in s_channelCounts)
        {
            foreach (var spatial in new[] { new[] { 2 }, [3], [7, 7], [5, 13] })
            {
                var seed = (channels * 31) + spatial.Sum();
                var lambda = seed % 2 == 0 ? 1e-4f : 0.1f;
                Layouts.CheckAgainstReference(kernel, SimAmLayout.ChannelsLast, SimAmVariant.Fast, 2, channels, spatial, seed, 1f, 0.25f, lambda);
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void Image_shapes_and_offset_planes_match_float64(SimAmKernel kernel)
    {
        Layouts.CheckAgainstReference(kernel, SimAmLayout.ChannelsLast, SimAmVariant.Fast, 1, 64, [56, 56], seed: 56, scale: 1f, offset: -0.5f, lambda: 0.1f);
        Layouts.CheckAgainstReference(kernel, SimAmLayout.ChannelsLast, SimAmVariant.Fast, 2, 33, [30, 30], seed: 30, scale: 2f, offset: 0f, lambda: 1e-4f);
        Layouts.CheckAgainstReference(kernel, SimAmLayout.ChannelsLast, SimAmVariant.Fast, 1, 3, [300, 300], seed: 300, scale: 0.01f, offset: 5f, lambda: 1e-4f);
        Layouts.CheckAgainstReference(kernel, SimAmLayout.ChannelsLast, SimAmVariant.Fast, 2, 24, [33, 33], seed: 100, scale: 1f, offset: 100f, lambda: 1e-4f);
        Layouts.CheckAgainstReference(kernel, SimAmLayout.ChannelsLast, SimAmVariant.Fast, 1, 2, [3, 5, 7], seed: 357, scale: 1f, offset: 0f, lambda: 1e-4f);
    }

    [Fact]
    public void Statistics_equal_those_of_channels_first_on_the_transposed_data()
    {
        const int N = 3, C = 20;
        int[] spatial = [9, 11];
        var x = TestData.Normal(N * C * 99, seed: 8, scale: 3f, offset: 2f);
        var g = TestData.Normal(x.Length, seed: 9);
        var (yFirst, dxFirst, statsFirst) = Layouts.Run(new SimAmOptions(), N, C, spatial, x, g, 1e-3f);
        var (yLast, dxLast, statsLast) = Layouts.Run(new SimAmOptions { Layout = SimAmLayout.ChannelsLast }, N, C, spatial, x, g, 1e-3f);
        for (var plane = 0; plane < N * C; plane++)
        {
            // Both sum in double; the planar kernel squares x − μ in float blocks, so variances agree to float precision.
            Assert.Equal(statsFirst[plane].Mean, statsLast[plane].Mean, 1e-12);
            Assert.Equal(statsFirst[plane].Variance, statsLast[plane].Variance, statsLast[plane].Variance * 1e-6);
        }

        for (var i = 0; i < x.Length; i++)
        {
            Assert.True(Math.Abs(yFirst[i] - yLast[i]) <= 4e-7 * Math.Abs(x[i]) + 1e-7, $"y[{i}]");
            Assert.True(Math.Abs(dxFirst[i] - dxLast[i]) <= 2e-6 * Math.Max(1, Math.Abs(dxFirst[i])), $"dx[{i}]");
        }
    }

    [Theory]
    [InlineData(1, 32, 64, 64)]   // one sample: chunks split across workers
    [InlineData(3, 17, 40, 40)]   // three samples on two workers: split, row-free flat mode with a 272-lane period
    [InlineData(8, 5, 10, 10)]    // small: one worker
    [InlineData(2, 1001, 9, 9)]   // row mode
    [InlineData(1, 3, 300, 300)]  // C below the vector width
    public void Results_are_bitwise_identical_for_any_degree_of_parallelism(int n, int c, int h, int w)
    {
        var count = n * c * h * w;
        var x = TestData.Normal(count, seed: count, scale: 2f, offset: 1f);
        var g = TestData.Normal(count, seed: count + 1);
        int[] shape = [n, h, w, c];
        foreach (var variant in new[] { SimAmVariant.Fast, SimAmVariant.Exact })
        {
            float[]? y1 = null, dx1 = null, dxRecomputed1 = null;
            PlaneStatistics[]? stats1 = null;
            foreach (var threads in new[] { 1, 2, 3, 5 })
            {
                var options = new SimAmOptions { Layout = SimAmLayout.ChannelsLast, Variant = variant, MaxDegreeOfParallelism = threads };
                var y = new float[count];
                var dx = new float[count];
                var dxRecomputed = new float[count];
                var stats = new PlaneStatistics[n * c];
                SimAm.Forward(x, y, shape, stats, 0.01f, options);
                SimAm.Backward(x, g, dx, shape, stats, 0.01f, options);
                SimAm.Backward(x, g, dxRecomputed, shape, 0.01f, options);
                y1 ??= y;
                dx1 ??= dx;
                dxRecomputed1 ??= dxRecomputed;
                stats1 ??= stats;
                Assert.Equal(y1, y);
                Assert.Equal(dx1, dx);
                Assert.Equal(dxRecomputed1, dxRecomputed);
                Assert.Equal(stats1, stats);
            }

            Assert.Equal(dx1, dxRecomputed1);
        }
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void In_place_calls_give_the_same_result(SimAmKernel kernel)
    {
        int[] shape = [2, 6, 7, 19];
        var x = TestData.Normal(2 * 6 * 7 * 19, seed: 3);
        var g = TestData.Normal(x.Length, seed: 4);
        var options = Layouts.Options(kernel, SimAmLayout.ChannelsLast);
        var y = new float[x.Length];
        var dx = new float[x.Length];
        SimAm.Forward(x, y, shape, 1e-4f, options);
        SimAm.Backward(x, g, dx, shape, 1e-4f, options);

        var inPlace = (float[])x.Clone();
        SimAm.Forward(inPlace, inPlace, shape, 1e-4f, options);
        Assert.Equal(y, inPlace);

        var overX = (float[])x.Clone();
        SimAm.Backward(overX, g, overX, shape, 1e-4f, options);
        Assert.Equal(dx, overX);

        var overG = (float[])g.Clone();
        SimAm.Backward(x, overG, overG, shape, 1e-4f, options);
        Assert.Equal(dx, overG);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void A_non_finite_value_poisons_only_its_own_channel(float poison)
    {
        var x = TestData.Normal(Poison.Shape.Aggregate(1, (a, b) => a * b), seed: 5);
        var g = TestData.Normal(x.Length, seed: 6);
        var options = new SimAmOptions { Layout = SimAmLayout.ChannelsLast };
        var clean = new float[x.Length];
        var cleanDx = new float[x.Length];
        SimAm.Forward(x, clean, Poison.Shape, 1e-4f, options);
        SimAm.Backward(x, g, cleanDx, Poison.Shape, 1e-4f, options);

        var poisoned = (float[])x.Clone();
        poisoned[Poison.Index] = poison;
        var y = new float[x.Length];
        var dx = new float[x.Length];
        var stats = new PlaneStatistics[Poison.N * Poison.C];
        SimAm.Forward(poisoned, y, Poison.Shape, stats, 1e-4f, options);
        SimAm.Backward(poisoned, g, dx, Poison.Shape, stats, 1e-4f, options);
        for (var i = 0; i < x.Length; i++)
        {
            if (Poison.InChannel(i))
            {
                Assert.True(float.IsNaN(y[i]) && float.IsNaN(dx[i]), $"element {i} should be NaN");
            }
            else
            {
                Assert.Equal(clean[i], y[i]);
                Assert.Equal(cleanDx[i], dx[i]);
            }
        }

        Assert.False(stats[(1 * Poison.C) + 7].IsFinite);
        Assert.Equal(1, stats.Count(s => !s.IsFinite));
    }

    /// <summary>
    /// The double kernel runs on TensorPrimitives, whose exponential, once the JIT has optimised it, rounded every lane of
    /// a vector holding a NaN differently (by an ulp). The calls repeat for a second, so the optimised code runs too.
    /// </summary>
    [Theory]
    [InlineData(SimAmVariant.Fast)]
    [InlineData(SimAmVariant.Exact)]
    public void A_non_finite_double_poisons_only_its_own_channel_also_once_optimised(SimAmVariant variant)
    {
        var x = TestData.NormalDouble(Poison.Shape.Aggregate(1, (a, b) => a * b), seed: 5);
        var g = TestData.NormalDouble(x.Length, seed: 6);
        var options = new SimAmOptions { Layout = SimAmLayout.ChannelsLast, Variant = variant };
        var clean = new double[x.Length];
        var cleanDx = new double[x.Length];
        SimAm.Forward(x, clean, Poison.Shape, 1e-4, options);
        SimAm.Backward(x, g, cleanDx, Poison.Shape, 1e-4, options);

        var poisoned = (double[])x.Clone();
        poisoned[Poison.Index] = double.NaN;
        var y = new double[x.Length];
        var dx = new double[x.Length];
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var repetition = 0; repetition < 20_000 && (repetition < 50 || watch.ElapsedMilliseconds < 1000); repetition++)
        {
            SimAm.Forward(poisoned, y, Poison.Shape, 1e-4, options);
            SimAm.Backward(poisoned, g, dx, Poison.Shape, 1e-4, options);
            for (var i = 0; i < x.Length; i++)
            {
                if (Poison.InChannel(i))
                {
                    Assert.True(double.IsNaN(y[i]) && double.IsNaN(dx[i]), $"element {i} should be NaN");
                }
                else if (clean[i] != y[i] || cleanDx[i] != dx[i])
                {
                    Assert.Fail($"repetition {repetition}, element {i}: y {y[i]:R} (clean {clean[i]:R}), dx {dx[i]:R} (clean {cleanDx[i]:R})");
                }
            }
        }
    }

    [Fact]
    public void Double_precision_matches_the_reference_closely()
    {
        const int N = 2, C = 13, S = 45;
        var x = TestData.NormalDouble(N * C * S, seed: 12, scale: 2, offset: 3);
        var g = TestData.NormalDouble(x.Length, seed: 13);
        var y64 = Reference64.Forward(x, S, 1e-4);
        var dx64 = Reference64.Backward(x, g, S, 1e-4);
        var options = new SimAmOptions { Layout = SimAmLayout.ChannelsLast };
        int[] shape = [N, 5, 9, C];
        var y = new double[x.Length];
        var dx = new double[x.Length];
        SimAm.Forward(Layouts.ToChannelsLast(x, N, C, S), y, shape, 1e-4, options);
        SimAm.Backward(Layouts.ToChannelsLast(x, N, C, S), Layouts.ToChannelsLast(g, N, C, S), dx, shape, 1e-4, options);
        y = Layouts.ToChannelsFirst(y, N, C, S);
        dx = Layouts.ToChannelsFirst(dx, N, C, S);
        for (var i = 0; i < x.Length; i++)
        {
            Assert.True(Math.Abs(y[i] - y64[i]) <= 1e-14 * 8, $"y[{i}]: {y[i]:R} vs {y64[i]:R}");
            Assert.True(Math.Abs(dx[i] - dx64[i]) <= 1e-13 * 8, $"dx[{i}]: {dx[i]:R} vs {dx64[i]:R}");
        }
    }

    [Fact]
    public void Shapes_are_read_in_memory_order()
    {
        Assert.Equal(2 * 5, SimAm.PlaneCount([2, 7, 7, 5], SimAmLayout.ChannelsLast));
        Assert.Equal(2 * 7, SimAm.PlaneCount([2, 7, 7, 5], SimAmLayout.ChannelsFirst));
        var options = new SimAmOptions { Layout = SimAmLayout.ChannelsLast };

        // [N, H, W, C] with H·W = 1: spatial size 1 is rejected, as channels first.
        var rank = Assert.Throws<ArgumentException>(() => SimAm.Forward(new float[6], new float[6], [2, 3], 1e-4f, options));
        Assert.Contains("[N, d1, ..., dk, C]", rank.Message, StringComparison.Ordinal);
        var spatial = Assert.Throws<ArgumentException>(() => SimAm.Forward(new float[6], new float[6], [2, 1, 3], 1e-4f, options));
        Assert.Contains("spatial size 1", spatial.Message, StringComparison.Ordinal);

        // Statistics hold N·C entries: [2, 3, 5] channels last has 2·5 planes, not 2·3.
        Assert.Throws<ArgumentException>(() => SimAm.Forward(new float[30], new float[30], [2, 3, 5], new PlaneStatistics[6], 1e-4f, options));
        SimAm.Forward(new float[30], new float[30], [2, 3, 5], new PlaneStatistics[10], 1e-4f, options);
    }

    [Fact]
    public void Undefined_layouts_and_variants_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimAmOptions { Layout = (SimAmLayout)2 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimAmOptions { Variant = (SimAmVariant)(-1) });
        Assert.Equal(SimAmLayout.ChannelsFirst, SimAmOptions.Default.Layout);
    }

    /// <summary>The poisoned tensor of the non-finite tests: [2, 9, 9, 21] channels last, sample 1, position 40, channel 7.</summary>
    private static class Poison
    {
        public const int N = 2, H = 9, W = 9, C = 21;

        public const int Index = (((1 * H * W) + 40) * C) + 7;

        public static int[] Shape => [N, H, W, C];

        /// <summary>Gets whether element <paramref name="i"/> lies in the poisoned plane (sample 1, channel 7).</summary>
        public static bool InChannel(int i) => i / (H * W * C) == 1 && i % C == 7;
    }
}
