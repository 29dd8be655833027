using System.Linq;
using SimAM.Tests.Kernels;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Tests.Concurrency;

/// <summary>
/// Property 7 of the math document: the bits of every result are independent of the degree of
/// parallelism, of the run, and of whether the call works in place.
/// </summary>
public class DeterminismTests
{
    /// <summary>
    /// Many small planes (whole planes per worker); three 256×256 planes, which two or more workers
    /// share chunk by chunk; six 1-D planes of 70000, whole planes with two workers and chunks with eight;
    /// 7×7 and 3×3 planes in counts that are not multiples of any lane batch, so that workers' shares of planes
    /// end inside a batch (the lane-per-plane kernel rounds statistics differently from the plane kernels, so
    /// which one takes a plane must not depend on the thread count).
    /// </summary>
    private static readonly int[][] s_schedulingShapes = [[8, 16, 28, 28], [1, 3, 256, 256], [2, 3, 70000], [1, 4099, 7, 7], [3, 4001, 3, 3]];

    /// <summary>Small shapes whose planes end in a partial vector at every width.</summary>
    private static readonly int[][] s_tailShapes = [[2, 3, 37], [1, 1, 2], [3, 2, 5, 7]];

    private static readonly int[] s_threadCounts = [1, 2, 8];

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void Float_results_are_bit_identical_for_any_degree_of_parallelism_and_run(SimAmKernel kernel)
    {
        foreach (var shape in s_schedulingShapes)
        {
            var count = Count(shape);
            var x = TestData.Normal(count, seed: count, scale: 1.5f, offset: 0.25f);
            var g = TestData.Normal(count, seed: count + 1);
            var expected = RunFloat(x, g, shape, KernelPaths.Options(kernel, 1));
            foreach (var threads in s_threadCounts.Append(8))
            {
                var context = $"{kernel}, {threads} threads, shape [{string.Join(", ", shape)}]";
                var actual = RunFloat(x, g, shape, KernelPaths.Options(kernel, threads));
                Bits.AssertIdentical(expected.Y, actual.Y, context + " forward");
                Bits.AssertIdentical(expected.Statistics, actual.Statistics, context + " statistics");
                Bits.AssertIdentical(expected.Dx, actual.Dx, context + " backward");
                Bits.AssertIdentical(expected.Dx, actual.DxWithStatistics, context + " backward with statistics");
            }
        }
    }

