using System;
using System.Linq;
using SimAM.Tests.Breadth;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Tests.Kernels;

/// <summary>
/// Finite inputs near the ends of float's range: the gate is computed from u = (x − μ)·r so that neither
/// (x − μ)² nor k·(x − μ)² has to exist in float, and the sums are kept in double.
/// </summary>
public class ExtremeRangeTests
{
    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void Planes_spanning_float_range_around_zero_meet_the_bounds(SimAmKernel kernel)
    {
        // (x − μ)² overflows float from |x − μ| ≈ 1.8e19 on: squares of centred values must not be formed in float.
        foreach (var scale in new[] { 1e19, 1e20, 1e30, 3e38 })
        {
            foreach (var shape in new[] { new[] { 2, 3, 37 }, [1, 2, 300] })
            {
                Check(kernel, shape, Uniform(shape, scale, seed: 1), Uniform(shape, 1, seed: 2), 1e-4f, $"|x| ≤ {scale:E0}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void Extreme_lambdas_and_gradients_meet_the_bounds(SimAmKernel kernel)
    {
        int[] shape = [2, 3, 37];
        Check(kernel, shape, Uniform(shape, 1e20, seed: 3), Uniform(shape, 1, seed: 4), float.Epsilon, "λ = float.Epsilon, |x| ≤ 1e20");
        Check(kernel, shape, Uniform(shape, 1, seed: 5), Uniform(shape, 1, seed: 6), float.MaxValue, "λ = float.MaxValue");
        Check(kernel, shape, Uniform(shape, 1e30, seed: 7), Uniform(shape, 1e-30, seed: 8), 0.1f, "|x| ≤ 1e30, |g| ≤ 1e-30");
        Check(kernel, shape, Uniform(shape, 1, seed: 9), Uniform(shape, 1e38, seed: 10), 1e-4f, "|g| ≤ 1e38");
        Check(kernel, shape, Uniform(shape, 1e19, seed: 11), Uniform(shape, 1e19, seed: 12), 1e-4f, "|x|, |g| ≤ 1e19");
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void A_plane_whose_deviations_exceed_float_max_meets_the_bounds(SimAmKernel kernel)
    {
        // μ = −1e38, so x₀ − μ = 4e38 > float.MaxValue although every value and every result is a float:
        // y₀ = 2.0911779e38 (sigmoid(E₀) = 0.697), dx₀ = 0.69706.
        Check(kernel, [1, 1, 3], [3e38f, -3e38f, -3e38f], [1f, 0.5f, -0.25f], 1e-4f, "x = [3e38, −3e38, −3e38]");
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void A_gradient_whose_product_with_x_exceeds_float_max_meets_the_backward_bound(SimAmKernel kernel)
    {
        // g·x = 1e40 overflows float, while dx = [6.5135e19, 6.5135e19] (= g·sigmoid(0.625)).
        Check(kernel, [1, 1, 2], [1e20f, -1e20f], [1e20f, 1e20f], 1e-4f, "x = [1e20, −1e20], g = [1e20, 1e20]");
    }

    [Theory]
    [MemberData(nameof(KernelPaths.WithLayoutsAndVariants), MemberType = typeof(KernelPaths))]
    public void Gradients_whose_product_with_x_exceeds_float_max_meet_the_bounds_in_every_layout_and_variant(SimAmKernel kernel, SimAmLayout layout, SimAmVariant variant)
    {
        // |x| and |g| up to about 5e20: g·x reaches 1e41, beyond float, while dx stays of the order of g. Every
        // backward kernel scales x before g multiplies it (by 2r in the fast channels-first kernels, by the power of
        // two nearest below r·√log2 e elsewhere: WeightScale). Planes of 3 (lane and small-plane paths), 49 and 3136.
        foreach (var spatial in new[] { new[] { 3 }, [7, 7], [56, 56] })
        {
            Layouts.CheckAgainstReference(kernel, layout, variant, 2, 5, spatial, seed: 40 + spatial[0], scale: 1e20f, offset: 0f, lambda: 1e-4f, gradientScale: 1e20f);
        }
    }

    private static void Check(SimAmKernel kernel, int[] shape, float[] x, float[] g, float lambda, string description)
    {
        var options = KernelPaths.Options(kernel);
        var planeSize = x.Length / (shape[0] * shape[1]);
        var context = $"{kernel}, shape [{string.Join(", ", shape)}], {description}, λ = {lambda}";
        var x64 = Reference64.ToDouble(x);

        var y = new float[x.Length];
        SimAm.Forward(x, y, shape, lambda, options);
        Accuracy.AssertForward(x, y, Reference64.Forward(x64, planeSize, lambda), planeSize, context);

        var dx = new float[x.Length];
        SimAm.Backward(x, g, dx, shape, lambda, options);
        Accuracy.AssertBackward(dx, Reference64.Backward(x64, Reference64.ToDouble(g), planeSize, lambda), planeSize, context);
    }

    private static float[] Uniform(int[] shape, double scale, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)(((2 * random.NextDouble()) - 1) * scale)).ToArray();
    }
}
