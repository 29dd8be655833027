using System;
using System.Globalization;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SimAM.Tests.Reference;
using Xunit;
using TestData = SimAM.Tests.Reference.TestData;

namespace SimAM.Tests.Kernels;

/// <summary>
/// Property 6 of the math document: the backward pass is the derivative of the forward pass, checked by
/// finite differences of L = Σ g·y in float64; and the statistics a forward pass hands to the backward
/// pass change nothing.
/// </summary>
public class GradientTests
{
    private const int MaxTest = 100;

    /// <summary>
    /// Step of the finite differences, relative to the plane's natural length √(v + λ) (the gate is a
    /// function of (x − μ)/√(v + λ)). The fourth-order central stencil has a truncation error of order
    /// step⁴ ≈ 1e-12 here; its rounding error, about 1e-16·|L|/h, stays near 1e-8 of |dx| even on planes
    /// where |x| is a thousand times √(v + λ). A second-order stencil would need h ≈ 1e-6 and would
    /// then lose up to 1e-6 to rounding.
    /// </summary>
    private const double RelativeStep = 1e-3;

    private static readonly int[][] s_shapes =
    [
        [2, 3, 7, 7],
        [1, 1, 2],
        [3, 5, 33],
        [2, 2, 3, 3000],
        [1, 3, 256, 256],
    ];

    [Property(MaxTest = MaxTest, Arbitrary = [typeof(Arbitraries)])]
    public void Backward_equals_central_finite_differences_of_the_forward_pass(GradientSample sample)
    {
        var (x, g, _, shape, lambda) = sample;
        var size = shape[2];
        var dx = new double[x.Length];
        SimAm.Backward(x, g, dx, shape, lambda);

        var work = (double[])x.Clone();
        var y = new double[x.Length];
        for (var p = 0; p < shape[1]; p++)
        {
            var plane = p * size;
            var h = RelativeStep * NaturalLength(x.AsSpan(plane, size), lambda);
            var limit = 1e-6 * Accuracy.MaxAbs(dx.AsSpan(plane, size));
            for (var j = plane; j < plane + size; j++)
            {
                var numeric = Stencil(step =>
                {
                    work[j] = x[j] + (step * h);
                    SimAm.Forward(work, y, shape, lambda);
                    work[j] = x[j];
                    return Loss(g, y, plane, size);
                }) / h;
                Expect.That(
                    Math.Abs(numeric - dx[j]) <= limit,
                    () => $"dx[{j}] = {dx[j]:R}, finite differences {numeric:R} (h = {h:R}, limit {limit:R}). [{sample}]");
            }
        }
    }

