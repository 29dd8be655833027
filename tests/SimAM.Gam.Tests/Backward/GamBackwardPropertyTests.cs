using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SimAM.Gam.Tests.Infrastructure;

namespace SimAM.Gam.Tests.Backward;

/// <summary>
/// Properties of <see cref="GamModule.Backward(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, ReadOnlySpan{int}, GamMode, GamActivations, GamGradients)"/>
/// on random small modules (any groups, out = C or 1, either gate, any shuffle), at every kernel width and on both convolution
/// paths: the gradients are linear in ∂L/∂y (and scale exactly with it by powers of two), train mode gives the convolution
/// biases exactly zero gradients, in eval mode two half-batches add up to the whole batch, the gradients accumulate, and
/// results are bitwise independent of the threads.
/// </summary>
public class GamBackwardPropertyTests
{
    private const int MaxTest = 15;

    /// <summary>The cases of the property on tensors large enough for threads (a million multiply-adds a forward call and more).</summary>
    private const int ParallelMaxTest = 10;

    /// <summary>
    /// The coefficients of the linear combination: powers of two, so a·g1 and b·g2 are exact, and with g1, g2 float values
    /// in (−1, 1) so is their sum in double. The double passes then differ only by their own rounding.
    /// </summary>
    private const double A = 0.5;

    /// <inheritdoc cref="A"/>
    private const double B = -2;

    /// <summary>
    /// The double bound (1e-12, as for the double forward pass): every gradient is a sum of at most a few thousand products,
    /// whose rounding stays near 1e-15 of its terms.
    /// </summary>
    private const double DoubleBound = 1e-12;

    /// <summary>
    /// The float bound on linearity, relative to the largest gradient: float values carry 2^-24 ≈ 6e-8; a gradient passes
    /// through about ten float stages (gate, two BatchNorms, two transposed convolutions of up to 49·C terms, the channel
    /// MLP), each adding a few ulps of its own scale, so 1e-5 (about 170 ulps) leaves a wide margin and still catches any
    /// term that is not linear in ∂L/∂y.
    /// </summary>
    private const double FloatLinearityBound = 1e-5;

    /// <summary>The parameters' names in the order of <see cref="GamGradients.Parameters"/>.</summary>
    private static readonly string[] s_gradientNames = [.. GamWeights.Create(1, 1, 1).Parameters.Select(p => p.Name)];

    /// <summary>
    /// On tensors large enough for threads, a float forward pass with activations and its backward pass give the same bits
    /// with 1, 2 and 7 threads, in both modes: y, ∂L/∂x, every parameter gradient and the running statistics.
    /// </summary>
    [Property(MaxTest = ParallelMaxTest, Arbitrary = [typeof(Arbitraries)])]
    public void Gradients_are_bitwise_identical_for_any_thread_count(ParallelCase item)
    {
        var (sample, kernel, path) = item;
        var x = sample.CreateInput();
        var g = BackwardPass.GradOutput(x.Length, sample.Seed ^ 0x5A5A);
        foreach (var mode in new[] { GamMode.Eval, GamMode.Train })
        {
            var expectedWeights = sample.CreateWeights();
            var expected = BackwardPass.Run(new GamModule(expectedWeights, sample.Options(kernel, path, 1)), x, g, sample.Shape, mode);
            foreach (var threads in new[] { 2, 7 })
            {
                var context = $"{mode}, {threads} threads, {item}";
                var weights = sample.CreateWeights();
                var actual = BackwardPass.Run(new GamModule(weights, sample.Options(kernel, path, threads)), x, g, sample.Shape, mode);
                Bits.AssertIdentical(expected.Y, actual.Y, "y, " + context);
                Bits.AssertIdentical(expected.GradInput, actual.GradInput, "∂x, " + context);
                BackwardPass.AssertIdentical(expected.Gradients, actual.Gradients, context);
                Bits.AssertIdentical(expectedWeights, weights, "weights, " + context);
            }
        }
    }

    private static GamMode[] Modes(RandomModule sample) => sample.CanTrain ? [GamMode.Eval, GamMode.Train] : [GamMode.Eval];

    /// <summary>The generators of the properties as FsCheck arbitraries (no shrinking: a failure reports the whole sample).</summary>
    public static class Arbitraries
    {
        public static Arbitrary<RandomModule> SmallModules() => Arb.From(RandomModule.Small());

