using System;
using System.Globalization;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SimAM.Tests.Kernels;
using SimAM.Tests.Reference;

namespace SimAM.Tests.Properties;

/// <summary>
/// Properties 2 to 5 of the math document on random planes, for every kernel path: permutation
/// equivariance, independent planes, the sign and the range of the gate, and invariance of E under a shift.
/// The float properties are in <see cref="FloatPlanes"/>, which has one subclass per kernel path, skipped
/// where this processor does not accelerate it; the double one is here.
/// </summary>
public class PlaneInvariantTests
{
    private const int MaxTest = 150;

    private static readonly double s_sigmoidOfHalf = 1 / (1 + Math.Exp(-0.5));

    [Property(MaxTest = MaxTest, Arbitrary = [typeof(Arbitraries)])]
    public void Adding_a_constant_to_a_plane_leaves_the_weights_unchanged(ShiftedTensor sample)
    {
        // Values and shift are small multiples of a power of two, so x + c is exact in double (and in float).
        var (x, shift, shape, lambda) = sample;
        var x64 = Reference64.ToDouble(x);
        var shifted = x64.Select(v => v + shift).ToArray();
        var y = new double[x.Length];
        var y2 = new double[x.Length];
        SimAm.Forward(x64, y, shape, lambda);
        SimAm.Forward(shifted, y2, shape, lambda);

        var size = shape[2];
        for (var p = 0; p < shape[1]; p++)
        {
            var floor = 1e-6 * Math.Max(Accuracy.MaxAbs(x64.AsSpan(p * size, size)), Accuracy.MaxAbs(shifted.AsSpan(p * size, size)));
            for (var i = p * size; i < (p + 1) * size; i++)
            {
                if (Math.Abs(x64[i]) > floor && Math.Abs(shifted[i]) > floor)
                {
                    var weight = y[i] / x64[i];
                    var shiftedWeight = y2[i] / shifted[i];
                    Expect.That(
                        Math.Abs(weight - shiftedWeight) <= 1e-9 * weight,
                        () => $"weight at {i} is {weight:R}, {shiftedWeight:R} after the shift. [{sample}]");
                }
            }
        }
    }

    private static Gen<float> Lambdas() =>
        Gen.OneOf(Gen.Constant(1e-4f), Gen.Constant(0.1f), Gen.Choose(1, 10_000).Select(i => i * 1e-4f));

    /// <summary>
    /// Finite planes with |x| ≤ 1e4: a continuous spread from 1e-3 to 1e4 around offsets up to 1000; a
    /// few distinct small integers (ties, values equal to the mean); mostly zeros; or a constant plane.
    /// </summary>
    private static Gen<float[]> Values(int size) =>
        Gen.Frequency(
            (6, from scale in Gen.Elements(1e-3, 1.0, 100.0, 1e4)
                from offset in Gen.Elements(0.0, 1.0, -50.0, 1000.0)
                from raw in Gen.ArrayOf(Gen.Choose(-1_000_000, 1_000_000), size)
                select raw.Select(i => (float)Math.Clamp(offset + (scale * i / 1_000_000.0), -1e4, 1e4)).ToArray()),
            (2, from offset in Gen.Elements(0f, 5f, -100f)
                from raw in Gen.ArrayOf(Gen.Choose(-3, 3), size)
                select raw.Select(i => offset + i).ToArray()),
            (1, Gen.ArrayOf(Gen.Frequency((4, Gen.Constant(0)), (1, Gen.Choose(-1000, 1000))), size).Select(raw => raw.Select(i => i / 8f).ToArray())),
            (1, Gen.Choose(-1000, 1000).Select(v => Enumerable.Repeat(v / 8f, size).ToArray())));

    private static Gen<float[]> Gradients(int size) =>
        Gen.ArrayOf(Gen.Choose(-1_000_000, 1_000_000), size).Select(raw => raw.Select(i => i / 500_000f).ToArray());

