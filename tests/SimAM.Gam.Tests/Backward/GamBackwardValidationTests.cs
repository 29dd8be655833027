using System;
using System.Linq;
using SimAM.Gam.Tests.Infrastructure;
using Xunit;

namespace SimAM.Gam.Tests.Backward;

/// <summary>
/// Every bad argument of <c>GamModule.Backward</c> (float and double) gives its typed exception naming the argument and the
/// problem, and activations that do not hold this call's forward pass (none yet, another shape, mode, element type or module,
/// or parameters changed since) an <see cref="InvalidOperationException"/> saying which. A rejected call writes nothing: ∂x
/// keeps its sentinels and the gradients their values, and the module still computes the right gradients afterwards. Exact
/// aliasing of ∂x with ∂y or with x is allowed and gives the bits of separate buffers.
/// </summary>
public class GamBackwardValidationTests
{
    private const float Sentinel = -1234.5f;

    // C = 8, m = 2, out = 8, groups 2 (see Sample).
    private static readonly int[] s_shape = [2, 8, 3, 4];

    private static readonly int s_count = s_shape.Aggregate(1, (a, b) => a * b);

    /// <summary>The overload of a forward or backward call: float or double spans.</summary>
    public enum Overload
    {
        FloatSpans,
        DoubleSpans,
    }

    /// <summary>Which buffer a test shortens, lengthens or overlaps with ∂x.</summary>
    public enum Buffer
    {
        Input,
        GradOutput,
        GradInput,
    }

    public static TheoryData<Overload> Overloads => [Overload.FloatSpans, Overload.DoubleSpans];

    [Theory]
    [MemberData(nameof(Overloads))]
    public void Activations_that_hold_no_forward_pass_are_an_InvalidOperationException(Overload overload)
    {
        var setup = new Setup(overload);
        var fresh = new GamActivations();
        Assert.True(fresh.IsEmpty);
        AssertRejected<InvalidOperationException>(setup, null, "hold no forward pass", () => setup.Backward(activations: fresh));
    }

    [Theory]
    [InlineData(Overload.FloatSpans, 2, 4, 3)]
    [InlineData(Overload.DoubleSpans, 2, 4, 3)]
    [InlineData(Overload.FloatSpans, 1, 6, 4)]
    [InlineData(Overload.DoubleSpans, 4, 3, 2)]
    public void Activations_of_another_shape_are_an_InvalidOperationException(Overload overload, int n, int h, int w)
    {
        // The same element count: only the activations can tell.
        var setup = new Setup(overload);
        AssertRejected<InvalidOperationException>(setup, null, "forward pass of shape [2, 8, 3, 4]", () => setup.Backward(shape: [n, 8, h, w]));
    }

    [Theory]
    [InlineData(Overload.FloatSpans, GamMode.Eval)]
    [InlineData(Overload.DoubleSpans, GamMode.Eval)]
    [InlineData(Overload.FloatSpans, GamMode.Train)]
    [InlineData(Overload.DoubleSpans, GamMode.Train)]
    public void Activations_of_another_mode_are_an_InvalidOperationException(Overload overload, GamMode forwardMode)
    {
        var setup = new Setup(overload, forwardMode);
        var other = forwardMode == GamMode.Eval ? GamMode.Train : GamMode.Eval;
        AssertRejected<InvalidOperationException>(setup, null, $"kept by a {forwardMode} forward pass; this backward call asks for {other}", () => setup.Backward(mode: other));
    }

    [Theory]
    [InlineData(Overload.FloatSpans, "Double")]
    [InlineData(Overload.DoubleSpans, "Single")]
    public void Activations_of_another_element_type_are_an_InvalidOperationException(Overload forward, string backwardType)
    {
        var setup = new Setup(forward);
        var backward = forward == Overload.FloatSpans ? Overload.DoubleSpans : Overload.FloatSpans;
        AssertRejected<InvalidOperationException>(setup, null, $"another element type than {backwardType}", () => setup.Backward(overload: backward));
    }

