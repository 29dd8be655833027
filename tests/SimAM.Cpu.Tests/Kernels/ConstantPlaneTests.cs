using System;
using System.Linq;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Tests.Kernels;

/// <summary>
/// Constant planes (variance exactly 0): every x − μ is 0, so y = x·sigmoid(½) and dx = g·sigmoid(½) for any
/// magnitude and any λ. Before the kernels took r = 0 for such planes they formed μ·r and x·2r with
/// r = 1/(2√λ), which overflow float once |x| exceeds 6.8e38·√λ, and returned NaN or x itself; double tensors
/// summed constant planes of large values with rounding and saw a spurious variance.
/// </summary>
public class ConstantPlaneTests
{
    private static readonly double s_halfGate = 1 / (1 + Math.Exp(-0.5));

    [Theory]
    [MemberData(nameof(KernelPaths.WithLayoutsAndVariants), MemberType = typeof(KernelPaths))]
    public void Constant_float_planes_of_any_magnitude_gate_at_sigmoid_one_half(SimAmKernel kernel, SimAmLayout layout, SimAmVariant variant)
    {
        // 9 and 49 values: lane-per-plane batches (gathered and row paths); 3136: plane kernel; 10000 values on
        // 3 planes with 2 threads: the chunk-split mode.
        foreach (var (size, planes, threads) in new[] { (9, 17, 1), (49, 17, 1), (3136, 5, 1), (10000, 3, 2) })
        {
            foreach (var value in new[] { 0f, 1.5f, -7e36f, 1e37f, -3e38f, float.MaxValue })
            {
                foreach (var lambda in new[] { 1e-4f, 1e-30f })
                {
                    int[] shape = layout == SimAmLayout.ChannelsFirst ? [1, planes, size] : [1, size, planes];
                    var x = Enumerable.Repeat(value, planes * size).ToArray();
                    var g = TestData.Normal(x.Length, seed: size);
                    var y = new float[x.Length];
                    var dx = new float[x.Length];
                    var statistics = new PlaneStatistics[planes];
                    var options = new SimAmOptions { Kernel = kernel, Layout = layout, Variant = variant, MaxDegreeOfParallelism = threads };
                    SimAm.Forward(x, y, shape, statistics, lambda, options);
                    SimAm.Backward(x, g, dx, shape, statistics, lambda, options);

                    var context = $"{kernel} {layout} {variant} size {size} x = {value} λ = {lambda} threads {threads}";
                    foreach (var stats in statistics)
                    {
                        Assert.True(stats.Mean == value && stats.Variance == 0, $"{context}: {stats}");
                    }

                    AssertGated(y, x, 2e-7, context + " forward");
                    AssertGated(dx, g, 1e-6, context + " backward");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void Constant_planes_beside_varied_ones_in_one_batch_meet_the_bounds(SimAmKernel kernel)
    {
        // Every other plane constant (and huge), inside the same lane-per-plane batches as its varied neighbours.
        foreach (var size in new[] { 5, 49, 196 })
        {
            const int Planes = 37;
            int[] shape = [1, Planes, size];
            var x = TestData.Normal(Planes * size, seed: size, scale: 2f, offset: 1f);
            for (var plane = 0; plane < Planes; plane += 2)
            {
                x.AsSpan(plane * size, size).Fill(plane % 4 == 0 ? 3e38f : -1e37f);
            }

            var g = TestData.Normal(x.Length, seed: size + 1);
            var y = new float[x.Length];
            var dx = new float[x.Length];
            var statistics = new PlaneStatistics[Planes];
            SimAm.Forward(x, y, shape, statistics, SimAm.DefaultLambda, KernelPaths.Options(kernel));
            SimAm.Backward(x, g, dx, shape, statistics, SimAm.DefaultLambda, KernelPaths.Options(kernel));

            var x64 = Reference64.ToDouble(x);
            var context = $"{kernel} size {size}";
            Accuracy.AssertForward(x, y, Reference64.Forward(x64, size, SimAm.DefaultLambda), size, context);
            Accuracy.AssertBackward(dx, Reference64.Backward(x64, Reference64.ToDouble(g), size, SimAm.DefaultLambda), size, context);
        }
    }

    [Theory]
    [InlineData(SimAmLayout.ChannelsFirst, SimAmVariant.Fast)]
    [InlineData(SimAmLayout.ChannelsFirst, SimAmVariant.Exact)]
    [InlineData(SimAmLayout.ChannelsLast, SimAmVariant.Fast)]
    [InlineData(SimAmLayout.ChannelsLast, SimAmVariant.Exact)]
    public void Constant_double_planes_have_an_exact_mean_and_zero_variance(SimAmLayout layout, SimAmVariant variant)
    {
        // S copies of 1e37 do not sum exactly in double; the mean is corrected by the mean deviation from it.
        foreach (var size in new[] { 3, 49, 3136, 10000 })
        {
            foreach (var value in new[] { 0.1, 1e37, -3e38, 1e300 })
            {
                const int Planes = 5;
                int[] shape = layout == SimAmLayout.ChannelsFirst ? [1, Planes, size] : [1, size, Planes];
                var x = Enumerable.Repeat(value, Planes * size).ToArray();
                var g = TestData.NormalDouble(x.Length, seed: size);
                var y = new double[x.Length];
                var dx = new double[x.Length];
                var statistics = new PlaneStatistics[Planes];
                var options = new SimAmOptions { Layout = layout, Variant = variant };
                SimAm.Forward(x, y, shape, statistics, 1e-4, options);
                SimAm.Backward(x, g, dx, shape, statistics, 1e-4, options);

                var context = $"double {layout} {variant} size {size} x = {value}";
                foreach (var stats in statistics)
                {
                    Assert.True(stats.Mean == value && stats.Variance == 0, $"{context}: {stats}");
                }

                for (var i = 0; i < x.Length; i++)
                {
                    Assert.True(Math.Abs(y[i] - (s_halfGate * x[i])) <= 1e-15 * Math.Abs(x[i]), $"{context} y[{i}] = {y[i]}");
                    Assert.True(Math.Abs(dx[i] - (s_halfGate * g[i])) <= 1e-15 * Math.Abs(g[i]), $"{context} dx[{i}] = {dx[i]}");
                }
            }
        }
    }

    /// <summary>actual = sigmoid(½)·scaled for every element, within a relative bound.</summary>
    private static void AssertGated(ReadOnlySpan<float> actual, ReadOnlySpan<float> scaled, double relative, string context)
    {
        for (var i = 0; i < actual.Length; i++)
        {
            var expected = s_halfGate * scaled[i];
            Assert.True(Math.Abs(actual[i] - expected) <= relative * Math.Abs(expected), $"{context}: [{i}] = {actual[i]}, expected {expected}");
        }
    }
}