    private static Gen<PermutedPlane> PermutedPlanes() =>
        from size in Gen.Choose(2, 200)
        from x in Values(size)
        from g in Gradients(size)
        from permutation in Gen.Shuffle(Enumerable.Range(0, size).ToArray())
        from lambda in Lambdas()
        select new PermutedPlane(x, g, permutation, lambda);

    private static Gen<FloatTensor> Tensors() =>
        from planes in Gen.Choose(1, 3)
        from size in Gen.Choose(2, 200)
        from values in Gen.ArrayOf(Values(size), planes)
        from lambda in Lambdas()
        select new FloatTensor(values.SelectMany(v => v).ToArray(), [1, planes, size], lambda);

    private static Gen<TensorPair> TwoTensors() =>
        from planes in Gen.Choose(2, 4)
        from size in Gen.Choose(2, 200)
        from values in Gen.ArrayOf(Values(size), planes)
        from gradients in Gradients(planes * size)
        from changed in Gen.Choose(0, planes - 1)
        from newValues in Values(size)
        from newGradients in Gradients(size)
        from lambda in Lambdas()
        let x = values.SelectMany(v => v).ToArray()
        select new TensorPair(
            x,
            gradients,
            [.. x.Take(changed * size), .. newValues, .. x.Skip((changed + 1) * size)],
            [.. gradients.Take(changed * size), .. newGradients, .. gradients.Skip((changed + 1) * size)],
            [1, planes, size],
            changed,
            lambda);

    /// <summary>Values k·2^-e with |k| ≤ 4000 and a shift j·2^-e with |j| ≤ 2^20: every sum is exact in float.</summary>
    private static Gen<ShiftedTensor> ShiftedTensors() =>
        from planes in Gen.Choose(1, 3)
        from size in Gen.Choose(2, 200)
        from exponent in Gen.Elements(0, 4, 10)
        from spread in Gen.Elements(3, 100, 4000)
        from raw in Gen.ArrayOf(Gen.Choose(-spread, spread), planes * size)
        from shift in Gen.Choose(-(1 << 20), 1 << 20)
        from lambda in Lambdas()
        select new ShiftedTensor(raw.Select(k => (float)Math.ScaleB(k, -exponent)).ToArray(), Math.ScaleB(shift, -exponent), [1, planes, size], lambda);

