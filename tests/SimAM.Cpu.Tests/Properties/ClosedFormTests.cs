using System;
using System.Globalization;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SimAM.Tests.Kernels;
using SimAM.Tests.Reference;
using Xunit;
using TestData = SimAM.Tests.Reference.TestData;

namespace SimAM.Tests.Properties;

/// <summary>
/// The energy function of the paper and its closed-form minimum, and the plane statistics the engine
/// reports for the fast formula. The float statistics are checked on every kernel path: <see cref="FloatStatistics"/>
/// has one subclass per path, skipped where this processor does not accelerate it.
/// </summary>
public class ClosedFormTests
{
    private const int MaxTest = 200;

    [Property(MaxTest = MaxTest, Arbitrary = [typeof(Arbitraries)])]
    public void Minimising_the_energy_by_its_normal_equations_gives_the_closed_form(PlaneCase plane)
    {
        // The energy is unchanged when every value is shifted by m and b by w·m, so the normal
        // equations are solved around the plane mean, where they are well conditioned. The closed
        // form is evaluated on the very same values.
        var m = plane.X.Average();
        var x = plane.X.Select(v => v - m).ToArray();
        for (var t = 0; t < x.Length; t++)
        {
            var (w, b) = SolveNormalEquations(x, t, plane.Lambda);
            var minimum = Energy(x, t, w, b, plane.Lambda);
            var closedForm = ClosedFormMinimum(x, t, plane.Lambda);
            Expect.That(
                Math.Abs(minimum - closedForm) <= 1e-9 * closedForm,
                () => $"{plane}, t = {t}: min e_t = {minimum:R} by the normal equations, e_t* = {closedForm:R}.");

            // And it is a minimum: moving w or b away from it never lowers the energy.
            var dw = 1e-3 * (Math.Abs(w) + 1);
            var db = 1e-3 * (Math.Abs(b) + 1);
            foreach (var (w2, b2) in new[] { (w + dw, b), (w - dw, b), (w, b + db), (w, b - db) })
            {
                Expect.That(Energy(x, t, w2, b2, plane.Lambda) >= minimum * (1 - 1e-12), () => $"{plane}, t = {t}: (w, b) = ({w:R}, {b:R}) is not a minimum.");
            }
        }
    }

    [Property(MaxTest = MaxTest, Arbitrary = [typeof(Arbitraries)])]
    public void The_closed_form_from_plane_totals_equals_the_leave_one_out_closed_form(PlaneCase plane)
    {
        // The math document's exact variant: t − μ_t and σ_t² from μ and Q = Σ c² of the whole plane,
        // here taken from the engine's statistics of a double-precision forward pass.
        var x = plane.X;
        var statistics = new PlaneStatistics[1];
        SimAm.Forward(x, new double[x.Length], [1, 1, x.Length], statistics, plane.Lambda);
        var mu = statistics[0].Mean;
        var size = (double)x.Length;
        var q = statistics[0].Variance * (size - 1);
        for (var t = 0; t < x.Length; t++)
        {
            var c = x[t] - mu;
            var deviation = size * c / (size - 1);
            var variance = (q - (size * c * c / (size - 1))) / (size - 1);
            var energy = ((deviation * deviation) + (2 * variance) + (2 * plane.Lambda)) / (4 * (variance + plane.Lambda));

            // σ_t² = (Q − M·c²/(M − 1))/(M − 1) cancels when the target holds most of Q: an absolute
            // error of a few ulp of Q/(M − 1) in σ_t², which the tolerance carries on top of 1e-9.
            var expected = 1 / ClosedFormMinimum(x, t, plane.Lambda);
            var cancellation = 64 * Math.Pow(2, -52) * Math.Abs(q) / (size - 1) / (variance + plane.Lambda);
            Expect.That(
                Math.Abs(energy - expected) <= (1e-9 + cancellation) * expected,
                () => $"{plane}, t = {t}: E_t from plane totals {energy:R}, from the other values {expected:R}.");
        }
    }

    [Property(MaxTest = MaxTest, Arbitrary = [typeof(Arbitraries)])]
    public void Double_forward_statistics_are_the_float64_mean_and_unbiased_variance(TensorCase tensor)
    {
        var (x, shape, lambda) = tensor;
        var planeSize = shape[2];
        var statistics = new PlaneStatistics[shape[1]];
        var y = new double[x.Length];
        SimAm.Forward(x, y, shape, statistics, lambda);
        for (var p = 0; p < statistics.Length; p++)
        {
            var plane = x.AsSpan(p * planeSize, planeSize);
            AssertStatistics(plane, statistics[p], $"{tensor}, plane {p}");

            // The fast formula: y = x·sigmoid((x − μ)²/(4(v + λ)) + ½) with the reported μ and v.
            for (var i = 0; i < planeSize; i++)
            {
                var expected = plane[i] * statistics[p].Weight(plane[i], lambda);
                Expect.That(
                    Math.Abs(y[(p * planeSize) + i] - expected) <= 1e-12 * Math.Abs(expected),
                    () => $"{tensor}, plane {p}, element {i}: y = {y[(p * planeSize) + i]:R}, x·sigmoid(E) from the statistics = {expected:R}.");
            }
        }
    }

