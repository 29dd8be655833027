using System;
using System.Linq;
using SimAM.Gam.Tests.Infrastructure;
using Xunit;

namespace SimAM.Gam.Tests.ModuleTests;

/// <summary>
/// Every bad argument of <see cref="GamModule"/>'s constructor, <c>Forward</c> (float and double, eval and train) and
/// <see cref="GamModule.WorkspaceBytes"/> gives its typed exception naming the argument and the problem, before anything
/// is written: the output keeps its sentinel values, the weights their values, version and counters, and the module
/// still computes the right result on the next call. Exact aliasing (in place) is allowed and gives the out-of-place bits.
/// </summary>
public class GamModuleValidationTests
{
    private const float Sentinel = -1234.5f;

    // C = 8, m = 2, out = 8, groups 2 (see Weights).
    private static readonly int[] s_shape = [2, 8, 3, 4];

    private static readonly int s_count = s_shape.Aggregate(1, (a, b) => a * b);

    /// <summary>The <c>Forward</c> overload a test calls.</summary>
    public enum Overload
    {
        FloatSpans,
        DoubleSpans,
    }

    [Fact]
    public void Null_weights_is_an_ArgumentNullException()
    {
        var exception = Assert.Throws<ArgumentNullException>(() => new GamModule(null!));
        Assert.Equal("weights", exception.ParamName);
    }

    [Theory]
    [InlineData(new[] { 2, 8, 12 })]
    [InlineData(new[] { 2, 8, 3, 4, 1 })]
    [InlineData(new int[0])]
    public void A_shape_of_rank_other_than_4_is_an_ArgumentException(int[] shape) =>
        AssertRejected<ArgumentException>("shape", "rank 4", call => call.Forward(shape));

    [Theory]
    [InlineData(0, 8, 3, 4)]
    [InlineData(-2, 8, 3, 4)]
    [InlineData(2, 0, 3, 4)]
    [InlineData(2, 8, 0, 4)]
    [InlineData(2, 8, -3, 4)]
    [InlineData(2, 8, 3, 0)]
    [InlineData(2, 8, 3, int.MinValue)]
    public void A_dimension_below_1_is_an_ArgumentOutOfRangeException(int n, int c, int h, int w) =>
        AssertRejected<ArgumentOutOfRangeException>("shape", "every dimension", call => call.Forward([n, c, h, w]));

    [Fact]
    public void Channels_other_than_the_weights_are_an_ArgumentException() =>
        AssertRejected<ArgumentException>("shape", "C = 4", call => call.Forward([2, 4, 6, 4]));

    [Fact]
    public void More_elements_than_a_span_holds_is_an_ArgumentException() =>
        AssertRejected<ArgumentException>("shape", "more elements", call => call.Forward([65536, 8, 65536, 1]));

    /// <summary>
    /// N·C·H·W = 2^29·8·2^17·2^15 = 2^64: a product taken in 64 bits wraps to 0, which empty spans would match.
    /// </summary>
    [Fact]
    public void An_element_count_that_overflows_64_bits_is_an_ArgumentException()
    {
        int[] shape = [1 << 29, 8, 1 << 17, 1 << 15];
        AssertRejected<ArgumentException>("shape", "more elements", call => call.Forward(shape, inputLength: 0, outputLength: 0));
        Assert.Equal("shape", Assert.Throws<ArgumentException>(() => new GamModule(Weights()).WorkspaceBytes(shape)).ParamName);
    }

    [Fact]
    public void An_input_of_the_wrong_length_is_an_ArgumentException()
    {
        AssertRejected<ArgumentException>("input", "192", call => call.Forward(s_shape, inputLength: s_count - 1));
        AssertRejected<ArgumentException>("input", "192", call => call.Forward(s_shape, inputLength: s_count + 1));
    }

    [Fact]
    public void An_output_of_the_wrong_length_is_an_ArgumentException()
    {
        AssertRejected<ArgumentException>("output", "192", call => call.Forward(s_shape, outputLength: s_count - 1));
        AssertRejected<ArgumentException>("output", "192", call => call.Forward(s_shape, outputLength: s_count + 1));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(191)]
    public void Partially_overlapping_input_and_output_are_an_ArgumentException(int outputOffset) =>
        AssertRejected<ArgumentException>("output", "overlap", call => call.ForwardOverlapping(outputOffset));