    /// <summary>A module over the very same weights and options is still another module: its plan and pool are its own.</summary>
    [Theory]
    [MemberData(nameof(Overloads))]
    public void Activations_of_another_module_are_an_InvalidOperationException(Overload overload)
    {
        var setup = new Setup(overload);
        var other = new GamModule(setup.Module.Weights, setup.Module.Options);
        AssertRejected<InvalidOperationException>(setup, null, "another GamModule", () => setup.Backward(module: other));
    }

    /// <summary>
    /// Any write to a learnable parameter after the forward pass (even of the values it held, or an SGD step of rate 0)
    /// makes its activations stale; a new forward pass makes them current again.
    /// </summary>
    [Theory]
    [InlineData(Overload.FloatSpans, "CopyFrom double")]
    [InlineData(Overload.DoubleSpans, "CopyFrom double")]
    [InlineData(Overload.FloatSpans, "CopyFrom float")]
    [InlineData(Overload.DoubleSpans, "ApplySgd")]
    public void Parameters_changed_after_the_forward_pass_are_an_InvalidOperationException(Overload overload, string change)
    {
        var setup = new Setup(overload);
        var weights = setup.Module.Weights;
        switch (change)
        {
            case "CopyFrom double":
                weights.ConvWeight1.CopyFrom(weights.ConvWeight1.Values.ToArray());
                break;
            case "CopyFrom float":
                weights.NormWeight2.CopyFrom(weights.NormWeight2.Values.ToArray().Select(v => (float)v).ToArray());
                break;
            default:
                new GamGradients(weights).ApplySgd(weights, 0);
                break;
        }

        AssertRejected<InvalidOperationException>(setup, null, "parameters changed after the forward pass", () => setup.Backward());

        setup.Forward(GamMode.Eval);
        setup.Backward();
        setup.AssertGradInput(Setup.Expected(weights.Clone(), overload, GamMode.Eval).GradInput, "after a new forward pass");
    }

    /// <summary>
    /// A train-mode call between the forward and the backward pass moves the running statistics, not the parameters: the
    /// activations stay valid, and the eval-mode backward pass uses the statistics its forward pass used (the same bits as
    /// without that call).
    /// </summary>
    [Theory]
    [MemberData(nameof(Overloads))]
    public void Running_statistics_changed_after_the_forward_pass_leave_the_activations_valid(Overload overload)
    {
        var setup = new Setup(overload);
        var version = setup.Module.Weights.Version;
        var x = Setup.Input()[..s_count];
        var expected = Setup.Expected(setup.Module.Weights.Clone(), overload, GamMode.Eval);
        setup.Module.Forward(x, new float[s_count], s_shape, GamMode.Train);
        setup.Module.Forward(Accuracy.Widen(x), new double[s_count], s_shape, GamMode.Train);
        Assert.NotEqual(version, setup.Module.Weights.Version);

        var gradients = new GamGradients(setup.Module.Weights);
        setup.Backward(gradients: gradients);
        setup.AssertGradInput(expected.GradInput, "after train-mode calls");
        BackwardPass.AssertIdentical(expected.Gradients, gradients, $"{overload}, after train-mode calls");
    }

    [Theory]
    [MemberData(nameof(Overloads))]
    public void Null_activations_or_gradients_are_an_ArgumentNullException(Overload overload)
    {
        var setup = new Setup(overload);
        AssertRejected<ArgumentNullException>(setup, "activations", "activations", () => setup.Backward(nullActivations: true));
        AssertRejected<ArgumentNullException>(setup, "gradients", "gradients", () => setup.Backward(nullGradients: true));
    }

    [Theory]
    [InlineData(16, 2, 16, 2)]
    [InlineData(8, 4, 8, 2)]
    [InlineData(8, 2, 1, 1)]
    [InlineData(8, 2, 8, 1)]
    public void Gradients_of_other_sizes_are_an_ArgumentException(int channels, int hidden, int outChannels, int groups)
    {
        foreach (var overload in Enum.GetValues<Overload>())
        {
            var setup = new Setup(overload);
            var other = new GamGradients(GamWeights.Create(channels, hidden, outChannels, groups));
            AssertRejected<ArgumentException>(
                setup, "gradients", $"the gradients are for C={channels}, m={hidden}, out={outChannels}, groups={groups}", () => setup.Backward(gradients: other));
            Assert.All(other.Parameters, p => Assert.All(p.Values.ToArray(), v => Assert.Equal(0, v)));
        }
    }