    [Fact]
    public void Statistics_of_planes_over_several_chunks_keep_full_accuracy()
    {
        // 12000 values: three 4096-value chunks combined by the pairwise update, with a large offset.
        int[] shape = [1, 2, 12000];
        var x = TestData.NormalDouble(24000, seed: 12000, scale: 0.5, offset: 300);
        var statistics = new PlaneStatistics[2];
        SimAm.Forward(x, new double[x.Length], shape, statistics);
        var x32 = TestData.Normal(24000, seed: 12001, scale: 0.5f, offset: 300f);
        foreach (var kernel in SimAmKernels.Supported)
        {
            var statistics32 = new PlaneStatistics[2];
            SimAm.Forward(x32, new float[x32.Length], shape, statistics32, SimAm.DefaultLambda, KernelPaths.Options(kernel));
            for (var p = 0; p < 2; p++)
            {
                AssertStatistics(x.AsSpan(p * 12000, 12000), statistics[p], $"double, plane {p}");
                AssertStatistics(Reference64.ToDouble(x32.AsSpan(p * 12000, 12000)), statistics32[p], $"{kernel}, plane {p}");
            }
        }
    }

    private static void AssertStatistics(ReadOnlySpan<double> plane, PlaneStatistics actual, string context)
    {
        var mean = 0.0;
        var largest = 0.0;
        foreach (var v in plane)
        {
            mean += v;
            largest = Math.Max(largest, Math.Abs(v));
        }

        mean /= plane.Length;
        var q = 0.0;
        foreach (var v in plane)
        {
            q += (v - mean) * (v - mean);
        }

        var variance = q / (plane.Length - 1);

        // The mean is compared at the scale of the values (it may be 0); the variance relatively, plus
        // the square of a rounding of the mean, which is all a plane of equal values can show.
        Expect.That(Math.Abs(actual.Mean - mean) <= 1e-12 * largest, () => $"{context}: mean {actual.Mean:R}, float64 {mean:R}.");
        Expect.That(
            Math.Abs(actual.Variance - variance) <= (1e-12 * variance) + (1e-28 * largest * largest),
            () => $"{context}: variance {actual.Variance:R}, float64 {variance:R}.");
    }

    /// <summary>e_t(w, b) = (1/(M−1))·Σ_{i≠t}(−1 − (w·x_i + b))² + (1 − (w·t + b))² + λ·w², summed directly.</summary>
    private static double Energy(double[] x, int t, double w, double b, double lambda)
    {
        var others = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            if (i != t)
            {
                var r = -1 - ((w * x[i]) + b);
                others += r * r;
            }
        }