        /// <summary>A module with enough work for threads, on a kernel width and a convolution path drawn with it.</summary>
        public static Arbitrary<ParallelCase> ParallelCases()
        {
            var kernels = Gen.Elements(SimAmKernels.Supported.ToArray());
            var paths = Gen.Elements(ModulePaths.Forced.ToArray());
            return Arb.From(from sample in RandomModule.Parallel() from kernel in kernels from path in paths select new ParallelCase(sample, kernel, path));
        }
    }

    /// <summary>Small modules on batches of two samples or more.</summary>
    public static class BatchArbitraries
    {
        public static Arbitrary<RandomModule> Batches() => Arb.From(RandomModule.Small().Where(s => s.N > 1));
    }

    /// <summary>Small modules on shapes train mode accepts (N·H·W ≥ 2).</summary>
    public static class TrainArbitraries
    {
        public static Arbitrary<RandomModule> Trainable() => Arb.From(RandomModule.Small().Where(s => s.CanTrain));
    }

    /// <summary>
    /// The properties that run on one kernel width, the width its subclass names, on both convolution paths: each
    /// width draws its own samples, and a width this processor does not accelerate is reported as skipped.
    /// </summary>
    public abstract class KernelWidth(SimAmKernel kernel)
    {
        /// <summary>
        /// For one forward pass, the backward pass of a·g1 + b·g2 is a·(that of g1) + b·(that of g2), for ∂L/∂x and every
        /// parameter gradient, in both modes: double to 1e-12 and float to 1e-5 of the largest gradient. Scaling ∂L/∂y by a power
        /// of two scales every gradient by it exactly, bit for bit.
        /// </summary>
        /// <remarks>
        /// The bound is relative to the largest magnitude among all the gradients of the passes (∂x and the twelve parameter
        /// gradients), not each tensor's own: a single gradient can be a sum that cancels far below its terms, and its rounding
        /// is relative to the terms. In train mode, when a group has one hidden channel, the second BatchNorm makes the loss
        /// invariant to scaling that channel's γ1 and β1 together, so γ1·∂γ1 = −β1·∂β1 and ∂γ1 is as small as β1 makes it; a
        /// one-element gradient (m = 1, out = 1) is a sum over a few positions of either sign. Measured on thousands of cases,
        /// float reaches 3e-4 of such a tensor's own magnitude, double 8e-13, while staying below 1e-6 and 1e-14 of the largest.
        /// Float train mode needs N·H·W ≥ 4: with two values per channel BatchNorm's output is ±1 whatever its input (with three
        /// nearly so), so every gradient before it is what is left of sums that cancel (their float rounding reached 9e-6 of
        /// the largest gradient).
        /// </remarks>
        [Property(MaxTest = MaxTest, Arbitrary = [typeof(Arbitraries)], Skip = ModulePaths.NotAccelerated, SkipUnless = ModulePaths.IsAccelerated)]
        public void Gradients_are_linear_in_the_output_gradient(RandomModule sample)
        {
            var x = sample.CreateInput();
            var x64 = Accuracy.Widen(x);
            var g1 = BackwardPass.GradOutput(x.Length, sample.Seed + 1);
            var g2 = BackwardPass.GradOutput(x.Length, sample.Seed + 2);
            var g64 = BackwardPass.Combine(A, Accuracy.Widen(g1), B, Accuracy.Widen(g2));
            var g = g64.Select(v => (float)v).ToArray();
            var g1Scaled = g1.Select(v => (float)B * v).ToArray();
            foreach (var path in ModulePaths.Forced)
            {
                foreach (var mode in Modes(sample))
                {
                    var context = $"{kernel}, {path}, {mode}";
                    var module = new GamModule(sample.CreateWeights(), sample.Options(kernel, path));

                    var activations = new GamActivations();
                    module.Forward(x64, new double[x.Length], sample.Shape, mode, activations);
                    var pass1 = Backward(module, x64, Accuracy.Widen(g1), sample.Shape, mode, activations);
                    var pass2 = Backward(module, x64, Accuracy.Widen(g2), sample.Shape, mode, activations);
                    var pass = Backward(module, x64, g64, sample.Shape, mode, activations);
                    AssertLinear(pass1, pass2, pass, DoubleBound, $"double, {context}. [{sample}]");
                    AssertScaled(pass1, Backward(module, x64, Accuracy.Widen(g1Scaled), sample.Shape, mode, activations), $"double, {context}. [{sample}]");

                    module.Forward(x, new float[x.Length], sample.Shape, mode, activations);
                    var floatPass1 = Backward(module, x, g1, sample.Shape, mode, activations);
                    AssertScaled(floatPass1, Backward(module, x, g1Scaled, sample.Shape, mode, activations), $"float, {context}. [{sample}]");
                    if (mode == GamMode.Eval || sample.N * sample.H * sample.W >= 4)
                    {
                        var floatPass2 = Backward(module, x, g2, sample.Shape, mode, activations);
                        var floatPass = Backward(module, x, g, sample.Shape, mode, activations);
                        AssertLinear(floatPass1, floatPass2, floatPass, FloatLinearityBound, $"float, {context}. [{sample}]");
                    }
                }
            }
        }