    [Theory]
    [InlineData(Buffer.Input, -1)]
    [InlineData(Buffer.Input, 1)]
    [InlineData(Buffer.GradOutput, -1)]
    [InlineData(Buffer.GradOutput, 1)]
    [InlineData(Buffer.GradInput, -1)]
    [InlineData(Buffer.GradInput, 1)]
    public void A_buffer_of_the_wrong_length_is_an_ArgumentException(Buffer buffer, int change)
    {
        var name = buffer switch
        {
            Buffer.Input => "input",
            Buffer.GradOutput => "gradOutput",
            _ => "gradInput",
        };
        foreach (var overload in Enum.GetValues<Overload>())
        {
            var setup = new Setup(overload);
            AssertRejected<ArgumentException>(setup, name, $"{name} has {s_count + change} elements", () => setup.Backward(lengthChange: (buffer, change)));
        }
    }

    [Theory]
    [MemberData(nameof(Overloads))]
    public void A_bad_shape_or_mode_is_rejected_as_Forward_rejects_it(Overload overload)
    {
        var setup = new Setup(overload);
        AssertRejected<ArgumentException>(setup, "shape", "rank 4", () => setup.Backward(shape: [2, 8, 12]));
        AssertRejected<ArgumentException>(setup, "shape", "C = 4", () => setup.Backward(shape: [2, 4, 6, 4]));
        AssertRejected<ArgumentOutOfRangeException>(setup, "shape", "every dimension", () => setup.Backward(shape: [2, 8, 0, 4]));
        AssertRejected<ArgumentOutOfRangeException>(setup, "mode", "Eval or Train", () => setup.Backward(mode: (GamMode)2));
    }

    /// <summary>Argument errors come before the activations' state: a wrong length with empty activations is an ArgumentException.</summary>
    [Theory]
    [MemberData(nameof(Overloads))]
    public void Argument_errors_are_reported_before_the_activations_state(Overload overload)
    {
        var setup = new Setup(overload);
        AssertRejected<ArgumentException>(setup, "input", "input has 191 elements", () => setup.Backward(activations: new GamActivations(), lengthChange: (Buffer.Input, -1)));
    }

    [Theory]
    [InlineData(Buffer.Input, 1)]
    [InlineData(Buffer.Input, -1)]
    [InlineData(Buffer.Input, 191)]
    [InlineData(Buffer.GradOutput, 1)]
    [InlineData(Buffer.GradOutput, -1)]
    [InlineData(Buffer.GradOutput, -191)]
    public void GradInput_partially_overlapping_input_or_gradOutput_is_an_ArgumentException(Buffer shared, int offset)
    {
        foreach (var overload in Enum.GetValues<Overload>())
        {
            var setup = new Setup(overload);
            AssertRejected<ArgumentException>(setup, "gradInput", "partially overlap", () => setup.BackwardOverlapping(shared, offset));
            setup.AssertSharedUnchanged();
        }
    }

    public static TheoryData<SimAmKernel, ConvolutionPath> KernelsAndPaths => ModulePaths.KernelsAndPaths;