        var target = 1 - ((w * x[t]) + b);
        return (others / (x.Length - 1)) + (target * target) + (lambda * w * w);
    }

    /// <summary>∂e/∂w = 0 and ∂e/∂b = 0: a 2×2 linear system, solved by Cramer's rule.</summary>
    private static (double W, double B) SolveNormalEquations(double[] x, int t, double lambda)
    {
        var n = x.Length - 1.0;
        double sum = 0, squares = 0;
        for (var i = 0; i < x.Length; i++)
        {
            if (i != t)
            {
                sum += x[i];
                squares += x[i] * x[i];
            }
        }

        // (1/n)Σ(w·x_i + b + 1)·x_i + (w·t + b − 1)·t + λw = 0
        // (1/n)Σ(w·x_i + b + 1)     + (w·t + b − 1)       = 0
        var target = x[t];
        var a11 = (squares / n) + (target * target) + lambda;
        var a12 = (sum / n) + target;
        var a22 = 2.0;
        var r1 = target - (sum / n);
        var r2 = 0.0;
        var determinant = (a11 * a22) - (a12 * a12);
        return (((r1 * a22) - (a12 * r2)) / determinant, ((a11 * r2) - (a12 * r1)) / determinant);
    }

    /// <summary>e_t* = 4(σ_t² + λ)/((t − μ_t)² + 2σ_t² + 2λ), μ_t and σ_t² (biased) of the other M − 1 values.</summary>
    private static double ClosedFormMinimum(double[] x, int t, double lambda)
    {
        var n = x.Length - 1.0;
        var mean = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            mean += i != t ? x[i] : 0;
        }

        mean /= n;
        var variance = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            variance += i != t ? (x[i] - mean) * (x[i] - mean) : 0;
        }

        variance /= n;
        var d = x[t] - mean;
        return 4 * (variance + lambda) / ((d * d) + (2 * variance) + (2 * lambda));
    }

    private static Gen<double> Lambdas() =>
        Gen.OneOf(Gen.Constant(1e-4), Gen.Constant(0.1), Gen.Choose(0, 1_000_000).Select(i => 1e-4 + (i * (1 - 1e-4) / 1_000_000)));

    /// <summary>
    /// Values as exact floats (so that the float and double paths see the same numbers): spread
    /// 0.01 to 10, offset up to ±50; or few distinct integers (ties, values equal to the mean); or a
    /// constant plane.
    /// </summary>
    private static Gen<double[]> Values(int size) =>
        Gen.Frequency(
            (6, from scale in Gen.Elements(0.01, 0.3, 1.0, 10.0)
                from offset in Gen.Elements(0.0, 1.0, -3.0, 50.0)
                from raw in Gen.ArrayOf(Gen.Choose(-1_000_000, 1_000_000), size)
                select raw.Select(i => (double)(float)(offset + (scale * i / 1_000_000.0))).ToArray()),
            (2, Gen.ArrayOf(Gen.Choose(-3, 3), size).Select(raw => raw.Select(i => (double)i).ToArray())),
            (1, Gen.Choose(-100, 100).Select(v => Enumerable.Repeat(v / 4.0, size).ToArray())));

    private static Gen<PlaneCase> Planes(int minSize, int maxSize) =>
        from size in Gen.Choose(minSize, maxSize)
        from x in Values(size)
        from lambda in Lambdas()
        select new PlaneCase(x, lambda);

    private static Gen<TensorCase> Tensors() =>
        from planes in Gen.Choose(1, 3)
        from size in Gen.Frequency((3, Gen.Choose(2, 40)), (1, Gen.Choose(41, 600)))
        from values in Gen.ArrayOf(Values(size), planes)
        from lambda in Lambdas()
        select new TensorCase(values.SelectMany(v => v).ToArray(), [1, planes, size], lambda);

    /// <summary>The generators above as FsCheck arbitraries (no shrinking: a failure reports the whole sample).</summary>
    public static class Arbitraries
    {
        public static Arbitrary<PlaneCase> PlaneCases() => Arb.From(Planes(2, 40));

        public static Arbitrary<TensorCase> TensorCases() => Arb.From(Tensors());
    }

    /// <summary>The statistics of float planes, on the kernel path its subclass names.</summary>
    public abstract class FloatStatistics(SimAmKernel kernel)
    {
        [Property(MaxTest = MaxTest, Arbitrary = [typeof(Arbitraries)], Skip = KernelPaths.NotAccelerated, SkipUnless = KernelPaths.IsAccelerated)]
        public void Float_forward_statistics_are_the_float64_mean_and_unbiased_variance(TensorCase tensor)
        {
            // Float values are exact in double and the engine sums them in double: the same accuracy.
            var (x64, shape, lambda) = tensor;
            var x = x64.Select(v => (float)v).ToArray();
            var planeSize = shape[2];
            var statistics = new PlaneStatistics[shape[1]];
            SimAm.Forward(x, new float[x.Length], shape, statistics, (float)lambda, KernelPaths.Options(kernel));
            for (var p = 0; p < statistics.Length; p++)
            {
                AssertStatistics(Reference64.ToDouble(x.AsSpan(p * planeSize, planeSize)), statistics[p], $"{kernel} {tensor}, plane {p}");
            }
        }
    }

    public sealed class Scalar() : FloatStatistics(SimAmKernel.Scalar)
    {
        public static bool IsAccelerated => SimAmKernels.IsSupported(SimAmKernel.Scalar);
    }

    public sealed class Vector128() : FloatStatistics(SimAmKernel.Vector128)
    {
        public static bool IsAccelerated => SimAmKernels.IsSupported(SimAmKernel.Vector128);
    }

    public sealed class Vector256() : FloatStatistics(SimAmKernel.Vector256)
    {
        public static bool IsAccelerated => SimAmKernels.IsSupported(SimAmKernel.Vector256);
    }

    public sealed class Vector512() : FloatStatistics(SimAmKernel.Vector512)
    {
        public static bool IsAccelerated => SimAmKernels.IsSupported(SimAmKernel.Vector512);
    }

    public sealed record PlaneCase(double[] X, double Lambda)
    {
        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"λ = {Lambda:R}, x = [{string.Join(", ", X.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}]");
    }

    public sealed record TensorCase(double[] X, int[] Shape, double Lambda)
    {
        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"shape [{string.Join(", ", Shape)}] λ = {Lambda:R}, x = [{string.Join(", ", X.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}]");
    }
}