    [Theory]
    [InlineData(2)]
    [InlineData(-1)]
    public void An_undefined_mode_is_an_ArgumentOutOfRangeException(int mode) =>
        AssertRejected<ArgumentOutOfRangeException>("mode", "Eval or Train", call => call.Forward(s_shape, (GamMode)mode));

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 1, 1, ConvolutionPath.Packed)]
    public void Train_mode_with_one_value_per_channel_is_an_ArgumentException(int n, int h, int w, ConvolutionPath path = ConvolutionPath.Direct)
    {
        int[] shape = [n, 8, h, w];
        AssertRejected<ArgumentException>("shape", "N·H·W", call => call.Forward(shape, GamMode.Train, inputLength: 8, outputLength: 8), path);

        // Eval mode needs no batch statistic: a single pixel is fine there.
        var module = new GamModule(Weights(), new GamOptions { PackedConvolution = path.PackedOption() });
        var y = Enumerable.Repeat(Sentinel, 8).ToArray();
        module.Forward(new float[8], y, shape, GamMode.Eval);
        Assert.All(y, v => Assert.Equal(0, v));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(16)]
    public void Shuffle_groups_that_do_not_divide_out_are_an_ArgumentException(int groups)
    {
        var weights = Weights();
        var version = weights.Version;
        var exception = Assert.Throws<ArgumentException>(() => new GamModule(weights, new GamOptions { ShuffleGroups = groups }));
        Assert.Equal("options", exception.ParamName);
        Assert.Contains("shuffle", exception.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("divide", exception.Message, StringComparison.Ordinal);
        Assert.Equal(version, weights.Version);

        // A spatial map of one channel takes only G = 1 (the identity).
        _ = new GamModule(GamWeights.Create(8, 2, 1), new GamOptions { ShuffleGroups = 1 });
        Assert.Throws<ArgumentException>(() => new GamModule(GamWeights.Create(8, 2, 1), new GamOptions { ShuffleGroups = 2 }));
    }

    [Fact]
    public void Bad_option_values_are_ArgumentOutOfRangeExceptions()
    {
        Assert.Equal("ShuffleGroups", Assert.Throws<ArgumentOutOfRangeException>(() => new GamOptions { ShuffleGroups = -1 }).ParamName);
        Assert.Equal("ChannelGate", Assert.Throws<ArgumentOutOfRangeException>(() => new GamOptions { ChannelGate = (GamChannelGate)2 }).ParamName);
        Assert.Equal("MaxDegreeOfParallelism", Assert.Throws<ArgumentOutOfRangeException>(() => new GamOptions { MaxDegreeOfParallelism = 0 }).ParamName);
        Assert.Equal("MaxDegreeOfParallelism", Assert.Throws<ArgumentOutOfRangeException>(() => new GamOptions { MaxDegreeOfParallelism = -2 }).ParamName);
    }

    /// <summary>
    /// A width this processor does not accelerate (none where every width runs, as on an AVX-512 machine; then an
    /// undefined value, which no processor runs) is a <see cref="NotSupportedException"/> naming it, from the constructor.
    /// </summary>
    [Fact]
    public void A_kernel_this_processor_does_not_run_is_a_NotSupportedException()
    {
        var unsupported = Enum.GetValues<SimAmKernel>().Where(k => !SimAmKernels.IsSupported(k)).Append((SimAmKernel)99);
        foreach (var kernel in unsupported)
        {
            var exception = Assert.Throws<NotSupportedException>(() => new GamModule(Weights(), new GamOptions { Kernel = kernel }));
            Assert.Contains(kernel.ToString(), exception.Message, StringComparison.Ordinal);
        }

        foreach (var kernel in SimAmKernels.Supported.Append(SimAmKernel.Auto))
        {
            Assert.Equal(kernel == SimAmKernel.Auto ? SimAmKernels.Best : kernel, new GamModule(Weights(), new GamOptions { Kernel = kernel }).Kernel);
        }
    }

    [Fact]
    public void WorkspaceBytes_rejects_the_shapes_Forward_rejects()
    {
        var module = new GamModule(Weights());
        Assert.Equal("shape", Assert.Throws<ArgumentException>(() => module.WorkspaceBytes([2, 8, 12])).ParamName);
        Assert.Equal("shape", Assert.Throws<ArgumentOutOfRangeException>(() => module.WorkspaceBytes([2, 8, 0, 4])).ParamName);
        Assert.Equal("shape", Assert.Throws<ArgumentException>(() => module.WorkspaceBytes([2, 4, 3, 4])).ParamName);
        Assert.Equal("shape", Assert.Throws<ArgumentException>(() => module.WorkspaceBytes([65536, 8, 65536, 1])).ParamName);
        Assert.Equal("shape", Assert.Throws<ArgumentException>(() => module.WorkspaceBytes([1, 8, 1, 1], GamMode.Train)).ParamName);
        Assert.Equal("mode", Assert.Throws<ArgumentOutOfRangeException>(() => module.WorkspaceBytes(s_shape, (GamMode)2)).ParamName);
    }

    public static TheoryData<SimAmKernel, ConvolutionPath> KernelsAndPaths => ModulePaths.KernelsAndPaths;

    /// <summary>In place (output = input, both modes, one and two threads) gives the out-of-place bits and running statistics.</summary>
    [Theory]
    [MemberData(nameof(KernelsAndPaths))]
    public void Exact_aliasing_gives_the_out_of_place_bits(SimAmKernel kernel, ConvolutionPath path)
    {
        // Serial, and large enough for two threads (whole samples per worker in eval).
        foreach (var (sample, threads) in new[]
        {
            (new RandomModule(2, 8, 3, 4, 2, 8, 2, GamChannelGate.Sigmoid, 4, 11), 1),
            (new RandomModule(2, 16, 12, 12, 4, 16, 1, GamChannelGate.Identity, 2, 12), 2),
        })
        {
            foreach (var mode in new[] { GamMode.Eval, GamMode.Train })
            {
                var context = $"{kernel}, {path}, {threads} threads, {mode}, [{string.Join(", ", sample.Shape)}]";
                var x = sample.CreateInput();
                var expectedWeights = sample.CreateWeights();
                var expected = new float[x.Length];
                new GamModule(expectedWeights, sample.Options(kernel, path, threads)).Forward(x, expected, sample.Shape, mode);
                var weights = sample.CreateWeights();
                var inPlace = (float[])x.Clone();
                new GamModule(weights, sample.Options(kernel, path, threads)).Forward(inPlace, inPlace, sample.Shape, mode);
                Bits.AssertIdentical(expected, inPlace, "float in place, " + context);
                Bits.AssertIdentical(expectedWeights, weights, "float in place weights, " + context);

                var x64 = Accuracy.Widen(x);
                var expectedWeights64 = sample.CreateWeights();
                var expected64 = new double[x.Length];
                new GamModule(expectedWeights64, sample.Options(kernel, path, threads)).Forward(x64, expected64, sample.Shape, mode);
                var weights64 = sample.CreateWeights();
                new GamModule(weights64, sample.Options(kernel, path, threads)).Forward(x64, x64, sample.Shape, mode);
                Bits.AssertIdentical(expected64, x64, "double in place, " + context);
                Bits.AssertIdentical(expectedWeights64, weights64, "double in place weights, " + context);
            }
        }
    }

    /// <summary>
    /// Runs a call through both <c>Forward</c> overloads in both modes (unless the call names one), on a module whose
    /// weights and output are checked afterwards: the exception, its parameter and message, nothing written, and a
    /// valid call on the same module still giving a fresh module's bits.
    /// </summary>
    private static void AssertRejected<TException>(string parameterName, string messagePart, Action<Call> call, ConvolutionPath path = ConvolutionPath.Direct)
        where TException : Exception
    {
        foreach (var overload in Enum.GetValues<Overload>())
        {
            foreach (var mode in new[] { GamMode.Eval, GamMode.Train })
            {
                var weights = Weights();
                var untouched = Weights();
                var version = weights.Version;
                var module = new GamModule(weights, new GamOptions { PackedConvolution = path.PackedOption() });
                var target = new Call(module, overload, mode);

                var exception = Assert.Throws<TException>(() => call(target));

                var context = $"{overload}, {mode}";
                Assert.Equal(parameterName, (exception as ArgumentException)?.ParamName);
                Assert.Contains(messagePart, exception.Message, StringComparison.Ordinal);
                target.AssertNothingWritten(context);
                Assert.Equal(version, weights.Version);
                Bits.AssertIdentical(untouched, weights, context + ": the rejected call changed the weights");

                // The module is still whole: a valid call gives a fresh module's bits.
                var expected = new float[s_count];
                new GamModule(Weights(), new GamOptions { PackedConvolution = path.PackedOption() }).Forward(target.Input, expected, s_shape, GamMode.Eval);
                var y = new float[s_count];
                module.Forward(target.Input, y, s_shape, GamMode.Eval);
                Bits.AssertIdentical(expected, y, context + ": a valid call after the rejected one");
            }
        }
    }

    /// <summary>C = 8, m = 2, out = 8, groups 2, random float values (PyTorch's initialisation, random BatchNorms).</summary>
    private static GamWeights Weights() => new RandomModule(2, 8, 3, 4, 2, 8, 2, GamChannelGate.Identity, 0, 7).CreateWeights();

    /// <summary>One call's buffers: input and output one element longer than <see cref="s_shape"/> needs, the output all sentinels.</summary>
    private sealed class Call(GamModule module, Overload overload, GamMode mode)
    {
        private readonly float[] _x = Enumerable.Range(0, s_count + 1).Select(i => MathF.Sin(i)).ToArray();
        private readonly float[] _y = Enumerable.Repeat(Sentinel, s_count + 1).ToArray();
        private readonly double[] _x64 = Enumerable.Range(0, s_count + 1).Select(i => (double)MathF.Sin(i)).ToArray();
        private readonly double[] _y64 = Enumerable.Repeat((double)Sentinel, s_count + 1).ToArray();
        private float[]? _shared;
        private double[]? _shared64;

        public float[] Input => _x[..s_count];

        public void Forward(int[] shape, GamMode? modeOverride = null, int inputLength = -1, int outputLength = -1)
        {
            var input = inputLength < 0 ? s_count : inputLength;
            var output = outputLength < 0 ? s_count : outputLength;
            if (overload == Overload.FloatSpans)
            {
                module.Forward(_x.AsSpan(0, input), _y.AsSpan(0, output), shape, modeOverride ?? mode);
            }
            else
            {
                module.Forward(_x64.AsSpan(0, input), _y64.AsSpan(0, output), shape, modeOverride ?? mode);
            }
        }

        /// <summary>Input and output in one buffer, the output <paramref name="offset"/> elements after the input.</summary>
        public void ForwardOverlapping(int offset)
        {
            var start = Math.Max(0, -offset);
            if (overload == Overload.FloatSpans)
            {
                _shared = Enumerable.Range(0, s_count + Math.Abs(offset)).Select(i => MathF.Sin(i)).ToArray();
                var shared = _shared;
                module.Forward(shared.AsSpan(start, s_count), shared.AsSpan(start + offset, s_count), s_shape, mode);
            }
            else
            {
                _shared64 = Enumerable.Range(0, s_count + Math.Abs(offset)).Select(i => (double)MathF.Sin(i)).ToArray();
                var shared = _shared64;
                module.Forward(shared.AsSpan(start, s_count), shared.AsSpan(start + offset, s_count), s_shape, mode);
            }
        }

        public void AssertNothingWritten(string context)
        {
            Bits.AssertIdentical(Enumerable.Repeat(Sentinel, _y.Length).ToArray(), _y, context + ": float output written");
            Bits.AssertIdentical(Enumerable.Repeat((double)Sentinel, _y64.Length).ToArray(), _y64, context + ": double output written");
            if (_shared is not null)
            {
                Bits.AssertIdentical(Enumerable.Range(0, _shared.Length).Select(i => MathF.Sin(i)).ToArray(), _shared, context + ": shared float buffer written");
            }

            if (_shared64 is not null)
            {
                Bits.AssertIdentical(Enumerable.Range(0, _shared64.Length).Select(i => (double)MathF.Sin(i)).ToArray(), _shared64, context + ": shared double buffer written");
            }
        }
    }
}