    /// <summary>
    /// ∂x written over ∂y or over x (both modes, float and double, one and two threads) gives the bits of separate
    /// buffers, ∂x and every parameter gradient.
    /// </summary>
    [Theory]
    [MemberData(nameof(KernelsAndPaths))]
    public void Exact_aliasing_of_gradInput_with_gradOutput_or_input_gives_the_separate_buffers_bits(SimAmKernel kernel, ConvolutionPath path)
    {
        // Serial, and large enough for two threads.
        foreach (var (sample, threads) in new[]
        {
            (new RandomModule(2, 8, 3, 4, 2, 8, 2, GamChannelGate.Sigmoid, 4, 11), 1),
            (new RandomModule(2, 8, 20, 20, 4, 8, 2, GamChannelGate.Identity, 2, 12), 2),
        })
        {
            Assert.True(threads == 1 || sample.Work >= 1_000_000, "the second module must be large enough for threads");
            foreach (var mode in new[] { GamMode.Eval, GamMode.Train })
            {
                var context = $"{kernel}, {path}, {threads} threads, {mode}, [{string.Join(", ", sample.Shape)}]";
                var module = new GamModule(sample.CreateWeights(), sample.Options(kernel, path, threads));
                var x = sample.CreateInput();
                var g = BackwardPass.GradOutput(x.Length, 5);
                var expected = BackwardPass.Run(module, x, g, sample.Shape, mode);

                var overGradOutput = (float[])g.Clone();
                var gradients = new GamGradients(module.Weights);
                module.Backward(x, overGradOutput, overGradOutput, sample.Shape, mode, expected.Activations, gradients);
                Bits.AssertIdentical(expected.GradInput, overGradOutput, "float ∂x over ∂y, " + context);
                BackwardPass.AssertIdentical(expected.Gradients, gradients, "float ∂x over ∂y, " + context);

                var overInput = (float[])x.Clone();
                gradients = new GamGradients(module.Weights);
                module.Backward(overInput, g, overInput, sample.Shape, mode, expected.Activations, gradients);
                Bits.AssertIdentical(expected.GradInput, overInput, "float ∂x over x, " + context);
                BackwardPass.AssertIdentical(expected.Gradients, gradients, "float ∂x over x, " + context);

                var x64 = Accuracy.Widen(x);
                var g64 = Accuracy.Widen(g);
                var expected64 = BackwardPass.Run(module, x64, g64, sample.Shape, mode);

                var overGradOutput64 = (double[])g64.Clone();
                gradients = new GamGradients(module.Weights);
                module.Backward(x64, overGradOutput64, overGradOutput64, sample.Shape, mode, expected64.Activations, gradients);
                Bits.AssertIdentical(expected64.GradInput, overGradOutput64, "double ∂x over ∂y, " + context);
                BackwardPass.AssertIdentical(expected64.Gradients, gradients, "double ∂x over ∂y, " + context);

                var overInput64 = (double[])x64.Clone();
                gradients = new GamGradients(module.Weights);
                module.Backward(overInput64, g64, overInput64, sample.Shape, mode, expected64.Activations, gradients);
                Bits.AssertIdentical(expected64.GradInput, overInput64, "double ∂x over x, " + context);
                BackwardPass.AssertIdentical(expected64.Gradients, gradients, "double ∂x over x, " + context);
            }
        }
    }

    /// <summary>
    /// Asserts the exception, its parameter and message; that ∂x keeps its sentinels and the gradients the values of the
    /// setup's one valid pass; and that the module still gives a fresh module's gradients for a new forward and backward pass.
    /// </summary>
    private static void AssertRejected<TException>(Setup setup, string? parameterName, string messagePart, Action call)
        where TException : Exception
    {
        var exception = Assert.Throws<TException>(call);
        var context = $"{setup.Overload}, {typeof(TException).Name} '{exception.Message}'";
        Assert.Equal(parameterName, (exception as ArgumentException)?.ParamName);
        Assert.Contains(messagePart, exception.Message, StringComparison.Ordinal);
        setup.AssertNothingWritten(context);
        setup.AssertStillWhole(context);
    }

    private static RandomModule Sample => new(2, 8, 3, 4, 2, 8, 2, GamChannelGate.Identity, 0, 7);

    /// <summary>
    /// A module, one forward pass of <see cref="s_shape"/> kept in <see cref="Activations"/>, gradients that already hold one
    /// valid backward pass of it, and ∂x buffers (one element longer than the shape needs) of sentinels.
    /// </summary>
    private sealed class Setup
    {
        private readonly float[] _x = Input();
        private readonly float[] _g = BackwardPass.GradOutput(s_count + 1, 3);
        private readonly float[] _dx = Enumerable.Repeat(Sentinel, s_count + 1).ToArray();
        private readonly double[] _dx64 = Enumerable.Repeat((double)Sentinel, s_count + 1).ToArray();
        private readonly double[][] _gradientValues;
        private float[]? _shared;
        private double[]? _shared64;