    [Fact]
    public void Double_results_are_bit_identical_for_any_degree_of_parallelism_and_run()
    {
        foreach (var shape in s_schedulingShapes)
        {
            var count = Count(shape);
            var x = TestData.NormalDouble(count, seed: count, scale: 1.5, offset: 0.25);
            var g = TestData.NormalDouble(count, seed: count + 1);
            var expected = RunDouble(x, g, shape, new SimAmOptions { MaxDegreeOfParallelism = 1 });
            foreach (var threads in s_threadCounts.Append(8))
            {
                var context = $"{threads} threads, shape [{string.Join(", ", shape)}]";
                var actual = RunDouble(x, g, shape, new SimAmOptions { MaxDegreeOfParallelism = threads });
                Bits.AssertIdentical(expected.Y, actual.Y, context + " forward");
                Bits.AssertIdentical(expected.Statistics, actual.Statistics, context + " statistics");
                Bits.AssertIdentical(expected.Dx, actual.Dx, context + " backward");
                Bits.AssertIdentical(expected.Dx, actual.DxWithStatistics, context + " backward with statistics");
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void Working_in_place_gives_the_out_of_place_bits(SimAmKernel kernel)
    {
        foreach (var shape in s_tailShapes.Concat(s_schedulingShapes))
        {
            var count = Count(shape);
            var x = TestData.Normal(count, seed: count + 7, scale: 3f, offset: -1f);
            var g = TestData.Normal(count, seed: count + 8);
            foreach (var threads in new[] { 1, 8 })
            {
                var options = KernelPaths.Options(kernel, threads);
                var context = $"{kernel}, {threads} threads, shape [{string.Join(", ", shape)}]";
                var expected = RunFloat(x, g, shape, options);

                var y = (float[])x.Clone();
                SimAm.Forward(y, y, shape, SimAm.DefaultLambda, options);
                Bits.AssertIdentical(expected.Y, y, context + ": forward with output = input");

                var intoGradient = (float[])g.Clone();
                SimAm.Backward(x, intoGradient, intoGradient, shape, SimAm.DefaultLambda, options);
                Bits.AssertIdentical(expected.Dx, intoGradient, context + ": backward with gradInput = gradOutput");

                var intoInput = (float[])x.Clone();
                SimAm.Backward(intoInput, g, intoInput, shape, SimAm.DefaultLambda, options);
                Bits.AssertIdentical(expected.Dx, intoInput, context + ": backward with gradInput = input");

                intoGradient = (float[])g.Clone();
                SimAm.Backward(x, intoGradient, intoGradient, shape, expected.Statistics, SimAm.DefaultLambda, options);
                Bits.AssertIdentical(expected.Dx, intoGradient, context + ": backward with statistics and gradInput = gradOutput");

                intoInput = (float[])x.Clone();
                SimAm.Backward(intoInput, g, intoInput, shape, expected.Statistics, SimAm.DefaultLambda, options);
                Bits.AssertIdentical(expected.Dx, intoInput, context + ": backward with statistics and gradInput = input");
            }
        }
    }

    [Fact]
    public void Double_in_place_gives_the_out_of_place_bits()
    {
        foreach (var shape in s_tailShapes.Concat(s_schedulingShapes))
        {
            var count = Count(shape);
            var x = TestData.NormalDouble(count, seed: count + 7, scale: 3, offset: -1);
            var g = TestData.NormalDouble(count, seed: count + 8);
            foreach (var threads in new[] { 1, 8 })
            {
                var options = new SimAmOptions { MaxDegreeOfParallelism = threads };
                var context = $"{threads} threads, shape [{string.Join(", ", shape)}]";
                var expected = RunDouble(x, g, shape, options);

                var y = (double[])x.Clone();
                SimAm.Forward(y, y, shape, SimAm.DefaultLambda, options);
                Bits.AssertIdentical(expected.Y, y, context + ": forward with output = input");

                var intoGradient = (double[])g.Clone();
                SimAm.Backward(x, intoGradient, intoGradient, shape, SimAm.DefaultLambda, options);
                Bits.AssertIdentical(expected.Dx, intoGradient, context + ": backward with gradInput = gradOutput");

                var intoInput = (double[])x.Clone();
                SimAm.Backward(intoInput, g, intoInput, shape, SimAm.DefaultLambda, options);
                Bits.AssertIdentical(expected.Dx, intoInput, context + ": backward with gradInput = input");
            }
        }
    }

    private static int Count(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

    private static Results<float> RunFloat(float[] x, float[] g, int[] shape, SimAmOptions options)
    {
        var results = new Results<float>(new float[x.Length], new PlaneStatistics[SimAm.PlaneCount(shape)], new float[x.Length], new float[x.Length]);
        SimAm.Forward(x, results.Y, shape, results.Statistics, SimAm.DefaultLambda, options);
        SimAm.Backward(x, g, results.Dx, shape, SimAm.DefaultLambda, options);
        SimAm.Backward(x, g, results.DxWithStatistics, shape, results.Statistics, SimAm.DefaultLambda, options);
        return results;
    }

    private static Results<double> RunDouble(double[] x, double[] g, int[] shape, SimAmOptions options)
    {
        var results = new Results<double>(new double[x.Length], new PlaneStatistics[SimAm.PlaneCount(shape)], new double[x.Length], new double[x.Length]);
        SimAm.Forward(x, results.Y, shape, results.Statistics, SimAm.DefaultLambda, options);
        SimAm.Backward(x, g, results.Dx, shape, SimAm.DefaultLambda, options);
        SimAm.Backward(x, g, results.DxWithStatistics, shape, results.Statistics, SimAm.DefaultLambda, options);
        return results;
    }

    private sealed record Results<T>(T[] Y, PlaneStatistics[] Statistics, T[] Dx, T[] DxWithStatistics);
}
