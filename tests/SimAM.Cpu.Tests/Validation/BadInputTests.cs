using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using SimAM.Tests.Kernels;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Tests.Validation;

/// <summary>
/// Every bad argument gets its documented exception before anything is written, on all eight entry
/// points (forward and backward, float and double, with and without statistics); and a non-finite value
/// poisons its own plane only.
/// </summary>
public class BadInputTests
{
    private static readonly int[] s_shape = [2, 3, 5];

    private static readonly PlaneStatistics s_sentinelStatistics = new(-12345.678, -1);

    private delegate void Invoker<T>(Entry entry, ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, Span<T> output, Span<PlaneStatistics> statistics, int[] shape, double lambda, SimAmOptions? options);

    /// <summary>The public entry points; "Output" is y for the forward pass and ∂L/∂x for the backward pass.</summary>
    public enum Entry
    {
        ForwardFloat,
        ForwardFloatWithStatistics,
        ForwardDouble,
        ForwardDoubleWithStatistics,
        BackwardFloat,
        BackwardFloatWithStatistics,
        BackwardDouble,
        BackwardDoubleWithStatistics,
    }

    public static IEnumerable<object[]> Entries => Enum.GetValues<Entry>().Select(e => new object[] { e });

    public static IEnumerable<object[]> BackwardEntries => Enum.GetValues<Entry>().Where(IsBackward).Select(e => new object[] { e });

    public static IEnumerable<object[]> StatisticsEntries => Enum.GetValues<Entry>().Where(HasStatistics).Select(e => new object[] { e });

