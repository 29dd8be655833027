using System;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Tests.Kernels;

/// <summary>
/// The lane-per-plane backward path (the planes the forward's lane kernel takes, a vector's worth per batch; under
/// 16 values each plane in double; the planes after the last whole batch by the plane kernels), through both entry
/// points: with the forward pass's statistics and recomputing them. Plane counts leave a remainder at every width,
/// and the sizes cross every width's boundaries (see <see cref="LanePerPlaneTests.Sizes"/>).
/// </summary>
public class LanePerPlaneBackwardTests
{
    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void Every_small_plane_size_matches_float64_and_both_entry_points_agree_bit_for_bit(SimAmKernel kernel)
    {
        // Near zero, far from zero, near float's range and far below it.
        foreach (var (scale, offset) in new[] { (1f, 0f), (1f, 1000f), (1e37f, 0f), (1e-30f, 0f) })
        {
            foreach (var size in LanePerPlaneTests.Sizes)
            {
                // 37 planes: batches of 4, 8 or 16 lanes and a remainder.
                int[] shape = [1, 37, size];
                var count = 37 * size;
                var x = TestData.Normal(count, seed: size, scale: scale, offset: offset);
                var g = TestData.Normal(count, seed: size + 1);
                var context = $"{kernel} size {size} scale {scale} offset {offset}";
                var options = KernelPaths.Options(kernel);
                var statistics = new PlaneStatistics[37];
                SimAm.Forward(x, new float[count], shape, statistics, SimAm.DefaultLambda, options);

                var withStatistics = new float[count];
                var recomputed = new float[count];
                SimAm.Backward(x, g, withStatistics, shape, statistics, SimAm.DefaultLambda, options);
                SimAm.Backward(x, g, recomputed, shape, SimAm.DefaultLambda, options);
                Accuracy.AssertBackward(withStatistics, Reference64.Backward(Reference64.ToDouble(x), Reference64.ToDouble(g), size, SimAm.DefaultLambda), size, context);
                Bits.AssertIdentical(withStatistics, recomputed, context + ": recomputed statistics");
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void A_non_finite_value_inside_a_batch_poisons_only_its_planes_gradient(SimAmKernel kernel)
    {
        // 7×7 (float lanes) and 3×3 (double small planes); 40 planes: whole batches at every width and, at 512 bits, a remainder.
        foreach (var size in new[] { 49, 9 })
        {
            int[] shape = [1, 40, size];
            var x = TestData.Normal(40 * size, seed: 78 + size);
            var g = TestData.Normal(40 * size, seed: 79 + size);
            var options = KernelPaths.Options(kernel);
            var clean = Backward(x, g, shape, options);
            foreach (var (poisonedX, poisonedG, plane, _, description) in PoisonedPlanes.Cases(x, g, size, 40))
            {
                var (withStatistics, recomputed) = Backward(poisonedX, poisonedG, shape, options);
                var context = $"{kernel} size {size} {description}";
                for (var p = 0; p < 40; p++)
                {
                    var expected = clean.WithStatistics.AsSpan(p * size, size);
                    foreach (var (actual, entry) in new[] { (withStatistics, "with statistics"), (recomputed, "recomputed") })
                    {
                        var values = actual.AsSpan(p * size, size);
                        if (p == plane)
                        {
                            // x non-finite: statistics are NaN, the whole plane is NaN. g non-finite: its sums are, so every value is.
                            Assert.True(!PoisonedPlanes.AnyFinite(values), $"{context}, {entry}");
                        }
                        else
                        {
                            Bits.AssertIdentical(expected, values, $"{context}, {entry}, plane {p}");
                        }
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void Results_do_not_depend_on_threads_alignment_or_working_in_place(SimAmKernel kernel)
    {
        // 3003 planes leave a remainder after the last whole batch at every width; workers' shares end inside batches.
        foreach (var shape in new[] { new[] { 3, 1001, 7, 7 }, new[] { 3, 1001, 3, 3 }, new[] { 2, 131, 14, 14 } })
        {
            var size = shape[2] * shape[3];
            var count = shape[0] * shape[1] * size;
            var x = TestData.Normal(count, seed: size, scale: 2f, offset: -1f);
            var g = TestData.Normal(count, seed: size + 5);
            var name = $"{kernel} [{string.Join(", ", shape)}]";
            var (serial, serialRecomputed) = Backward(x, g, shape, KernelPaths.Options(kernel, threads: 1));
            Accuracy.AssertBackward(serial, Reference64.Backward(Reference64.ToDouble(x), Reference64.ToDouble(g), size, SimAm.DefaultLambda), size, name);
            Bits.AssertIdentical(serial, serialRecomputed, $"{name} recomputed");

            foreach (var threads in new[] { 2, 3, 8 })
            {
                var (parallel, parallelRecomputed) = Backward(x, g, shape, KernelPaths.Options(kernel, threads));
                Bits.AssertIdentical(serial, parallel, $"{name} {threads} threads");
                Bits.AssertIdentical(serial, parallelRecomputed, $"{name} {threads} threads, recomputed");
            }

            var options = KernelPaths.Options(kernel, threads: 1);
            var statistics = new PlaneStatistics[shape[0] * shape[1]];
            SimAm.Forward(x, new float[count], shape, statistics, SimAm.DefaultLambda, options);
            var shifted = new float[count + 1];
            SimAm.Backward(x, g, shifted.AsSpan(1), shape, statistics, SimAm.DefaultLambda, options);
            Bits.AssertIdentical(serial, shifted.AsSpan(1), $"{name} unaligned");

            AssertBackwardInPlace(x, g, shape, statistics, options, serial, name);
        }
    }

    /// <summary>dx with the forward pass's statistics and with recomputed ones.</summary>
    private static (float[] WithStatistics, float[] Recomputed) Backward(float[] x, float[] g, int[] shape, SimAmOptions options)
    {
        var statistics = new PlaneStatistics[shape[0] * shape[1]];
        SimAm.Forward(x, new float[x.Length], shape, statistics, SimAm.DefaultLambda, options);
        var withStatistics = new float[x.Length];
        var recomputed = new float[x.Length];
        SimAm.Backward(x, g, withStatistics, shape, statistics, SimAm.DefaultLambda, options);
        SimAm.Backward(x, g, recomputed, shape, SimAm.DefaultLambda, options);
        return (withStatistics, recomputed);
    }

    /// <summary>dx written over x or over g, with given and with recomputed statistics, has the bits of <paramref name="serial"/>.</summary>
    internal static void AssertBackwardInPlace(float[] x, float[] g, int[] shape, PlaneStatistics[] statistics, SimAmOptions options, float[] serial, string name)
    {
        foreach (var intoInput in new[] { true, false })
        {
            foreach (var given in new[] { true, false })
            {
                var values = (float[])x.Clone();
                var gradients = (float[])g.Clone();
                var destination = intoInput ? values : gradients;
                if (given)
                {
                    SimAm.Backward(values, gradients, destination, shape, statistics, SimAm.DefaultLambda, options);
                }
                else
                {
                    SimAm.Backward(values, gradients, destination, shape, SimAm.DefaultLambda, options);
                }

                Bits.AssertIdentical(serial, destination, $"{name} in place (dx = {(intoInput ? "x" : "g")}, {(given ? "given" : "recomputed")} statistics)");
            }
        }
    }
}