        public Setup(Overload overload, GamMode mode = GamMode.Eval)
        {
            Overload = overload;
            Module = new GamModule(Sample.CreateWeights(), Sample.Options(SimAmKernel.Auto, ConvolutionPath.Direct));
            Gradients = new GamGradients(Module.Weights);
            Forward(mode);
            if (Overload == Overload.FloatSpans)
            {
                Module.Backward(_x.AsSpan(0, s_count), _g.AsSpan(0, s_count), new float[s_count], s_shape, mode, Activations, Gradients);
            }
            else
            {
                Module.Backward(Accuracy.Widen(_x.AsSpan(0, s_count)), Accuracy.Widen(_g.AsSpan(0, s_count)), new double[s_count], s_shape, mode, Activations, Gradients);
            }

            _gradientValues = [.. Gradients.Parameters.Select(p => p.Values.ToArray())];
        }

        public Overload Overload { get; }

        public GamModule Module { get; }

        public GamActivations Activations { get; } = new();

        public GamGradients Gradients { get; }

        /// <summary>The input: float values from sin(i), one more than the shape needs.</summary>
        public static float[] Input() => Enumerable.Range(0, s_count + 1).Select(i => MathF.Sin(i)).ToArray();

        /// <summary>A fresh module's ∂x (widened) and gradients for the setup's input and ∂y, on <paramref name="weights"/>.</summary>
        public static (double[] GradInput, GamGradients Gradients) Expected(GamWeights weights, Overload overload, GamMode mode)
        {
            var module = new GamModule(weights, Sample.Options(SimAmKernel.Auto, ConvolutionPath.Direct));
            var x = Input()[..s_count];
            var g = BackwardPass.GradOutput(s_count + 1, 3)[..s_count];
            if (overload == Overload.FloatSpans)
            {
                var result = BackwardPass.Run(module, x, g, s_shape, mode);
                return (Accuracy.Widen(result.GradInput), result.Gradients);
            }

            var wide = BackwardPass.Run(module, Accuracy.Widen(x), Accuracy.Widen(g), s_shape, mode);
            return (wide.GradInput, wide.Gradients);
        }

        /// <summary>Runs a forward pass of <see cref="s_shape"/> in the setup's overload, keeping it in <see cref="Activations"/>.</summary>
        public void Forward(GamMode mode)
        {
            if (Overload == Overload.FloatSpans)
            {
                Module.Forward(_x.AsSpan(0, s_count), new float[s_count], s_shape, mode, Activations);
            }
            else
            {
                Module.Forward(Accuracy.Widen(_x.AsSpan(0, s_count)), new double[s_count], s_shape, mode, Activations);
            }
        }

        /// <summary>A backward call into the sentinel ∂x buffers, by default the setup's valid one (eval mode, its own activations and gradients).</summary>
        public void Backward(
            int[]? shape = null,
            GamMode mode = GamMode.Eval,
            GamActivations? activations = null,
            GamGradients? gradients = null,
            GamModule? module = null,
            Overload? overload = null,
            bool nullActivations = false,
            bool nullGradients = false,
            (Buffer Buffer, int Change) lengthChange = default)
        {
            int Length(Buffer buffer) => s_count + (lengthChange.Change != 0 && lengthChange.Buffer == buffer ? lengthChange.Change : 0);
            var kept = nullActivations ? null! : activations ?? Activations;
            var target = nullGradients ? null! : gradients ?? Gradients;
            if ((overload ?? Overload) == Overload.FloatSpans)
            {
                (module ?? Module).Backward(
                    _x.AsSpan(0, Length(Buffer.Input)), _g.AsSpan(0, Length(Buffer.GradOutput)), _dx.AsSpan(0, Length(Buffer.GradInput)), shape ?? s_shape, mode, kept, target);
            }
            else
            {
                var x = Accuracy.Widen(_x);
                var g = Accuracy.Widen(_g);
                (module ?? Module).Backward(
                    x.AsSpan(0, Length(Buffer.Input)), g.AsSpan(0, Length(Buffer.GradOutput)), _dx64.AsSpan(0, Length(Buffer.GradInput)), shape ?? s_shape, mode, kept, target);
            }
        }