    [Theory]
    [MemberData(nameof(Entries))]
    public void A_shape_of_rank_below_3_is_rejected(Entry entry)
    {
        foreach (var shape in new[] { Array.Empty<int>(), [30], [5, 6] })
        {
            AssertRejected<ArgumentException>(entry, Call.Valid with { Shape = shape });
        }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void A_zero_or_negative_dimension_is_rejected(Entry entry)
    {
        foreach (var shape in new int[][] { [0, 3, 5], [2, -1, 5], [2, 3, 0], [2, 3, 5, -2], [2, 3, int.MinValue] })
        {
            AssertRejected<ArgumentOutOfRangeException>(entry, Call.Valid with { Shape = shape });
        }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void A_shape_with_more_elements_than_an_int_counts_is_rejected(Entry entry)
    {
        foreach (var shape in new int[][] { [65536, 65536, 2], [1, 1, 46341, 46341], [2, 3, 1 << 30], [int.MaxValue, int.MaxValue, int.MaxValue] })
        {
            AssertRejected<ArgumentException>(entry, Call.Valid with { Shape = shape });
        }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void A_spatial_size_of_1_is_rejected_with_a_message_about_S_minus_1(Entry entry)
    {
        foreach (var shape in new int[][] { [2, 3, 1], [2, 3, 1, 1], [6, 1, 1, 1, 1] })
        {
            var exception = AssertRejected<ArgumentException>(entry, Call.Valid.WithLength(6) with { Shape = shape, StatisticsLength = shape[0] * shape[1] });
            Assert.Contains("S - 1", exception.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Input_and_output_lengths_must_match_the_shape(Entry entry)
    {
        foreach (var delta in new[] { -1, 1, -30 })
        {
            AssertRejected<ArgumentException>(entry, Call.Valid with { Input = Call.Valid.Input with { Length = 30 + delta } });
            AssertRejected<ArgumentException>(entry, Call.Valid with { Output = Call.Valid.Output with { Length = 30 + delta } });
        }
    }

    [Theory]
    [MemberData(nameof(BackwardEntries))]
    public void The_gradient_length_must_match_the_shape(Entry entry)
    {
        foreach (var length in new[] { 29, 31, 0 })
        {
            AssertRejected<ArgumentException>(entry, Call.Valid with { GradOutput = Call.Valid.GradOutput with { Length = length } });
        }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Lambda_must_be_finite_and_positive(Entry entry)
    {
        foreach (var lambda in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, -1e-4, -1 })
        {
            AssertRejected<ArgumentOutOfRangeException>(entry, Call.Valid with { Lambda = lambda });
        }
    }

    [Theory]
    [MemberData(nameof(StatisticsEntries))]
    public void Statistics_must_hold_one_entry_per_plane(Entry entry)
    {
        foreach (var length in new[] { 0, 5, 7, 30 })
        {
            AssertRejected<ArgumentException>(entry, Call.Valid with { StatisticsLength = length });
        }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Output_partially_overlapping_input_is_rejected(Entry entry)
    {
        // The output starts inside the input, or the input starts inside the output, by one or by 29 values.
        foreach (var offset in new[] { 1, 29 })
        {
            AssertRejected<ArgumentException>(entry, Call.Valid with { Input = new(0, 0, 30), Output = new(0, offset, 30) });
            AssertRejected<ArgumentException>(entry, Call.Valid with { Input = new(0, offset, 30), Output = new(0, 0, 30) });
        }
    }

    [Theory]
    [MemberData(nameof(BackwardEntries))]
    public void Gradient_input_partially_overlapping_the_gradient_output_is_rejected(Entry entry)
    {
        foreach (var offset in new[] { 1, 29 })
        {
            AssertRejected<ArgumentException>(entry, Call.Valid with { GradOutput = new(1, 0, 30), Output = new(1, offset, 30) });
            AssertRejected<ArgumentException>(entry, Call.Valid with { GradOutput = new(1, offset, 30), Output = new(1, 0, 30) });
        }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Exact_aliasing_of_input_and_output_is_allowed(Entry entry)
    {
        AssertAccepted(entry, Call.Valid with { Output = Call.Valid.Input });
        if (IsBackward(entry))
        {
            AssertAccepted(entry, Call.Valid with { Output = Call.Valid.GradOutput });
        }
    }

    [Fact]
    public void Options_reject_a_degree_of_parallelism_of_0_or_below_minus_1()
    {
        foreach (var threads in new[] { 0, -2, int.MinValue })
        {
            var exception = Assert.Throws<ArgumentOutOfRangeException>(() => new SimAmOptions { MaxDegreeOfParallelism = threads });
            Assert.Equal(nameof(SimAmOptions.MaxDegreeOfParallelism), exception.ParamName);
        }

        Assert.Equal(-1, new SimAmOptions { MaxDegreeOfParallelism = -1 }.MaxDegreeOfParallelism);
        Assert.Equal(1, new SimAmOptions { MaxDegreeOfParallelism = 1 }.MaxDegreeOfParallelism);
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void A_kernel_this_processor_cannot_run_is_rejected(Entry entry)
    {
        // A value that names no path is never supported; the named paths are rejected only where the
        // processor does not accelerate them, and run everywhere else.
        AssertRejected<NotSupportedException>(entry, Call.Valid with { Options = new SimAmOptions { Kernel = (SimAmKernel)99 } });
        foreach (var kernel in new[] { SimAmKernel.Scalar, SimAmKernel.Vector128, SimAmKernel.Vector256, SimAmKernel.Vector512 })
        {
            var call = Call.Valid with { Options = new SimAmOptions { Kernel = kernel } };
            if (SimAmKernels.IsSupported(kernel))
            {
                AssertAccepted(entry, call);
            }
            else
            {
                AssertRejected<NotSupportedException>(entry, call);
            }
        }
    }

    [Fact]
    public void Plane_count_validates_the_shape_like_the_entry_points()
    {
        Assert.Equal(6, SimAm.PlaneCount([2, 3, 5]));
        Assert.Equal(6, SimAm.PlaneCount([2, 3, 1, 2]));
        Assert.Throws<ArgumentException>(() => SimAm.PlaneCount([2, 3]));
        Assert.Throws<ArgumentException>(() => SimAm.PlaneCount([2, 3, 1]));
        Assert.Throws<ArgumentException>(() => SimAm.PlaneCount([65536, 65536, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => SimAm.PlaneCount([2, 0, 5]));
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void A_non_finite_input_value_makes_its_plane_NaN_and_leaves_the_others_alone(SimAmKernel kernel)
    {
        // 37 values: vector bodies and overlapped tails at every width; 256×256 with two threads: the
        // planes are split into chunks across workers.
        foreach (var (shape, threads) in new[] { (new[] { 2, 3, 37 }, 1), (new[] { 1, 4, 3 }, 1), (new[] { 1, 3, 256, 256 }, 2) })
        {
            var count = shape.Aggregate(1, (a, b) => a * b);
            var size = count / (shape[0] * shape[1]);
            var options = KernelPaths.Options(kernel, threads);
            var x = TestData.Normal(count, seed: 31);
            var g = TestData.Normal(count, seed: 32);
            var (cleanY, cleanStatistics, cleanDx) = RunFloat(x, g, shape, options);

            foreach (var bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            {
                foreach (var at in new[] { size, size + (size / 2), (2 * size) - 1 })
                {
                    var context = $"{kernel}, shape [{string.Join(", ", shape)}], x[{at}] = {bad}";
                    var poisoned = (float[])x.Clone();
                    poisoned[at] = bad;
                    var (y, statistics, dx) = RunFloat(poisoned, g, shape, options);
                    Assert.False(statistics[1].IsFinite, context);
                    Assert.All(y.AsSpan(size, size).ToArray(), v => Assert.True(float.IsNaN(v), context + " forward"));
                    Assert.All(dx.AsSpan(size, size).ToArray(), v => Assert.True(float.IsNaN(v), context + " backward"));
                    AssertOtherPlanesIdentical<float>(cleanY, y, size, plane: 1, context + " forward");
                    AssertOtherPlanesIdentical<float>(cleanDx, dx, size, plane: 1, context + " backward");
                    AssertOtherPlanesIdentical<PlaneStatistics>(cleanStatistics, statistics, 1, plane: 1, context + " statistics");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void A_non_finite_gradient_poisons_only_its_own_plane(SimAmKernel kernel)
    {
        int[] shape = [2, 3, 37];
        const int Size = 37;
        var options = KernelPaths.Options(kernel);
        var x = TestData.Normal(222, seed: 41);
        var g = TestData.Normal(222, seed: 42);
        var clean = new float[222];
        SimAm.Backward(x, g, clean, shape, SimAm.DefaultLambda, options);
        foreach (var bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var poisoned = (float[])g.Clone();
            poisoned[Size + 20] = bad;
            var dx = new float[222];
            SimAm.Backward(x, poisoned, dx, shape, SimAm.DefaultLambda, options);
            var context = $"{kernel}, g[{Size + 20}] = {bad}";

            // NaN reaches every ∂L/∂x of the plane through Σ a·u. An infinite gradient gives ±∞ where the
            // terms agree in sign and NaN (∞ − ∞) elsewhere, as autograd does: nothing finite survives.
            Assert.All(dx.AsSpan(Size, Size).ToArray(), v => Assert.True(float.IsNaN(bad) ? float.IsNaN(v) : !float.IsFinite(v), context));
            AssertOtherPlanesIdentical<float>(clean, dx, Size, plane: 1, context);
        }
    }

    [Fact]
    public void A_non_finite_double_value_makes_its_plane_NaN_and_leaves_the_others_alone()
    {
        foreach (var (shape, threads) in new[] { (new[] { 2, 3, 37 }, 1), (new[] { 1, 3, 256, 256 }, 2) })
        {
            var count = shape.Aggregate(1, (a, b) => a * b);
            var size = count / (shape[0] * shape[1]);
            var options = new SimAmOptions { MaxDegreeOfParallelism = threads };
            var x = TestData.NormalDouble(count, seed: 51);
            var g = TestData.NormalDouble(count, seed: 52);
            var (cleanY, cleanDx) = (new double[count], new double[count]);
            SimAm.Forward(x, cleanY, shape, 0.1, options);
            SimAm.Backward(x, g, cleanDx, shape, 0.1, options);
            foreach (var bad in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
            {
                var poisoned = (double[])x.Clone();
                poisoned[(2 * size) - 1] = bad;
                var (y, dx) = (new double[count], new double[count]);
                SimAm.Forward(poisoned, y, shape, 0.1, options);
                SimAm.Backward(poisoned, g, dx, shape, 0.1, options);
                var context = $"shape [{string.Join(", ", shape)}], x = {bad}";
                Assert.All(y.AsSpan(size, size).ToArray(), v => Assert.True(double.IsNaN(v), context + " forward"));
                Assert.All(dx.AsSpan(size, size).ToArray(), v => Assert.True(double.IsNaN(v), context + " backward"));
                AssertOtherPlanesIdentical<double>(cleanY, y, size, plane: 1, context + " forward");
                AssertOtherPlanesIdentical<double>(cleanDx, dx, size, plane: 1, context + " backward");
            }
        }
    }

    private static (float[] Y, PlaneStatistics[] Statistics, float[] Dx) RunFloat(float[] x, float[] g, int[] shape, SimAmOptions options)
    {
        var y = new float[x.Length];
        var statistics = new PlaneStatistics[SimAm.PlaneCount(shape)];
        var dx = new float[x.Length];
        SimAm.Forward(x, y, shape, statistics, SimAm.DefaultLambda, options);
        SimAm.Backward(x, g, dx, shape, SimAm.DefaultLambda, options);
        return (y, statistics, dx);
    }

    private static void AssertOtherPlanesIdentical<T>(T[] expected, T[] actual, int size, int plane, string context)
        where T : unmanaged
    {
        var head = expected.AsSpan(0, plane * size);
        var tail = expected.AsSpan((plane + 1) * size);
        Assert.True(MemoryMarshal.AsBytes(head).SequenceEqual(MemoryMarshal.AsBytes(actual.AsSpan(0, plane * size))), context + ": a plane before the bad one changed");
        Assert.True(MemoryMarshal.AsBytes(tail).SequenceEqual(MemoryMarshal.AsBytes(actual.AsSpan((plane + 1) * size))), context + ": a plane after the bad one changed");
    }

    private static TException AssertRejected<TException>(Entry entry, Call call)
        where TException : Exception =>
        IsDouble(entry)
            ? AssertRejected<double, TException>(entry, call, i => (i * 0.37) - 3, i => -777.25 - i, InvokeDouble)
            : AssertRejected<float, TException>(entry, call, i => (i * 0.37f) - 3, i => -777.25f - i, InvokeFloat);

    /// <summary>Runs a call that must throw, and checks that no buffer (output, statistics, or any other) changed.</summary>
    private static TException AssertRejected<T, TException>(Entry entry, Call call, Func<int, T> data, Func<int, T> sentinel, Invoker<T> invoke)
        where T : unmanaged
        where TException : Exception
    {
        var (buffers, statistics) = Allocate(call, data, sentinel);
        var before = buffers.Select(b => (T[])b.Clone()).ToArray();
        var statisticsBefore = (PlaneStatistics[])statistics.Clone();

        var exception = Assert.Throws<TException>(() => invoke(
            entry,
            call.Input.Of(buffers),
            call.GradOutput.Of(buffers),
            call.Output.Of(buffers),
            statistics,
            call.Shape,
            call.Lambda,
            call.Options));

        var context = $"{entry} {call}";
        for (var b = 0; b < buffers.Length; b++)
        {
            Assert.True(MemoryMarshal.AsBytes(before[b].AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(buffers[b].AsSpan())), $"{context}: buffer {b} was written before the throw.");
        }

        Bits.AssertIdentical(statisticsBefore, statistics, context + ": statistics were written before the throw");
        return exception;
    }

    /// <summary>Runs a call that must succeed and checks that it wrote its output.</summary>
    private static void AssertAccepted(Entry entry, Call call)
    {
        if (IsDouble(entry))
        {
            var (buffers, statistics) = Allocate(call, i => (i * 0.37) - 3, i => -777.25 - i);
            var before = call.Output.Of(buffers).ToArray();
            InvokeDouble(entry, call.Input.Of(buffers), call.GradOutput.Of(buffers), call.Output.Of(buffers), statistics, call.Shape, call.Lambda, call.Options);
            Assert.All(before.Zip(call.Output.Of(buffers).ToArray()), pair => Assert.NotEqual(pair.First, pair.Second));
        }
        else
        {
            var (buffers, statistics) = Allocate(call, i => (i * 0.37f) - 3, i => -777.25f - i);
            var before = call.Output.Of(buffers).ToArray();
            InvokeFloat(entry, call.Input.Of(buffers), call.GradOutput.Of(buffers), call.Output.Of(buffers), statistics, call.Shape, call.Lambda, call.Options);
            Assert.All(before.Zip(call.Output.Of(buffers).ToArray()), pair => Assert.NotEqual(pair.First, pair.Second));
        }
    }

    /// <summary>
    /// Three buffers: 0 holds the input, 1 the gradient, 2 the output, unless the call places a span
    /// elsewhere. Buffers holding an input get data; the rest get the sentinel pattern.
    /// </summary>
    private static (T[][] Buffers, PlaneStatistics[] Statistics) Allocate<T>(Call call, Func<int, T> data, Func<int, T> sentinel)
    {
        var placements = new[] { call.Input, call.GradOutput, call.Output };
        var buffers = new T[3][];
        for (var b = 0; b < 3; b++)
        {
            var length = placements.Where(p => p.Buffer == b).Select(p => p.Offset + p.Length).DefaultIfEmpty(0).Max();
            var holdsInput = call.Input.Buffer == b || call.GradOutput.Buffer == b;
            buffers[b] = Enumerable.Range(0, length).Select(holdsInput ? data : sentinel).ToArray();
        }

        var statistics = Enumerable.Repeat(s_sentinelStatistics, Math.Max(call.StatisticsLength, 0)).ToArray();
        return (buffers, statistics);
    }

    private static void InvokeFloat(Entry entry, ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> output, Span<PlaneStatistics> statistics, int[] shape, double lambda, SimAmOptions? options)
    {
        var lambda32 = (float)lambda;
        switch (entry)
        {
            case Entry.ForwardFloat:
                SimAm.Forward(input, output, shape, lambda32, options);
                break;
            case Entry.ForwardFloatWithStatistics:
                SimAm.Forward(input, output, shape, statistics, lambda32, options);
                break;
            case Entry.BackwardFloat:
                SimAm.Backward(input, gradOutput, output, shape, lambda32, options);
                break;
            case Entry.BackwardFloatWithStatistics:
                SimAm.Backward(input, gradOutput, output, shape, statistics, lambda32, options);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(entry), entry, "not a float entry point");
        }
    }

    private static void InvokeDouble(Entry entry, ReadOnlySpan<double> input, ReadOnlySpan<double> gradOutput, Span<double> output, Span<PlaneStatistics> statistics, int[] shape, double lambda, SimAmOptions? options)
    {
        switch (entry)
        {
            case Entry.ForwardDouble:
                SimAm.Forward(input, output, shape, lambda, options);
                break;
            case Entry.ForwardDoubleWithStatistics:
                SimAm.Forward(input, output, shape, statistics, lambda, options);
                break;
            case Entry.BackwardDouble:
                SimAm.Backward(input, gradOutput, output, shape, lambda, options);
                break;
            case Entry.BackwardDoubleWithStatistics:
                SimAm.Backward(input, gradOutput, output, shape, statistics, lambda, options);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(entry), entry, "not a double entry point");
        }
    }

    private static bool IsDouble(Entry entry) => entry.ToString().Contains("Double", StringComparison.Ordinal);

    private static bool IsBackward(Entry entry) => entry.ToString().StartsWith("Backward", StringComparison.Ordinal);

    private static bool HasStatistics(Entry entry) => entry.ToString().EndsWith("WithStatistics", StringComparison.Ordinal);

    /// <summary>Where a span lives: which of the three buffers, from which offset, how long.</summary>
    private readonly record struct Placement(int Buffer, int Offset, int Length)
    {
        public Span<T> Of<T>(T[][] buffers) => buffers[Buffer].AsSpan(Offset, Length);
    }

    /// <summary>One call's arguments; <see cref="Valid"/> is a correct call on [2, 3, 5].</summary>
    private sealed record Call(int[] Shape, Placement Input, Placement GradOutput, Placement Output, int StatisticsLength, double Lambda, SimAmOptions? Options)
    {
        public static Call Valid { get; } = new(s_shape, new(0, 0, 30), new(1, 0, 30), new(2, 0, 30), 6, 0.1, null);

        /// <summary>The same call with every span <paramref name="length"/> elements long, at its own buffer's start.</summary>
        public Call WithLength(int length) =>
            this with { Input = new(0, 0, length), GradOutput = new(1, 0, length), Output = new(2, 0, length) };

        public override string ToString() =>
            $"shape [{string.Join(", ", Shape)}], input {Input}, gradOutput {GradOutput}, output {Output}, statistics {StatisticsLength}, λ = {Lambda}, kernel {Options?.Kernel}, threads {Options?.MaxDegreeOfParallelism}";
    }
}
