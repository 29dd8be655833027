using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SimAM.Kernels.Channels;

/// <summary>
/// The float kernels of the channel-vector path, written once for any SIMD width (the
/// <see cref="ISimdOps{TF,TD}"/> width structs of the planar kernels, and the same
/// <see cref="FastSigmoid.Denominator{TF,TD,TOps}"/>). A vector holds consecutive values of a row-major
/// [rows, C] run, i.e. neighbouring channels, and every per-channel quantity — sums, means, gate
/// constants — comes from a table lane that moves with it (<see cref="ChannelLanes"/>).
/// </summary>
/// <remarks>
/// <para>
/// Sums are double, and the moments take one pass: d = x − c, c the channel's value in the chunk's first row,
/// is formed from x widened to double and Σd, Σd² accumulate per lane (see <see cref="AddDeviations"/>), so
/// nothing is lost to cancellation on planes far from zero. Whole periods are reduced down column tiles in
/// registers (<see cref="ChannelColumns{TF,TD,TOps}"/>); the last, partial period and the gradient sums add into
/// the double table lanes vector by vector. The tables are a few KiB and stay in L1.
/// </para>
/// <para>
/// Tails are never a scalar loop: the last vector of a run (or of a row in row mode) overlaps the one
/// before it; reductions mask the lanes already counted and elementwise passes recompute them (loaded
/// before the first store, so in-place calls see the input). Runs shorter than one vector go to
/// <typeparamref name="TNarrower"/>, which reads the same tables.
/// </para>
/// </remarks>
internal readonly struct ChannelVectorKernel<TF, TD, TOps, TNarrower> : IChannelVectorKernel<float, float>
    where TF : struct
    where TD : struct
    where TOps : ISimdOps<TF, TD>
    where TNarrower : IChannelVectorKernel<float, float>
{
    /// <summary>
    /// How far ahead, in elements, a gate that prefetches the next sample's input asks for its own output lines (256
    /// bytes): the writer prefetches input and output at one distance, and the next sample's output lines, asked for a
    /// whole sample before they are written, only crowd out the input they were fetched with (measured 7% slower).
    /// </summary>
    private const nuint OutputAhead = 64;

    /// <inheritdoc/>
    public static int Width => TOps.Count;

    /// <inheritdoc/>
    public static int MinimumPeriod => 8 * TOps.Count;

    /// <inheritdoc/>
    public static double WeightScaleOf(float scaledRoot) => WeightScale.Of(scaledRoot);

    /// <inheritdoc/>
    public static void AddDeviations(ReadOnlySpan<float> x, in ChannelLanes lanes, ReadOnlySpan<double> origins, Span<double> sums, Span<double> squares)
    {
        if (!lanes.RowWise && x.Length < TOps.Count)
        {
            TNarrower.AddDeviations(x, lanes, origins, sums, squares);
            return;
        }

        ref var start = ref MemoryMarshal.GetReference(x);
        ref var centre = ref MemoryMarshal.GetReference(origins);
        ref var first = ref MemoryMarshal.GetReference(sums);
        ref var second = ref MemoryMarshal.GetReference(squares);
        var period = lanes.Period;
        var periods = x.Length / period;
        if (periods > 0)
        {
            ChannelColumns<TF, TD, TOps>.Deviations(ref start, periods, period, ref centre, ref first, ref second);
        }

        if (periods * period < x.Length)
        {
            DeviationRun(ref start, periods * period, x.Length, period, ref centre, ref first, ref second);
        }
    }

    /// <inheritdoc/>
    public static void Forward<TEnergy>(ReadOnlySpan<float> x, Span<float> y, in ChannelLanes lanes, ReadOnlySpan<float> gate, in EnergyConstants energy, int prefetchAhead, bool streaming)
        where TEnergy : IEnergy
    {
        if (!lanes.RowWise && x.Length < TOps.Count)
        {
            TNarrower.Forward<TEnergy>(x, y, lanes, gate, energy, prefetchAhead, streaming);
            return;
        }

        var tables = new GateTables(gate, lanes.TableLength);
        var constants = new EnergyVectors(energy);
        ref var input = ref MemoryMarshal.GetReference(x);
        ref var output = ref MemoryMarshal.GetReference(y);
        var run = lanes.RunLength(x.Length);
        for (var at = 0; at < x.Length; at += run)
        {
            GateRun<TEnergy>(ref Unsafe.Add(ref input, at), ref Unsafe.Add(ref output, at), run, lanes.Period, tables, constants, (nuint)prefetchAhead, streaming);
        }
    }

    /// <inheritdoc/>
    public static void AddGradientSums<TEnergy>(ReadOnlySpan<float> x, ReadOnlySpan<float> g, in ChannelLanes lanes, ReadOnlySpan<float> gate, in EnergyConstants energy, Span<double> weighted, Span<double> weightedSquares)
        where TEnergy : IEnergy
    {
        if (!lanes.RowWise && x.Length < TOps.Count)
        {
            TNarrower.AddGradientSums<TEnergy>(x, g, lanes, gate, energy, weighted, weightedSquares);
            return;
        }

        var tables = new GateTables(gate, lanes.TableLength);
        var constants = new EnergyVectors(energy);
        ref var input = ref MemoryMarshal.GetReference(x);
        ref var gradient = ref MemoryMarshal.GetReference(g);
        ref var first = ref MemoryMarshal.GetReference(weighted);
        ref var second = ref MemoryMarshal.GetReference(weightedSquares);
        var run = lanes.RunLength(x.Length);
        for (var at = 0; at < x.Length; at += run)
        {
            GradientSumsRun<TEnergy>(ref Unsafe.Add(ref input, at), ref Unsafe.Add(ref gradient, at), run, lanes.Period, tables, constants, ref first, ref second);
        }
    }

    /// <inheritdoc/>
    public static void Backward<TEnergy>(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> dx, in ChannelLanes lanes, ReadOnlySpan<float> gate, ReadOnlySpan<float> gradient, in EnergyConstants energy, bool streaming)
        where TEnergy : IEnergy
    {
        if (!lanes.RowWise && x.Length < TOps.Count)
        {
            TNarrower.Backward<TEnergy>(x, g, dx, lanes, gate, gradient, energy, streaming);
            return;
        }

        var tables = new GateTables(gate, lanes.TableLength);
        var slopes = new GateTables(gradient, lanes.TableLength);
        var constants = new EnergyVectors(energy);
        ref var input = ref MemoryMarshal.GetReference(x);
        ref var gradOutput = ref MemoryMarshal.GetReference(g);
        ref var output = ref MemoryMarshal.GetReference(dx);
        var run = lanes.RunLength(x.Length);
        for (var at = 0; at < x.Length; at += run)
        {
            GradientRun<TEnergy>(ref Unsafe.Add(ref input, at), ref Unsafe.Add(ref gradOutput, at), ref Unsafe.Add(ref output, at), run, lanes.Period, tables, slopes, constants, streaming);
        }
    }

    /// <summary>
    /// Σd and Σd² per lane over the last, partial period of a flat run (from <paramref name="from"/>, a multiple of
    /// the period, to <paramref name="length"/>), vector by vector, with a masked overlapped tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DeviationRun(ref float x, int from, int length, int period, ref double origins, ref double sums, ref double squares)
    {
        var width = TOps.Count;
        int i = from, lane = 0;
        for (; i + width <= length; i += width)
        {
            ChannelColumns<TF, TD, TOps>.AddVector(TOps.Load(ref x, (nuint)i), ref Unsafe.Add(ref origins, lane), ref Unsafe.Add(ref sums, lane), ref Unsafe.Add(ref squares, lane), 0);
            lane += width;
            if (lane == period)
            {
                lane = 0;
            }
        }

        if (i < length)
        {
            var start = length - width;
            lane = start % period;
            ChannelColumns<TF, TD, TOps>.AddVector(TOps.Load(ref x, (nuint)start), ref Unsafe.Add(ref origins, lane), ref Unsafe.Add(ref sums, lane), ref Unsafe.Add(ref squares, lane), width - (length - i));
        }
    }

    /// <summary>
    /// The gate over a run of lanes starting at lane 0, written by <see cref="VectorWriter{TF, TD, TOps}"/>. With
    /// <paramref name="ahead"/> set (beyond <see cref="OutputAhead"/>: a smaller sample is in cache anyway), each line's
    /// step asks for the input line <paramref name="ahead"/> elements on, and the writer for the output line
    /// <see cref="OutputAhead"/> elements on.
    /// </summary>
    // Its own method, with the writer's loops inlined into it: inlined into its caller, the JIT ran out of budget
    // and called the step for every vector.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void GateRun<TEnergy>(ref float x, ref float y, int length, int period, in GateTables tables, in EnergyVectors constants, nuint ahead, bool streaming)
        where TEnergy : IEnergy =>
        VectorWriter<TF, TD, TOps>.Write(
            (float*)Unsafe.AsPointer(ref y), (nuint)length, ahead > OutputAhead ? OutputAhead : 0, streaming,
            new GateStep<TEnergy>((float*)Unsafe.AsPointer(ref x), tables, constants, period, ahead > OutputAhead ? ahead - OutputAhead : 0));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void GradientSumsRun<TEnergy>(ref float x, ref float g, int length, int period, in GateTables tables, in EnergyVectors constants, ref double weighted, ref double weightedSquares)
        where TEnergy : IEnergy
    {
        var width = TOps.Count;
        var half = width / 2;
        int i = 0, lane = 0;
        for (; i + width <= length; i += width)
        {
            Weighted<TEnergy>(TOps.Load(ref x, (nuint)i), TOps.Load(ref g, (nuint)i), tables, lane, constants, out var first, out var second);
            AddWidened(ref weighted, lane, half, first);
            AddWidened(ref weightedSquares, lane, half, second);
            lane += width;
            if (lane == period)
            {
                lane = 0;
            }
        }

        if (i < length)
        {
            var start = length - width;
            var firstLane = width - (length - i);
            lane = start % period;
            Weighted<TEnergy>(TOps.Load(ref x, (nuint)start), TOps.Load(ref g, (nuint)start), tables, lane, constants, out var first, out var second);
            AddWidened(ref weighted, lane, half, TOps.KeepLanesFrom(first, firstLane));
            AddWidened(ref weightedSquares, lane, half, TOps.KeepLanesFrom(second, firstLane));
        }
    }

    /// <summary>The gradient over a run of lanes starting at lane 0, written by <see cref="VectorWriter{TF, TD, TOps}"/>.</summary>
    // Its own method, with the writer's loops inlined into it: inlined into its caller, the JIT ran out of budget
    // and called the step for every vector.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void GradientRun<TEnergy>(ref float x, ref float g, ref float dx, int length, int period, in GateTables tables, in GateTables slopes, in EnergyVectors constants, bool streaming)
        where TEnergy : IEnergy =>
        VectorWriter<TF, TD, TOps>.Write(
            (float*)Unsafe.AsPointer(ref dx), (nuint)length, 0, streaming,
            new GradientStep<TEnergy>((float*)Unsafe.AsPointer(ref x), (float*)Unsafe.AsPointer(ref g), tables, slopes, constants, period));

    /// <summary>z = (x − μ_hi)·r′ + μ_lo·r′ with r′ = r·√log2(e): μ split in two floats, as in the planar kernels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF Scaled(TF x, in GateTables tables, int lane) =>
        TOps.MultiplyAdd(TOps.Subtract(x, TOps.Load(ref tables.First, (nuint)lane)), TOps.Load(ref tables.Second, (nuint)lane), TOps.Load(ref tables.Third, (nuint)lane));

    /// <summary>t = −E·log2(e); for the exact variant also d = 1 − κz² (clamped), which the gradient needs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF Exponent<TEnergy>(TF z, in EnergyVectors constants, out TF d)
        where TEnergy : IEnergy
    {
        if (!TEnergy.IsExact)
        {
            d = constants.One;
            return TOps.NegatedMultiplyAdd(z, z, constants.NegativeHalfLog2E);
        }

        var q = TOps.Multiply(z, z);
        d = TOps.Max(TOps.NegatedMultiplyAdd(constants.Shrink, q, constants.One), constants.Floor);
        return TOps.NegatedMultiplyAdd(TOps.Divide(q, d), constants.Boost, constants.NegativeHalfLog2E);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF Gate<TEnergy>(TF x, in GateTables tables, int lane, in EnergyVectors constants)
        where TEnergy : IEnergy =>
        TOps.Divide(x, FastSigmoid.Denominator<TF, TD, TOps>(Exponent<TEnergy>(Scaled(x, tables, lane), constants, out _)));

    /// <summary>
    /// s, z and a° = g·(x·σ)·s(1 − s) (divided by d² in the exact variant) of one vector, σ the power of two of
    /// <see cref="WeightScale"/> for each lane's channel: x·σ is exact, and g·x alone could overflow float. The slope
    /// s(1 − s) is formed from the rounded s up to <see cref="FastSigmoid.SlopeSwitch"/> and as e·s² above it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF Weight<TEnergy>(TF x, TF g, in GateTables tables, int lane, in EnergyVectors constants, out TF z, out TF s)
        where TEnergy : IEnergy
    {
        z = Scaled(x, tables, lane);
        var t = Exponent<TEnergy>(z, constants, out var d);
        var e = FastSigmoid.Exp2<TF, TD, TOps>(t);
        s = TOps.Divide(constants.One, TOps.Add(constants.One, e));
        var slope = TOps.SelectGreater(
            s, TOps.Create(FastSigmoid.SlopeSwitch), TOps.Multiply(TOps.Multiply(e, s), s), TOps.Multiply(s, TOps.Subtract(constants.One, s)));
        var scaledX = TOps.Multiply(x, TOps.PowerOfTwoFloor(TOps.Load(ref tables.Second, (nuint)lane)));
        var a = TOps.Multiply(TOps.Multiply(g, scaledX), slope);
        return TEnergy.IsExact ? TOps.Divide(a, TOps.Multiply(d, d)) : a;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Weighted<TEnergy>(TF x, TF g, in GateTables tables, int lane, in EnergyVectors constants, out TF weightedZ, out TF weightedZSquared)
        where TEnergy : IEnergy
    {
        var a = Weight<TEnergy>(x, g, tables, lane, constants, out var z, out _);
        weightedZ = TOps.Multiply(a, z);
        weightedZSquared = TOps.Multiply(weightedZ, z);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF Gradient<TEnergy>(TF x, TF g, in GateTables tables, in GateTables slopes, int lane, in EnergyVectors constants)
        where TEnergy : IEnergy
    {
        var a = Weight<TEnergy>(x, g, tables, lane, constants, out var z, out var s);
        var slope = TOps.MultiplyAdd(TOps.Load(ref slopes.First, (nuint)lane), a, TOps.Load(ref slopes.Second, (nuint)lane));
        return TOps.MultiplyAdd(g, s, TOps.MultiplyAdd(z, slope, TOps.Load(ref slopes.Third, (nuint)lane)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddWidened(ref double table, int lane, int half, TF value)
    {
        TOps.Widen(value, out var lower, out var upper);
        AddTo(ref table, lane, lower);
        AddTo(ref table, lane + half, upper);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTo(ref double table, int lane, TD value) =>
        DoubleTable.Write<TD>(ref table, lane, TOps.AddDouble(DoubleTable.Read<TD>(ref table, lane), value));

    /// <summary>
    /// The lane of a run's vectors: vector by vector it advances by the width and wraps at the period, with no division
    /// (the period is a multiple of the width in flat mode, and row mode runs one row, within the overhang, per run).
    /// </summary>
    private struct LaneCounter(int period)
    {
        private int _lane;

        public readonly int Of(nuint index) => (int)(index % (nuint)period);

        public void Seek(nuint index) => _lane = Of(index);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Advance()
        {
            var lane = _lane;
            _lane += TOps.Count;
            if (_lane >= period)
            {
                _lane -= period;
            }

            return lane;
        }
    }

    /// <summary>One vector of <see cref="GateRun"/>; its prefetch asks for the input line <paramref name="shift"/> elements past the writer's.</summary>
    private unsafe struct GateStep<TEnergy>(float* x, GateTables tables, EnergyVectors constants, int period, nuint shift) : IVectorStep<TF>
        where TEnergy : IEnergy
    {
        private LaneCounter _lanes = new(period);

        public readonly TF At(nuint index) => Gate<TEnergy>(TOps.Load(ref *x, index), tables, _lanes.Of(index), constants);

        public void Seek(nuint index) => _lanes.Seek(index);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF Next(nuint index) => Gate<TEnergy>(TOps.Load(ref *x, index), tables, _lanes.Advance(), constants);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Prefetch(nuint index) => Kernels.Prefetch.Line(ref *x, index + shift);
    }

    /// <summary>One vector of <see cref="GradientRun"/>.</summary>
    private unsafe struct GradientStep<TEnergy>(float* x, float* g, GateTables tables, GateTables slopes, EnergyVectors constants, int period) : IVectorStep<TF>
        where TEnergy : IEnergy
    {
        private LaneCounter _lanes = new(period);

        public readonly TF At(nuint index) => Gradient<TEnergy>(TOps.Load(ref *x, index), TOps.Load(ref *g, index), tables, slopes, _lanes.Of(index), constants);

        public void Seek(nuint index) => _lanes.Seek(index);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF Next(nuint index) => Gradient<TEnergy>(TOps.Load(ref *x, index), TOps.Load(ref *g, index), tables, slopes, _lanes.Advance(), constants);

        public readonly void Prefetch(nuint index)
        {
        }
    }

    /// <summary>The variant's constants as vectors, built once per call.</summary>
    private readonly struct EnergyVectors
    {
        public EnergyVectors(in EnergyConstants energy)
        {
            One = TOps.Create(1f);
            NegativeHalfLog2E = TOps.Create((float)(-0.5 * FastSigmoid.Log2E));
            Shrink = TOps.Create((float)energy.Shrink);
            Boost = TOps.Create((float)energy.Boost);
            Floor = TOps.Create((float)EnergyConstants.Floor);
        }

        public TF One { get; }

        public TF NegativeHalfLog2E { get; }

        public TF Shrink { get; }

        public TF Boost { get; }

        public TF Floor { get; }
    }
}