    private static string Format(float[] values) =>
        "[" + string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]";

    /// <summary>The generators above as FsCheck arbitraries (no shrinking: a failure reports the whole sample).</summary>
    public static class Arbitraries
    {
        public static Arbitrary<PermutedPlane> PermutedPlaneCases() => Arb.From(PermutedPlanes());

        public static Arbitrary<FloatTensor> FloatTensorCases() => Arb.From(Tensors());

        public static Arbitrary<TensorPair> TensorPairCases() => Arb.From(TwoTensors());

        public static Arbitrary<ShiftedTensor> ShiftedTensorCases() => Arb.From(ShiftedTensors());
    }

    /// <summary>Properties 2 to 5 on float planes, on the kernel path its subclass names.</summary>
    public abstract class FloatPlanes(SimAmKernel kernel)
    {
        [Property(MaxTest = MaxTest, Arbitrary = [typeof(Arbitraries)], Skip = KernelPaths.NotAccelerated, SkipUnless = KernelPaths.IsAccelerated)]
        public void Permuting_a_plane_permutes_its_outputs(PermutedPlane sample)
        {
            var (x, g, permutation, lambda) = sample;
            var options = KernelPaths.Options(kernel);
            int[] shape = [1, 1, x.Length];
            var px = permutation.Select(i => x[i]).ToArray();
            var pg = permutation.Select(i => g[i]).ToArray();

            var y = new float[x.Length];
            var py = new float[x.Length];
            SimAm.Forward(x, y, shape, lambda, options);
            SimAm.Forward(px, py, shape, lambda, options);

            var dx = new float[x.Length];
            var pdx = new float[x.Length];
            SimAm.Backward(x, g, dx, shape, lambda, options);
            SimAm.Backward(px, pg, pdx, shape, lambda, options);

            // Only the order of the reductions changes, and with it the last bits of μ and v: each output
            // may move within the accuracy bound, not further.
            var forwardLimit = Accuracy.ForwardBound * Accuracy.MaxAbs(x);
            var backwardLimit = Accuracy.BackwardBound * Accuracy.MaxAbs(dx);
            for (var i = 0; i < x.Length; i++)
            {
                Expect.That(
                    Math.Abs(py[i] - y[permutation[i]]) <= forwardLimit,
                    () => $"y of the permuted plane at {i} is {py[i]:R}, y at {permutation[i]} is {y[permutation[i]]:R}. [{kernel} {sample}]");
                Expect.That(
                    Math.Abs(pdx[i] - dx[permutation[i]]) <= backwardLimit,
                    () => $"dx of the permuted plane at {i} is {pdx[i]:R}, dx at {permutation[i]} is {dx[permutation[i]]:R}. [{kernel} {sample}]");
            }
        }

        [Property(MaxTest = MaxTest, Arbitrary = [typeof(Arbitraries)], Skip = KernelPaths.NotAccelerated, SkipUnless = KernelPaths.IsAccelerated)]
        public void Changing_one_plane_leaves_every_other_plane_bit_identical(TensorPair sample)
        {
            var (x, g, changedX, changedG, shape, changed, lambda) = sample;
            var options = KernelPaths.Options(kernel);
            var size = shape[2];

            var y = new float[x.Length];
            var y2 = new float[x.Length];
            SimAm.Forward(x, y, shape, lambda, options);
            SimAm.Forward(changedX, y2, shape, lambda, options);

            var dx = new float[x.Length];
            var dx2 = new float[x.Length];
            SimAm.Backward(x, g, dx, shape, lambda, options);
            SimAm.Backward(changedX, changedG, dx2, shape, lambda, options);

            for (var p = 0; p < shape[1]; p++)
            {
                if (p != changed)
                {
                    Bits.AssertIdentical(y.AsSpan(p * size, size), y2.AsSpan(p * size, size), $"forward plane {p} [{kernel} {sample}]");
                    Bits.AssertIdentical(dx.AsSpan(p * size, size), dx2.AsSpan(p * size, size), $"backward plane {p} [{kernel} {sample}]");
                }
            }
        }

        [Property(MaxTest = MaxTest, Arbitrary = [typeof(Arbitraries)], Skip = KernelPaths.NotAccelerated, SkipUnless = KernelPaths.IsAccelerated)]
        public void The_gate_keeps_the_sign_and_scales_by_between_sigmoid_half_and_one(FloatTensor sample)
        {
            var (x, shape, lambda) = sample;
            var y = new float[x.Length];
            SimAm.Forward(x, y, shape, lambda, KernelPaths.Options(kernel));
            for (var i = 0; i < x.Length; i++)
            {
                var magnitude = Math.Abs((double)x[i]);
                var result = Math.Abs(y[i]);
                Expect.That(Math.Sign(y[i]) == Math.Sign(x[i]), () => $"x[{i}] = {x[i]:R} but y = {y[i]:R}. [{kernel} {sample}]");

                // s = 1/(1 + e) with e ≥ 0 is at most 1 in float too, and rounding x·s cannot exceed |x|.
                Expect.That(result <= magnitude, () => $"|y[{i}]| = {result:R} > |x| = {magnitude:R}. [{kernel} {sample}]");

                // The gate itself never drops below sigmoid(1/2) (float rounds sigmoid(1/2) = 0.62245933…
                // up, to 0.62245935), but y = x·s is rounded to float once more: on a constant plane of
                // 68.75 (E = 1/2 exactly) x·s = 42.794080451 rounds down to 42.794078827, below
                // sigmoid(1/2)·x = 42.794079020. So the bound allows that last rounding, one ulp of y, and
                // no more; where x is a power of two, x·s is exact and no slack is allowed at all.
                var exact = x[i] == 0 || float.IsPow2(Math.Abs(x[i]));
                var slack = exact ? result : MathF.BitIncrement(result);
                Expect.That(
                    slack >= s_sigmoidOfHalf * magnitude,
                    () => $"|y[{i}]| = {result:R} < sigmoid(1/2)·|x| = {s_sigmoidOfHalf * magnitude:R} by more than the final rounding (x = {x[i]:R}). [{kernel} {sample}]");
            }
        }

        [Property(MaxTest = MaxTest, Arbitrary = [typeof(Arbitraries)], Skip = KernelPaths.NotAccelerated, SkipUnless = KernelPaths.IsAccelerated)]
        public void Adding_a_constant_to_a_float_plane_moves_the_mean_and_keeps_the_variance(ShiftedTensor sample)
        {
            // E depends on x only through x − μ and v: the shift must go into μ alone.
            var (x, shift, shape, lambda) = sample;
            var shifted = x.Select(v => (float)(v + shift)).ToArray();
            var options = KernelPaths.Options(kernel);
            var statistics = new PlaneStatistics[shape[1]];
            var shiftedStatistics = new PlaneStatistics[shape[1]];
            SimAm.Forward(x, new float[x.Length], shape, statistics, lambda, options);
            SimAm.Forward(shifted, new float[x.Length], shape, shiftedStatistics, lambda, options);
            for (var p = 0; p < shape[1]; p++)
            {
                var (before, after) = (statistics[p], shiftedStatistics[p]);
                var scale = Accuracy.MaxAbs(shifted.AsSpan(p * shape[2], shape[2]));
                Expect.That(Math.Abs(after.Mean - (before.Mean + shift)) <= 1e-12 * scale, () => $"plane {p} mean {before.Mean:R} became {after.Mean:R}. [{kernel} {sample}]");
                Expect.That(Math.Abs(after.Variance - before.Variance) <= 1e-12 * before.Variance, () => $"plane {p} variance {before.Variance:R} became {after.Variance:R}. [{kernel} {sample}]");
            }
        }
    }

    public sealed class Scalar() : FloatPlanes(SimAmKernel.Scalar)
    {
        public static bool IsAccelerated => SimAmKernels.IsSupported(SimAmKernel.Scalar);
    }

    public sealed class Vector128() : FloatPlanes(SimAmKernel.Vector128)
    {
        public static bool IsAccelerated => SimAmKernels.IsSupported(SimAmKernel.Vector128);
    }

    public sealed class Vector256() : FloatPlanes(SimAmKernel.Vector256)
    {
        public static bool IsAccelerated => SimAmKernels.IsSupported(SimAmKernel.Vector256);
    }

    public sealed class Vector512() : FloatPlanes(SimAmKernel.Vector512)
    {
        public static bool IsAccelerated => SimAmKernels.IsSupported(SimAmKernel.Vector512);
    }

    public sealed record PermutedPlane(float[] X, float[] G, int[] Permutation, float Lambda)
    {
        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"λ = {Lambda:R}, x = {Format(X)}, g = {Format(G)}, permutation = [{string.Join(", ", Permutation)}]");
    }

    public sealed record FloatTensor(float[] X, int[] Shape, float Lambda)
    {
        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"shape [{string.Join(", ", Shape)}] λ = {Lambda:R}, x = {Format(X)}");
    }

    public sealed record TensorPair(float[] X, float[] G, float[] ChangedX, float[] ChangedG, int[] Shape, int Changed, float Lambda)
    {
        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"shape [{string.Join(", ", Shape)}] λ = {Lambda:R}, plane {Changed} changed, x = {Format(X)}, changed x = {Format(ChangedX)}");
    }

    public sealed record ShiftedTensor(float[] X, double Shift, int[] Shape, float Lambda)
    {
        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"shape [{string.Join(", ", Shape)}] λ = {Lambda:R}, shift = {Shift:R}, x = {Format(X)}");
    }
}