        /// <summary>
        /// Train-mode BatchNorm subtracts the batch mean, and with it the convolution's bias: both convolution biases get
        /// exactly zero gradients (the bits of +0.0), float and double, on both paths.
        /// </summary>
        [Property(MaxTest = MaxTest, Arbitrary = [typeof(TrainArbitraries)], Skip = ModulePaths.NotAccelerated, SkipUnless = ModulePaths.IsAccelerated)]
        public void In_train_mode_the_convolution_biases_get_exactly_zero_gradients(RandomModule sample)
        {
            var x = sample.CreateInput();
            var g = BackwardPass.GradOutput(x.Length, sample.Seed + 3);
            foreach (var path in ModulePaths.Forced)
            {
                var context = $"{kernel}, {path}. [{sample}]";
                var single = BackwardPass.Run(new GamModule(sample.CreateWeights(), sample.Options(kernel, path)), x, g, sample.Shape, GamMode.Train);
                var wide = BackwardPass.Run(new GamModule(sample.CreateWeights(), sample.Options(kernel, path)), Accuracy.Widen(x), Accuracy.Widen(g), sample.Shape, GamMode.Train);
                foreach (var (gradients, type) in new[] { (single.Gradients, "float"), (wide.Gradients, "double") })
                {
                    Bits.AssertIdentical(new double[sample.Hidden], gradients.ConvBias1.Values, $"{type} {gradients.ConvBias1.Name}, {context}");
                    Bits.AssertIdentical(new double[sample.Out], gradients.ConvBias2.Values, $"{type} {gradients.ConvBias2.Name}, {context}");
                }
            }
        }