        /// <summary>∂x and <paramref name="shared"/> in one buffer, ∂x <paramref name="offset"/> elements after it.</summary>
        public void BackwardOverlapping(Buffer shared, int offset)
        {
            var start = Math.Max(0, -offset);
            var length = s_count + Math.Abs(offset);
            if (Overload == Overload.FloatSpans)
            {
                _shared = Enumerable.Range(0, length).Select(i => MathF.Cos(i)).ToArray();
                var buffer = _shared;
                Module.Backward(
                    shared == Buffer.Input ? buffer.AsSpan(start, s_count) : _x.AsSpan(0, s_count),
                    shared == Buffer.GradOutput ? buffer.AsSpan(start, s_count) : _g.AsSpan(0, s_count),
                    buffer.AsSpan(start + offset, s_count),
                    s_shape,
                    GamMode.Eval,
                    Activations,
                    Gradients);
            }
            else
            {
                _shared64 = Enumerable.Range(0, length).Select(i => (double)MathF.Cos(i)).ToArray();
                var buffer = _shared64;
                var x = Accuracy.Widen(_x.AsSpan(0, s_count));
                var g = Accuracy.Widen(_g.AsSpan(0, s_count));
                Module.Backward(
                    shared == Buffer.Input ? buffer.AsSpan(start, s_count) : x,
                    shared == Buffer.GradOutput ? buffer.AsSpan(start, s_count) : g,
                    buffer.AsSpan(start + offset, s_count),
                    s_shape,
                    GamMode.Eval,
                    Activations,
                    Gradients);
            }
        }

        public void AssertSharedUnchanged()
        {
            if (_shared is not null)
            {
                Bits.AssertIdentical(Enumerable.Range(0, _shared.Length).Select(i => MathF.Cos(i)).ToArray(), _shared, "the shared float buffer was written");
            }

            if (_shared64 is not null)
            {
                Bits.AssertIdentical(Enumerable.Range(0, _shared64.Length).Select(i => (double)MathF.Cos(i)).ToArray(), _shared64, "the shared double buffer was written");
            }
        }

        public void AssertNothingWritten(string context)
        {
            Bits.AssertIdentical(Enumerable.Repeat(Sentinel, _dx.Length).ToArray(), _dx, context + ": float ∂x written");
            Bits.AssertIdentical(Enumerable.Repeat((double)Sentinel, _dx64.Length).ToArray(), _dx64, context + ": double ∂x written");
            for (var i = 0; i < _gradientValues.Length; i++)
            {
                Bits.AssertIdentical(_gradientValues[i], Gradients.Parameters[i].Values, $"{context}: {Gradients.Parameters[i].Name} changed");
            }
        }

        /// <summary>Asserts the ∂x buffer of the setup's overload holds <paramref name="expected"/> (and its extra element the sentinel).</summary>
        public void AssertGradInput(double[] expected, string context)
        {
            var actual = Overload == Overload.FloatSpans ? Accuracy.Widen(_dx) : _dx64;
            Bits.AssertIdentical([.. expected, Sentinel], actual, $"{Overload} ∂x, {context}");
        }

        /// <summary>A new forward and backward pass on the module (new activations and gradients) gives the bits of a fresh module on a copy of its weights.</summary>
        public void AssertStillWhole(string context)
        {
            var (expectedGradInput, expectedGradients) = Expected(Module.Weights.Clone(), Overload, GamMode.Eval);
            var x = Input()[..s_count];
            var g = BackwardPass.GradOutput(s_count + 1, 3)[..s_count];
            if (Overload == Overload.FloatSpans)
            {
                var result = BackwardPass.Run(Module, x, g, s_shape, GamMode.Eval);
                Bits.AssertIdentical(expectedGradInput, Accuracy.Widen(result.GradInput), context + ": ∂x of a valid pass after the rejected call");
                BackwardPass.AssertIdentical(expectedGradients, result.Gradients, context + ": a valid pass after the rejected call");
            }
            else
            {
                var result = BackwardPass.Run(Module, Accuracy.Widen(x), Accuracy.Widen(g), s_shape, GamMode.Eval);
                Bits.AssertIdentical(expectedGradInput, result.GradInput, context + ": ∂x of a valid pass after the rejected call");
                BackwardPass.AssertIdentical(expectedGradients, result.Gradients, context + ": a valid pass after the rejected call");
            }
        }
    }
}