    [Property(MaxTest = MaxTest, Arbitrary = [typeof(Arbitraries)])]
    public void Backward_gives_the_directional_derivative_along_random_directions(GradientSample sample)
    {
        var (x, g, v, shape, lambda) = sample;
        var size = shape[2];
        var dx = new double[x.Length];
        SimAm.Backward(x, g, dx, shape, lambda);

        double inner = 0, scale = 0;
        var length = double.PositiveInfinity;
        for (var i = 0; i < x.Length; i++)
        {
            inner += dx[i] * v[i];
            scale += Math.Abs(dx[i] * v[i]);
        }

        for (var p = 0; p < shape[1]; p++)
        {
            length = Math.Min(length, NaturalLength(x.AsSpan(p * size, size), lambda));
        }

        var epsilon = RelativeStep * length / Accuracy.MaxAbs(v);
        var moved = new double[x.Length];
        var y = new double[x.Length];
        var numeric = Stencil(step =>
        {
            for (var i = 0; i < x.Length; i++)
            {
                moved[i] = x[i] + (step * epsilon * v[i]);
            }

            SimAm.Forward(moved, y, shape, lambda);
            return Loss(g, y, 0, y.Length);
        }) / epsilon;

        Expect.That(
            Math.Abs(numeric - inner) <= 1e-6 * scale,
            () => $"⟨dx, v⟩ = {inner:R}, d/dε L(x + εv) = {numeric:R} (Σ|dx·v| = {scale:R}). [{sample}]");
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void Backward_with_the_forward_statistics_equals_backward_without_them_bit_for_bit(SimAmKernel kernel)
    {
        foreach (var shape in s_shapes)
        {
            var count = shape.Aggregate(1, (a, b) => a * b);
            var planes = shape[0] * shape[1];
            var x = TestData.Normal(count, seed: count, scale: 2f, offset: 0.5f);
            var g = TestData.Normal(count, seed: count + 1);

            // One thread: whole planes per worker. Two: few large planes are split into chunks.
            foreach (var threads in new[] { 1, 2 })
            {
                var options = KernelPaths.Options(kernel, threads);
                var context = $"{kernel}, {threads} thread(s), shape [{string.Join(", ", shape)}]";
                var statistics = new PlaneStatistics[planes];
                SimAm.Forward(x, new float[count], shape, statistics, SimAm.DefaultLambda, options);

                var withStatistics = new float[count];
                var without = new float[count];
                SimAm.Backward(x, g, withStatistics, shape, statistics, SimAm.DefaultLambda, options);
                SimAm.Backward(x, g, without, shape, SimAm.DefaultLambda, options);
                Bits.AssertIdentical(without, withStatistics, context);
                Accuracy.AssertBackward(
                    withStatistics,
                    Reference64.Backward(Reference64.ToDouble(x), Reference64.ToDouble(g), count / planes, SimAm.DefaultLambda),
                    count / planes,
                    context);
            }
        }
    }

    [Fact]
    public void Double_backward_with_the_forward_statistics_equals_backward_without_them_bit_for_bit()
    {
        foreach (var shape in s_shapes)
        {
            var count = shape.Aggregate(1, (a, b) => a * b);
            var x = TestData.NormalDouble(count, seed: count, scale: 2, offset: 0.5);
            var g = TestData.NormalDouble(count, seed: count + 1);
            foreach (var threads in new[] { 1, 2 })
            {
                var options = new SimAmOptions { MaxDegreeOfParallelism = threads };
                var statistics = new PlaneStatistics[shape[0] * shape[1]];
                SimAm.Forward(x, new double[count], shape, statistics, 0.1, options);

                var withStatistics = new double[count];
                var without = new double[count];
                SimAm.Backward(x, g, withStatistics, shape, statistics, 0.1, options);
                SimAm.Backward(x, g, without, shape, 0.1, options);
                Bits.AssertIdentical(without, withStatistics, $"{threads} thread(s), shape [{string.Join(", ", shape)}]");
            }
        }
    }

    /// <summary>h·f'(0) to fourth order: (−f(2) + 8f(1) − 8f(−1) + f(−2)) / 12, f evaluated at multiples of h.</summary>
    private static double Stencil(Func<int, double> f) =>
        ((8 * (f(1) - f(-1))) - (f(2) - f(-2))) / 12;

    private static double Loss(double[] g, double[] y, int start, int length)
    {
        var loss = 0.0;
        for (var i = start; i < start + length; i++)
        {
            loss += g[i] * y[i];
        }

        return loss;
    }

    /// <summary>√(v + λ) with the unbiased variance v of the plane.</summary>
    private static double NaturalLength(ReadOnlySpan<double> plane, double lambda)
    {
        var mean = 0.0;
        foreach (var value in plane)
        {
            mean += value;
        }

        mean /= plane.Length;
        var q = 0.0;
        foreach (var value in plane)
        {
            q += (value - mean) * (value - mean);
        }

        return Math.Sqrt((q / (plane.Length - 1)) + lambda);
    }

    private static Gen<double[]> Uniform(int count, double scale, double offset) =>
        Gen.ArrayOf(Gen.Choose(-1_000_000, 1_000_000), count).Select(raw => raw.Select(i => offset + (scale * i / 1_000_000.0)).ToArray());

    private static Gen<GradientSample> Samples() =>
        from planes in Gen.Choose(1, 3)
        from size in Gen.Choose(2, 40)
        from scale in Gen.Elements(0.1, 1.0, 10.0)
        from offset in Gen.Elements(0.0, 2.0, -5.0)
        from x in Uniform(planes * size, scale, offset)
        from g in Uniform(planes * size, 2, 0)
        from v in Uniform(planes * size, 1, 0).Where(d => d.Any(e => e != 0))
        from lambda in Gen.OneOf(Gen.Constant(1e-4), Gen.Constant(0.1), Gen.Choose(1, 10_000).Select(i => i * 1e-4))
        select new GradientSample(x, g, v, [1, planes, size], lambda);

    /// <summary>The generator above as an FsCheck arbitrary (no shrinking: a failure reports the whole sample).</summary>
    public static class Arbitraries
    {
        public static Arbitrary<GradientSample> GradientSamples() => Arb.From(Samples());
    }

    public sealed record GradientSample(double[] X, double[] G, double[] V, int[] Shape, double Lambda)
    {
        public override string ToString() =>
            string.Create(
                CultureInfo.InvariantCulture,
                $"shape [{string.Join(", ", Shape)}] λ = {Lambda:R}, x = [{Format(X)}], g = [{Format(G)}], v = [{Format(V)}]");

        private static string Format(double[] values) => string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
    }
}