        /// <summary>
        /// In eval mode each sample's gradient is its own: backward passes over the two halves of a batch, added into one
        /// <see cref="GamGradients"/>, give the whole batch's parameter gradients (double, to 1e-12 of the largest magnitude of
        /// the halves' and the whole's), and each half's ∂L/∂x is that half of the whole's. Each call adds its own gradient to
        /// what the gradients hold, so the accumulated ones are, bit for bit, the sums of each half's alone.
        /// </summary>
        [Property(MaxTest = MaxTest, Arbitrary = [typeof(BatchArbitraries)], Skip = ModulePaths.NotAccelerated, SkipUnless = ModulePaths.IsAccelerated)]
        public void In_eval_mode_the_gradients_of_two_half_batches_add_up_to_the_whole_batchs(RandomModule sample)
        {
            var x = Accuracy.Widen(sample.CreateInput());
            var g = Accuracy.Widen(BackwardPass.GradOutput(x.Length, sample.Seed + 4));
            var first = sample.N / 2;
            var size = sample.SampleSize;
            int[][] halves = [[first, sample.C, sample.H, sample.W], [sample.N - first, sample.C, sample.H, sample.W]];
            var starts = new[] { 0, first * size };
            foreach (var path in ModulePaths.Forced)
            {
                var context = $"{kernel}, {path}. [{sample}]";
                var module = new GamModule(sample.CreateWeights(), sample.Options(kernel, path));
                var whole = BackwardPass.Run(module, x, g, sample.Shape, GamMode.Eval);

                var accumulated = new GamGradients(module.Weights);
                var parts = new GamGradients[2];
                for (var half = 0; half < 2; half++)
                {
                    var length = halves[half][0] * size;
                    var xHalf = x.AsSpan(starts[half], length).ToArray();
                    var gHalf = g.AsSpan(starts[half], length).ToArray();
                    var part = BackwardPass.Run(module, xHalf, gHalf, halves[half], GamMode.Eval);
                    parts[half] = part.Gradients;
                    _ = BackwardPass.AssertClose(whole.GradInput.AsSpan(starts[half], length), part.GradInput, DoubleBound, $"∂x of half {half}, {context}");

                    var dx = new double[length];
                    module.Backward(xHalf, gHalf, dx, halves[half], GamMode.Eval, part.Activations, accumulated);
                    Bits.AssertIdentical(part.GradInput, dx, $"∂x of half {half} again, {context}");
                }

                for (var i = 0; i < accumulated.Parameters.Count; i++)
                {
                    var name = accumulated.Parameters[i].Name;
                    var sum = BackwardPass.Combine(1, parts[0].Parameters[i].Values, 1, parts[1].Parameters[i].Values);
                    Bits.AssertIdentical(sum, accumulated.Parameters[i].Values, $"{name} accumulated over the halves, {context}");
                    _ = BackwardPass.AssertClose(
                        whole.Gradients.Parameters[i].Values, accumulated.Parameters[i].Values, DoubleBound, $"{name}, {context}", parts[0].Parameters[i].Values.ToArray(), parts[1].Parameters[i].Values.ToArray());
                }
            }
        }

        /// <summary>
        /// The gradients accumulate: a second backward call with the same arguments into the same <see cref="GamGradients"/>
        /// gives exactly twice the first call's (g + g is exact; the parameter gradients are double for float passes too),
        /// and the same ∂L/∂x, in both modes, float and double.
        /// </summary>
        [Property(MaxTest = MaxTest, Arbitrary = [typeof(Arbitraries)], Skip = ModulePaths.NotAccelerated, SkipUnless = ModulePaths.IsAccelerated)]
        public void A_second_identical_backward_call_doubles_the_gradients(RandomModule sample)
        {
            var x = sample.CreateInput();
            var g = BackwardPass.GradOutput(x.Length, sample.Seed + 5);
            foreach (var path in ModulePaths.Forced)
            {
                foreach (var mode in Modes(sample))
                {
                    var context = $"{kernel}, {path}, {mode}. [{sample}]";
                    var module = new GamModule(sample.CreateWeights(), sample.Options(kernel, path));

                    var single = BackwardPass.Run(module, x, g, sample.Shape, mode);
                    var once = single.Gradients.Parameters.Select(p => BackwardPass.Scale(2, p.Values)).ToArray();
                    var dx = new float[x.Length];
                    module.Backward(x, g, dx, sample.Shape, mode, single.Activations, single.Gradients);
                    Bits.AssertIdentical(single.GradInput, dx, $"float ∂x of the second call, {context}");
                    AssertDoubled(once, single.Gradients, "float, " + context);

                    var x64 = Accuracy.Widen(x);
                    var g64 = Accuracy.Widen(g);
                    var wide = BackwardPass.Run(module, x64, g64, sample.Shape, mode);
                    var onceWide = wide.Gradients.Parameters.Select(p => BackwardPass.Scale(2, p.Values)).ToArray();
                    var dx64 = new double[x.Length];
                    module.Backward(x64, g64, dx64, sample.Shape, mode, wide.Activations, wide.Gradients);
                    Bits.AssertIdentical(wide.GradInput, dx64, $"double ∂x of the second call, {context}");
                    AssertDoubled(onceWide, wide.Gradients, "double, " + context);
                }
            }
        }

        private static (double[] GradInput, double[][] Gradients) Backward(GamModule module, double[] x, double[] g, int[] shape, GamMode mode, GamActivations activations)
        {
            var gradients = new GamGradients(module.Weights);
            var dx = new double[x.Length];
            module.Backward(x, g, dx, shape, mode, activations, gradients);
            return (dx, gradients.Parameters.Select(p => p.Values.ToArray()).ToArray());
        }

