using System;
using System.Linq;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Tests.Kernels;

/// <summary>
/// The lane-per-plane forward path (planes of 2 values up to sixteen vectors, a vector's worth of planes per
/// call, one plane per SIMD lane; gathered below one vector, row by row from there; the rest by the plane
/// kernels). Each shape has a plane count that leaves a remainder at every width, so both kernels run in the
/// same call, and the sizes cross every width's boundaries (one vector, sixteen vectors).
/// </summary>
public class LanePerPlaneTests
{
    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void Every_small_plane_size_matches_float64_with_its_statistics(SimAmKernel kernel)
    {
        // Near zero, far from zero, near float's range and far below it.
        foreach (var (scale, offset) in new[] { (1f, 0f), (1f, 1000f), (1e37f, 0f), (1e-30f, 0f) })
        {
            foreach (var size in Sizes)
            {
                // 37 planes: batches of 4, 8 or 16 lanes and a remainder.
                int[] shape = [1, 37, size];
                var count = 37 * size;
                var x = TestData.Normal(count, seed: size, scale: scale, offset: offset);
                var y = new float[count];
                var statistics = new PlaneStatistics[37];
                var context = $"{kernel} size {size} scale {scale} offset {offset}";
                SimAm.Forward(x, y, shape, statistics, SimAm.DefaultLambda, KernelPaths.Options(kernel));

                var x64 = Reference64.ToDouble(x);
                Accuracy.AssertForward(x, y, Reference64.Forward(x64, size, SimAm.DefaultLambda), size, context);
                for (var plane = 0; plane < 37; plane++)
                {
                    var (mean, _) = Reference64.Statistics(x64.AsSpan(plane * size, size), SimAm.DefaultLambda);
                    var variance = Variance(x64.AsSpan(plane * size, size), mean);

                    // Both sides sum at most 300 doubles of at most max|x|, in different orders; M2 comes from two
                    // passes (rows) or from one pass about the plane's first value (gathered, under 16 values,
                    // within about S·(S + 1)·2⁻⁵³ of itself: see the kernel's remarks).
                    Assert.True(Math.Abs(statistics[plane].Mean - mean) <= 1e-14 * Accuracy.MaxAbs(x64.AsSpan(plane * size, size)), $"{context} plane {plane} mean {statistics[plane].Mean} vs {mean}");
                    Assert.True(Math.Abs(statistics[plane].Variance - variance) <= 1e-12 * variance, $"{context} plane {plane} variance {statistics[plane].Variance} vs {variance}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void Constant_planes_have_zero_variance_and_pass_through_at_half_gain(SimAmKernel kernel)
    {
        // A constant plane: every d = x − x₀ is exactly 0, so M2 must come out exactly 0, never negative.
        int[] shape = [2, 20, 7, 7];
        var x = new float[2 * 20 * 49];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = 3.5f + (i / 49);
        }

        var y = new float[x.Length];
        var statistics = new PlaneStatistics[40];
        SimAm.Forward(x, y, shape, statistics, SimAm.DefaultLambda, KernelPaths.Options(kernel));
        for (var plane = 0; plane < 40; plane++)
        {
            Assert.Equal(0.0, statistics[plane].Variance);
            Assert.Equal(3.5 + plane, statistics[plane].Mean);
        }

        Accuracy.AssertForward(x, y, Reference64.Forward(Reference64.ToDouble(x), 49, SimAm.DefaultLambda), 49, $"{kernel} constant planes");
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void A_non_finite_value_inside_a_batch_poisons_only_its_plane(SimAmKernel kernel)
    {
        int[] shape = [1, 40, 7, 7];
        const int Size = 49;
        var x = TestData.Normal(40 * Size, seed: 77);
        var options = KernelPaths.Options(kernel);
        var clean = new float[x.Length];
        var cleanStatistics = new PlaneStatistics[40];
        SimAm.Forward(x, clean, shape, cleanStatistics, SimAm.DefaultLambda, options);

        foreach (var bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            // Planes in the first and in later batches of a call (the kernel pipelines batches), and the last plane.
            foreach (var plane in new[] { 0, 5, 20, 39 })
            {
                var poisoned = (float[])x.Clone();
                poisoned[(plane * Size) + 17] = bad;
                var y = new float[x.Length];
                var statistics = new PlaneStatistics[40];
                SimAm.Forward(poisoned, y, shape, statistics, SimAm.DefaultLambda, options);

                var context = $"{kernel} {bad} in plane {plane}";
                Assert.False(statistics[plane].IsFinite, context);
                for (var p = 0; p < 40; p++)
                {
                    var actual = y.AsSpan(p * Size, Size);
                    if (p == plane)
                    {
                        Assert.True(AllNaN(actual), context);
                    }
                    else
                    {
                        Assert.Equal(cleanStatistics[p], statistics[p]);
                        Bits.AssertIdentical(clean.AsSpan(p * Size, Size), actual, $"{context}, plane {p}");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void Results_do_not_depend_on_threads_alignment_or_working_in_place(SimAmKernel kernel)
    {
        int[] shape = [3, 1001, 5, 5];
        var count = 3 * 1001 * 25;
        var x = TestData.Normal(count, seed: 25, scale: 2f, offset: -1f);
        var serial = new float[count];
        SimAm.Forward(x, serial, shape, SimAm.DefaultLambda, KernelPaths.Options(kernel, threads: 1));
        Accuracy.AssertForward(x, serial, Reference64.Forward(Reference64.ToDouble(x), 25, SimAm.DefaultLambda), 25, $"{kernel} 5×5");

        foreach (var threads in new[] { 2, 3, 8 })
        {
            var parallel = new float[count];
            SimAm.Forward(x, parallel, shape, SimAm.DefaultLambda, KernelPaths.Options(kernel, threads));
            Bits.AssertIdentical(serial, parallel, $"{kernel} {threads} threads");
        }

        var shifted = new float[count + 1];
        SimAm.Forward(x, shifted.AsSpan(1), shape, SimAm.DefaultLambda, KernelPaths.Options(kernel, threads: 1));
        Bits.AssertIdentical(serial, shifted.AsSpan(1), $"{kernel} unaligned");

        var inPlace = (float[])x.Clone();
        SimAm.Forward(inPlace, inPlace, shape, SimAm.DefaultLambda, KernelPaths.Options(kernel, threads: 1));
        Bits.AssertIdentical(serial, inPlace, $"{kernel} in place");
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void A_plane_whose_first_value_is_far_from_the_rest_keeps_its_variance(SimAmKernel kernel)
    {
        // The worst case of the gathered path's one-pass moments: x₀ far from μ makes Σd² ≈ (S + 1)·M2, so
        // M2 = Σd² − (Σd)²/S cancels. The row path must be as good; its two passes do not depend on x₀.
        foreach (var size in Sizes)
        {
            int[] shape = [1, 37, size];
            var x = TestData.Normal(37 * size, seed: 1000 + size);
            for (var plane = 0; plane < 37; plane++)
            {
                x[plane * size] = 1e4f * (plane % 2 == 0 ? 1 : -1);
            }

            var y = new float[x.Length];
            var statistics = new PlaneStatistics[37];
            SimAm.Forward(x, y, shape, statistics, SimAm.DefaultLambda, KernelPaths.Options(kernel));

            var x64 = Reference64.ToDouble(x);
            Accuracy.AssertForward(x, y, Reference64.Forward(x64, size, SimAm.DefaultLambda), size, $"{kernel} size {size}");
            for (var plane = 0; plane < 37; plane++)
            {
                var (mean, _) = Reference64.Statistics(x64.AsSpan(plane * size, size), SimAm.DefaultLambda);
                var variance = Variance(x64.AsSpan(plane * size, size), mean);
                Assert.True(Math.Abs(statistics[plane].Variance - variance) <= 1e-12 * variance, $"{kernel} size {size} plane {plane} variance {statistics[plane].Variance} vs {variance}");
            }
        }
    }

    /// <summary>Every size up to 70, then both sides of 64, 128 and 256 (sixteen vectors at 128, 256 and 512 bits).</summary>
    public static int[] Sizes { get; } = [.. Enumerable.Range(2, 69), 100, 127, 128, 129, 196, 255, 256, 257, 300];

    private static bool AllNaN(ReadOnlySpan<float> values)
    {
        foreach (var v in values)
        {
            if (!float.IsNaN(v))
            {
                return false;
            }
        }

        return true;
    }

    private static double Variance(ReadOnlySpan<double> plane, double mean)
    {
        var sum = 0.0;
        foreach (var v in plane)
        {
            sum += (v - mean) * (v - mean);
        }

        return sum / (plane.Length - 1);
    }
}
