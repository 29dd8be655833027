using System;
using System.Linq;
using SimAM.Tests.Kernels;
using SimAM.Tests.Reference;
using Xunit;
using Xunit.Sdk;

namespace SimAM.Tests.Breadth;

/// <summary>
/// Half-precision tensors against the float64 reference of the same (exactly representable) values.
/// </summary>
/// <remarks>
/// <para>
/// The bound. The engine computes y in float (sums in double) within the float bound
/// |y_f − y64| ≤ 2e-7·max|x| and rounds once to Half. Round-to-nearest moves a normal Half
/// (|y| ≥ 2^-14) by at most half an ulp, 2^-11·|y_f|, and a subnormal one by at most half its spacing,
/// 2^-25. With |y_f| ≤ |x| + 2e-7·max|x|:
/// |y_h − y64| ≤ 2^-11·|y_f| + 2^-25 + 2e-7·max|x| ≤ (2^-11 + 2.01e-7)·max|x| + 2^-25,
/// rounded up here to (2^-11 + 3e-7)·max|x| + 2^-25 per plane. Backward likewise from the float bound
/// 1e-6·max|dx64|: |dx_h − dx64| ≤ (2^-11 + 1.1e-6)·max|dx64| + 2^-25.
/// </para>
/// <para>
/// For scale: PyTorch's module under <c>.half()</c> computes (x − μ)² and its sum in float16, so a plane
/// whose Σ(x − μ)² passes 65504 (or any |x − μ| above 256) gets an infinite denominator and E = ∞/∞ =
/// NaN; <see cref="A_plane_whose_float16_sum_of_squares_overflows_comes_out_right"/> shows that and checks
/// the engine on it.
/// </para>
/// </remarks>
public class HalfPrecisionTests
{
    private static readonly double s_halfUlp = Math.Pow(2, -11);
    private static readonly double s_subnormalHalfStep = Math.Pow(2, -25);

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void Every_path_and_layout_is_within_the_half_precision_bound(SimAmKernel kernel)
    {
        foreach (var layout in new[] { SimAmLayout.ChannelsFirst, SimAmLayout.ChannelsLast })
        {
            foreach (var variant in new[] { SimAmVariant.Fast, SimAmVariant.Exact })
            {
                Check(kernel, layout, variant, 2, 3, [7, 7], seed: 1, scale: 1f, offset: 0.5f, lambda: 1e-4f);
                Check(kernel, layout, variant, 1, 19, [13, 11], seed: 2, scale: 3f, offset: -1f, lambda: 0.1f);
                Check(kernel, layout, variant, 2, 2, [3], seed: 3, scale: 1f, offset: 0f, lambda: 1e-4f);
                Check(kernel, layout, variant, 1, 4, [56, 56], seed: 4, scale: 0.05f, offset: 8f, lambda: 1e-4f);
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void Lane_per_plane_batches_of_both_variants_are_within_the_half_precision_bound(SimAmKernel kernel)
    {
        // 37 planes: whole batches of 4, 8 or 16 planes through the lane-per-plane kernel (converted in blocks) and a
        // remainder through the plane kernel; 17 values is the smallest exact plane that reaches a float kernel.
        foreach (var variant in new[] { SimAmVariant.Fast, SimAmVariant.Exact })
        {
            Check(kernel, SimAmLayout.ChannelsFirst, variant, 1, 37, [7, 7], seed: 5, scale: 1f, offset: 0.5f, lambda: 1e-4f);
            Check(kernel, SimAmLayout.ChannelsFirst, variant, 1, 37, [17], seed: 6, scale: 2f, offset: -1f, lambda: 0.1f);
            Check(kernel, SimAmLayout.ChannelsFirst, variant, 2, 37, [14, 14], seed: 7, scale: 1f, offset: 0f, lambda: 1e-4f);
        }
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void A_plane_whose_float16_sum_of_squares_overflows_comes_out_right(SimAmKernel kernel)
    {
        // 56×56 values with a spread of several hundred: Σ(x − μ)² ≈ 3136·400² ≫ 65504, and many |x − μ| > 256.
        const int Size = 56 * 56;
        var x = TestData.Normal(Size, seed: 65504, scale: 400f, offset: 1000f).Select(v => (Half)v).ToArray();
        Assert.Contains(TorchHalfGate(x), float.IsNaN);

        foreach (var layout in new[] { SimAmLayout.ChannelsFirst, SimAmLayout.ChannelsLast })
        {
            var y = new Half[Size];
            SimAm.Forward(x, y, layout == SimAmLayout.ChannelsLast ? [1, 56, 56, 1] : [1, 1, 56, 56], 1e-4f, Layouts.Options(kernel, layout));
            var y64 = Reference64.Forward(ToDouble(x), Size, 1e-4);
            AssertWithin(y, y64, Size, plane => (s_halfUlp + 3e-7) * MaxAbs(x, plane, Size), $"{kernel} {layout} overflow plane");
            Assert.All(y, v => Assert.True(Half.IsFinite(v)));
        }
    }

    [Fact]
    public void Values_near_the_float16_maximum_stay_finite()
    {
        var x = new Half[] { (Half)65504f, (Half)(-65504f), (Half)60000f, (Half)1f, (Half)(-30000f), (Half)0f };
        var y = new Half[x.Length];
        var dx = new Half[x.Length];
        var g = Enumerable.Repeat((Half)1e-3f, x.Length).ToArray();
        SimAm.Forward(x, y, [1, 1, 6], 1e-4f);
        SimAm.Backward(x, g, dx, [1, 1, 6], 1e-4f);
        var y64 = Reference64.Forward(ToDouble(x), 6, 1e-4);
        for (var i = 0; i < x.Length; i++)
        {
            Assert.True(Half.IsFinite(y[i]) && Half.IsFinite(dx[i]));
            Assert.True(Math.Abs((double)y[i] - y64[i]) <= (s_halfUlp * Math.Abs(y64[i])) + 1e-2, $"y[{i}] = {y[i]} vs {y64[i]}");
        }
    }

    [Theory]
    [InlineData(SimAmLayout.ChannelsFirst)]
    [InlineData(SimAmLayout.ChannelsLast)]
    public void A_non_finite_value_poisons_only_its_own_plane(SimAmLayout layout)
    {
        const int N = 2, C = 5, S = 30;
        var x = TestData.Normal(N * C * S, seed: 9).Select(v => (Half)v).ToArray();
        var clean = Run(x, layout, N, C, [5, 6]);
        foreach (var poison in new[] { Half.PositiveInfinity, Half.NaN })
        {
            var poisoned = (Half[])x.Clone();
            poisoned[(((1 * C) + 3) * S) + 11] = poison; // plane (1, 3), channels-first index
            var y = Run(poisoned, layout, N, C, [5, 6]);
            for (var i = 0; i < x.Length; i++)
            {
                if (i / S == (1 * C) + 3)
                {
                    Assert.True(Half.IsNaN(y[i]));
                }
                else
                {
                    Assert.Equal(clean[i], y[i]);
                }
            }
        }
    }

    [Theory]
    [InlineData(SimAmLayout.ChannelsFirst, 3, 1, 256, 256)] // three large planes on 2, 3, 5 workers: chunks split
    [InlineData(SimAmLayout.ChannelsFirst, 4, 16, 12, 12)]
    [InlineData(SimAmLayout.ChannelsLast, 1, 24, 64, 64)]
    public void Results_are_bitwise_identical_for_any_degree_of_parallelism(SimAmLayout layout, int n, int c, int h, int w)
    {
        var count = n * c * h * w;
        var x = TestData.Normal(count, seed: 17).Select(v => (Half)v).ToArray();
        var g = TestData.Normal(count, seed: 18).Select(v => (Half)v).ToArray();
        int[] shape = layout == SimAmLayout.ChannelsLast ? [n, h, w, c] : [n, c, h, w];
        foreach (var variant in new[] { SimAmVariant.Fast, SimAmVariant.Exact })
        {
            Half[]? y1 = null, dx1 = null;
            foreach (var threads in new[] { 1, 2, 3, 5 })
            {
                var options = new SimAmOptions { Layout = layout, Variant = variant, MaxDegreeOfParallelism = threads };
                var y = new Half[count];
                var dx = new Half[count];
                SimAm.Forward(x, y, shape, 1e-3f, options);
                SimAm.Backward(x, g, dx, shape, 1e-3f, options);
                y1 ??= y;
                dx1 ??= dx;
                Assert.Equal(y1, y);
                Assert.Equal(dx1, dx);
            }
        }
    }

    /// <summary>
    /// Small Half planes go a block of lane batches at a time through the float lane-per-plane kernels: 37 planes of
    /// 7×7 (whole batches and a remainder at every width), checked against the bound, for thread counts, for the
    /// statistics the forward pass saved against recomputed ones, and with a NaN in a plane inside a batch.
    /// </summary>
    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void Small_planes_in_lane_batches_are_within_the_bound_deterministic_and_isolated(SimAmKernel kernel)
    {
        Check(kernel, SimAmLayout.ChannelsFirst, SimAmVariant.Fast, 1, 37, [7, 7], seed: 21, scale: 2f, offset: 3f, lambda: 1e-4f);

        int[] shape = [1, 37, 7, 7];
        var x = TestData.Normal(37 * 49, seed: 22).Select(v => (Half)v).ToArray();
        var g = TestData.Normal(37 * 49, seed: 23).Select(v => (Half)v).ToArray();
        x[(20 * 49) + 5] = Half.NaN;
        Half[]? y1 = null, dx1 = null;
        foreach (var threads in new[] { 1, 2, 3 })
        {
            var options = new SimAmOptions { Kernel = kernel, MaxDegreeOfParallelism = threads };
            var statistics = new PlaneStatistics[37];
            var y = new Half[x.Length];
            var dx = new Half[x.Length];
            var dxRecomputed = new Half[x.Length];
            SimAm.Forward(x, y, shape, statistics, 1e-4f, options);
            SimAm.Backward(x, g, dx, shape, statistics, 1e-4f, options);
            SimAm.Backward(x, g, dxRecomputed, shape, 1e-4f, options);
            Assert.Equal(dx, dxRecomputed);
            for (var i = 0; i < x.Length; i++)
            {
                Assert.Equal(i / 49 == 20, Half.IsNaN(y[i]));
                Assert.Equal(i / 49 == 20, !Half.IsFinite(dx[i]));
            }

            y1 ??= y;
            dx1 ??= dx;
            Assert.Equal(y1, y);
            Assert.Equal(dx1, dx);
        }
    }

    [Theory]
    [InlineData(SimAmLayout.ChannelsFirst)]
    [InlineData(SimAmLayout.ChannelsLast)]
    public void In_place_calls_give_the_same_result(SimAmLayout layout)
    {
        int[] shape = [2, 3, 9, 11];
        var x = TestData.Normal(2 * 3 * 99, seed: 21).Select(v => (Half)v).ToArray();
        var g = TestData.Normal(x.Length, seed: 22).Select(v => (Half)v).ToArray();
        var options = new SimAmOptions { Layout = layout };
        var y = new Half[x.Length];
        var dx = new Half[x.Length];
        SimAm.Forward(x, y, shape, 1e-4f, options);
        SimAm.Backward(x, g, dx, shape, 1e-4f, options);
        var inPlace = (Half[])x.Clone();
        SimAm.Forward(inPlace, inPlace, shape, 1e-4f, options);
        Assert.Equal(y, inPlace);
        var overG = (Half[])g.Clone();
        SimAm.Backward(x, overG, overG, shape, 1e-4f, options);
        Assert.Equal(dx, overG);
    }

    private static void Check(SimAmKernel kernel, SimAmLayout layout, SimAmVariant variant, int n, int c, int[] spatial, int seed, float scale, float offset, float lambda)
    {
        var size = spatial.Aggregate(1, (a, b) => a * b);
        var x = TestData.Normal(n * c * size, seed, scale, offset).Select(v => (Half)v).ToArray();
        var g = TestData.Normal(x.Length, seed + 1).Select(v => (Half)v).ToArray();
        var last = layout == SimAmLayout.ChannelsLast;
        var input = last ? Layouts.ToChannelsLast(x, n, c, size) : x;
        var gradOutput = last ? Layouts.ToChannelsLast(g, n, c, size) : g;
        var shape = Layouts.Shape(layout, n, c, spatial);
        var options = Layouts.Options(kernel, layout, variant);
        var y = new Half[x.Length];
        var dx = new Half[x.Length];
        SimAm.Forward(input, y, shape, lambda, options);
        SimAm.Backward(input, gradOutput, dx, shape, lambda, options);
        if (last)
        {
            y = Layouts.ToChannelsFirst(y, n, c, size);
            dx = Layouts.ToChannelsFirst(dx, n, c, size);
        }

        var x64 = ToDouble(x);
        var g64 = ToDouble(g);
        var exact = variant == SimAmVariant.Exact;
        var y64 = exact ? ExactReference64.Forward(x64, size, lambda) : Reference64.Forward(x64, size, lambda);
        var dx64 = exact ? ExactReference64.Backward(x64, g64, size, lambda) : Reference64.Backward(x64, g64, size, lambda);
        var context = $"{kernel} {layout} {variant} N={n} C={c} S={size}";
        AssertWithin(y, y64, size, plane => (s_halfUlp + 3e-7) * MaxAbs(x, plane, size), context + " forward");
        AssertWithin(dx, dx64, size, plane => (s_halfUlp + 1.1e-6) * Accuracy.MaxAbs(dx64.AsSpan(plane * size, size)), context + " backward");
    }

    private static Half[] Run(Half[] channelsFirst, SimAmLayout layout, int n, int c, int[] spatial)
    {
        var size = spatial.Aggregate(1, (a, b) => a * b);
        var last = layout == SimAmLayout.ChannelsLast;
        var input = last ? Layouts.ToChannelsLast(channelsFirst, n, c, size) : channelsFirst;
        var y = new Half[input.Length];
        SimAm.Forward(input, y, Layouts.Shape(layout, n, c, spatial), 1e-4f, new SimAmOptions { Layout = layout });
        return last ? Layouts.ToChannelsFirst(y, n, c, size) : y;
    }

    /// <summary>The reference module's gate E evaluated the way float16 arithmetic does it.</summary>
    private static float[] TorchHalfGate(Half[] plane)
    {
        var mean = (Half)plane.Average(v => (float)v);
        var d = plane.Select(v => (Half)((float)(v - mean) * (float)(v - mean))).ToArray();
        var sum = (Half)0f;
        foreach (var v in d)
        {
            sum = (Half)((float)sum + (float)v);
        }

        var denominator = (Half)(4f * (float)((Half)((float)sum / (plane.Length - 1)) + (Half)1e-4f));
        return d.Select(v => (float)(Half)(((float)v / (float)denominator) + 0.5f)).ToArray();
    }

    private static void AssertWithin(Half[] actual, double[] expected, int size, Func<int, double> bound, string context)
    {
        for (var plane = 0; plane * size < actual.Length; plane++)
        {
            var limit = bound(plane) + s_subnormalHalfStep;
            for (var i = plane * size; i < (plane + 1) * size; i++)
            {
                var error = Math.Abs((double)actual[i] - expected[i]);
                if (!(error <= limit))
                {
                    throw new XunitException($"{context}: plane {plane} error {error:E3} at {i} exceeds {limit:E3} (actual {actual[i]}, expected {expected[i]:R}).");
                }
            }
        }
    }

    private static double MaxAbs(Half[] values, int plane, int size)
    {
        var max = 0.0;
        for (var i = plane * size; i < (plane + 1) * size; i++)
        {
            max = Math.Max(max, Math.Abs((double)values[i]));
        }

        return max;
    }

    private static double[] ToDouble(Half[] values) => values.Select(v => (double)v).ToArray();
}