        private static (double[] GradInput, double[][] Gradients) Backward(GamModule module, float[] x, float[] g, int[] shape, GamMode mode, GamActivations activations)
        {
            var gradients = new GamGradients(module.Weights);
            var dx = new float[x.Length];
            module.Backward(x, g, dx, shape, mode, activations, gradients);
            return (Accuracy.Widen(dx), gradients.Parameters.Select(p => p.Values.ToArray()).ToArray());
        }

        /// <summary>Asserts the backward pass of a·g1 + b·g2 is a·(that of g1) + b·(that of g2), relative to the largest gradient of the three passes.</summary>
        private static void AssertLinear(
            (double[] GradInput, double[][] Gradients) pass1, (double[] GradInput, double[][] Gradients) pass2, (double[] GradInput, double[][] Gradients) pass, double bound, string context)
        {
            double[][] all = [pass1.GradInput, pass2.GradInput, pass.GradInput, .. pass1.Gradients, .. pass2.Gradients, .. pass.Gradients];
            var scale = all.Max(values => Accuracy.MaxAbs(values)) * Math.Max(Math.Abs(A), Math.Abs(B));
            var scales = new[] { new[] { scale } };
            _ = BackwardPass.AssertClose(BackwardPass.Combine(A, pass1.GradInput, B, pass2.GradInput), pass.GradInput, bound, "∂x, " + context, scales);
            for (var i = 0; i < pass.Gradients.Length; i++)
            {
                _ = BackwardPass.AssertClose(
                    BackwardPass.Combine(A, pass1.Gradients[i], B, pass2.Gradients[i]), pass.Gradients[i], bound, $"{s_gradientNames[i]}, {context}", scales);
            }
        }

        /// <summary>
        /// Asserts the backward pass of b·g1 (b = −2) is b·(that of g1), bit for bit but for the sign of zero: a weight tap that
        /// meets no data (a 7×7 filter on a smaller map) sums nothing and is +0 whatever the sign of g.
        /// </summary>
        private static void AssertScaled((double[] GradInput, double[][] Gradients) pass1, (double[] GradInput, double[][] Gradients) scaled, string context)
        {
            Bits.AssertIdentical(Unsigned(BackwardPass.Scale(B, pass1.GradInput)), Unsigned(scaled.GradInput), $"∂x of {B}·g1, {context}");
            for (var i = 0; i < scaled.Gradients.Length; i++)
            {
                Bits.AssertIdentical(Unsigned(BackwardPass.Scale(B, pass1.Gradients[i])), Unsigned(scaled.Gradients[i]), $"{s_gradientNames[i]} of {B}·g1, {context}");
            }
        }

        /// <summary>The values with −0 made +0 (x + 0 changes nothing else).</summary>
        private static double[] Unsigned(double[] values) => [.. values.Select(v => v + 0.0)];

        private static void AssertDoubled(double[][] expected, GamGradients actual, string context)
        {
            for (var i = 0; i < expected.Length; i++)
            {
                Bits.AssertIdentical(expected[i], actual.Parameters[i].Values, $"{actual.Parameters[i].Name} after two calls, {context}");
            }
        }
    }

    public sealed class Scalar() : KernelWidth(SimAmKernel.Scalar)
    {
        public static bool IsAccelerated => SimAmKernels.IsSupported(SimAmKernel.Scalar);
    }

    public sealed class Vector128() : KernelWidth(SimAmKernel.Vector128)
    {
        public static bool IsAccelerated => SimAmKernels.IsSupported(SimAmKernel.Vector128);
    }

    public sealed class Vector256() : KernelWidth(SimAmKernel.Vector256)
    {
        public static bool IsAccelerated => SimAmKernels.IsSupported(SimAmKernel.Vector256);
    }

    public sealed class Vector512() : KernelWidth(SimAmKernel.Vector512)
    {
        public static bool IsAccelerated => SimAmKernels.IsSupported(SimAmKernel.Vector512);
    }

    /// <summary>A case of the thread-count property: a module and input, and the kernel width and convolution path it runs on.</summary>
    public sealed record ParallelCase(RandomModule Sample, SimAmKernel Kernel, ConvolutionPath Path)
    {
        public override string ToString() => $"{Kernel}, {Path}. [{Sample}]";
    }
}
