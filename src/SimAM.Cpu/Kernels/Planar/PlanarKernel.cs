using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SimAM.Kernels.ChannelVectors;

namespace SimAM.Kernels.Planar;

/// <summary>
/// The float planar kernel of one SIMD width. The fast variant is <typeparamref name="TPlane"/> (the
/// planar kernel of the same width) unchanged; the exact variant is written here against the same
/// <see cref="ISimdOps{TF,TD}"/> width struct and <see cref="FastSigmoid.Denominator{TF,TD,TOps}"/>, with
/// the plane's constants broadcast in registers. Reductions are always <typeparamref name="TPlane"/>'s.
/// </summary>
/// <remarks>
/// The exact gate works in z = u·√log2(e): t = −½·log2(e) − β²·z²/d with d = max(1 − κz², floor)
/// (<see cref="EnergyConstants"/>). Tails are overlapped vectors, masked in the sums and recomputed in the
/// elementwise passes (loaded before the first store, for in-place calls), as in the planar kernels;
/// spans shorter than a vector go to <typeparamref name="TNarrower"/>.
/// </remarks>
internal readonly struct PlanarKernel<TF, TD, TOps, TPlane, TNarrower> : IPlanarKernel<float>
    where TF : struct
    where TD : struct
    where TOps : ISimdOps<TF, TD>
    where TPlane : IPlaneKernel<float>
    where TNarrower : IPlanarKernel<float>
{
    /// <inheritdoc/>
    public static ChunkMoments Moments(ReadOnlySpan<float> x) => TPlane.Moments(x);

    /// <inheritdoc/>
    public static PlaneStatistics ForwardPlane<TEnergy>(ReadOnlySpan<float> x, Span<float> y, double lambda, in EnergyConstants energy)
        where TEnergy : IEnergy => PlanarPlane<float, PlanarKernel<TF, TD, TOps, TPlane, TNarrower>>.Forward<TEnergy>(x, y, lambda, energy);

    /// <inheritdoc/>
    public static PlaneStatistics BackwardPlane<TEnergy>(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> dx, PlaneStatistics? given, double lambda, in EnergyConstants energy)
        where TEnergy : IEnergy => PlanarPlane<float, PlanarKernel<TF, TD, TOps, TPlane, TNarrower>>.Backward<TEnergy>(x, g, dx, given, lambda, energy);

    /// <inheritdoc/>
    public static void Forward<TEnergy>(ReadOnlySpan<float> x, Span<float> y, in GateCoefficients gate, in EnergyConstants energy)
        where TEnergy : IEnergy
    {
        if (!TEnergy.IsExact)
        {
            TPlane.Forward(x, y, gate, 0);
            return;
        }

        if (x.Length < TOps.Count)
        {
            TNarrower.Forward<TEnergy>(x, y, gate, energy);
            return;
        }

        var width = TOps.Count;
        var count = x.Length;
        var constants = new ExactVectors(gate, energy);
        ref var input = ref MemoryMarshal.GetReference(x);
        ref var output = ref MemoryMarshal.GetReference(y);
        var last = TOps.Load(ref input, (nuint)(count - width));
        for (var i = 0; i < count - width; i += width)
        {
            var value = TOps.Load(ref input, (nuint)i);
            TOps.Store(TOps.Divide(value, FastSigmoid.Denominator<TF, TD, TOps>(constants.Exponent(constants.Scaled(value), out _))), ref output, (nuint)i);
        }

        TOps.Store(TOps.Divide(last, FastSigmoid.Denominator<TF, TD, TOps>(constants.Exponent(constants.Scaled(last), out _))), ref output, (nuint)(count - width));
    }

    /// <inheritdoc/>
    public static BackwardSums BackwardSums<TEnergy>(ReadOnlySpan<float> x, ReadOnlySpan<float> g, in GateCoefficients gate, in EnergyConstants energy)
        where TEnergy : IEnergy
    {
        if (!TEnergy.IsExact)
        {
            return TPlane.BackwardSums(x, g, gate);
        }

        if (x.Length < TOps.Count)
        {
            return TNarrower.BackwardSums<TEnergy>(x, g, gate, energy);
        }

        var width = TOps.Count;
        var count = x.Length;
        var constants = new ExactVectors(gate, energy);
        ref var input = ref MemoryMarshal.GetReference(x);
        ref var gradient = ref MemoryMarshal.GetReference(g);
        TD r0 = default, r1 = default, q0 = default, q1 = default;
        var i = 0;
        for (; i + width <= count; i += width)
        {
            Weighted(TOps.Load(ref input, (nuint)i), TOps.Load(ref gradient, (nuint)i), constants, out var first, out var second);
            Accumulate(first, second, ref r0, ref r1, ref q0, ref q1);
        }

        if (i < count)
        {
            var start = count - width;
            var firstLane = width - (count - i);
            Weighted(TOps.Load(ref input, (nuint)start), TOps.Load(ref gradient, (nuint)start), constants, out var first, out var second);
            Accumulate(TOps.KeepLanesFrom(first, firstLane), TOps.KeepLanesFrom(second, firstLane), ref r0, ref r1, ref q0, ref q1);
        }

        // Back from z = u·√log2(e) to u, and from a° = σ·a to sums of a' = 2r·a: the units of BackwardCoefficients
        // (dividing by the power of two σ is exact).
        var rootLog2E = EnergyConstants.RootLog2E;
        var twoRoot = 2 * gate.Root / constants.WeightScale;
        return new BackwardSums(
            twoRoot * TOps.SumDouble(TOps.AddDouble(r0, r1)) / rootLog2E,
            twoRoot * TOps.SumDouble(TOps.AddDouble(q0, q1)) / FastSigmoid.Log2E);
    }

    /// <inheritdoc/>
    public static void Backward<TEnergy>(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> dx, in GateCoefficients gate, in EnergyConstants energy, in BackwardCoefficients coefficients)
        where TEnergy : IEnergy
    {
        if (!TEnergy.IsExact)
        {
            TPlane.Backward(x, g, dx, gate, coefficients, 0);
            return;
        }

        if (x.Length < TOps.Count)
        {
            TNarrower.Backward<TEnergy>(x, g, dx, gate, energy, coefficients);
            return;
        }

        var width = TOps.Count;
        var count = x.Length;
        var constants = new ExactVectors(gate, energy);
        var slopes = new GradientVectors(gate, energy, coefficients, constants.WeightScale);
        ref var input = ref MemoryMarshal.GetReference(x);
        ref var gradOutput = ref MemoryMarshal.GetReference(g);
        ref var output = ref MemoryMarshal.GetReference(dx);

        // dx may be x or g itself: read the overlapped last vectors before anything is stored.
        var lastX = TOps.Load(ref input, (nuint)(count - width));
        var lastG = TOps.Load(ref gradOutput, (nuint)(count - width));
        for (var i = 0; i < count - width; i += width)
        {
            TOps.Store(Gradient(TOps.Load(ref input, (nuint)i), TOps.Load(ref gradOutput, (nuint)i), constants, slopes), ref output, (nuint)i);
        }

        TOps.Store(Gradient(lastX, lastG, constants, slopes), ref output, (nuint)(count - width));
    }

    /// <summary>
    /// a° = g·(x·σ)·s(1 − s)/d², and z, s: σ is the plane's power of two of <see cref="WeightScale"/>, so x·σ is exact
    /// where g·x alone could overflow float.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF Weight(TF x, TF g, in ExactVectors constants, out TF z, out TF s)
    {
        z = constants.Scaled(x);
        var t = constants.Exponent(z, out var d);
        s = TOps.Divide(constants.One, FastSigmoid.Denominator<TF, TD, TOps>(t));
        var a = TOps.Multiply(TOps.Multiply(g, TOps.Multiply(x, constants.ScaleVector)), TOps.Multiply(s, TOps.Subtract(constants.One, s)));
        return TOps.Divide(a, TOps.Multiply(d, d));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Weighted(TF x, TF g, in ExactVectors constants, out TF weightedZ, out TF weightedZSquared)
    {
        var a = Weight(x, g, constants, out var z, out _);
        weightedZ = TOps.Multiply(a, z);
        weightedZSquared = TOps.Multiply(weightedZ, z);
    }

    /// <summary>dx = g·s + z·(P·a° − D′) − B′ with P = 2rβ²/(σ·√log2e), D′ = β²D/√log2e, B′ = β²B.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF Gradient(TF x, TF g, in ExactVectors constants, in GradientVectors slopes)
    {
        var a = Weight(x, g, constants, out var z, out var s);
        var slope = TOps.MultiplyAdd(slopes.Slope, a, slopes.NegativeCurvature);
        return TOps.MultiplyAdd(g, s, TOps.MultiplyAdd(z, slope, slopes.NegativeOffset));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(TF first, TF second, ref TD r0, ref TD r1, ref TD q0, ref TD q1)
    {
        TOps.Widen(first, out var lower, out var upper);
        r0 = TOps.AddDouble(r0, lower);
        r1 = TOps.AddDouble(r1, upper);
        TOps.Widen(second, out lower, out upper);
        q0 = TOps.AddDouble(q0, lower);
        q1 = TOps.AddDouble(q1, upper);
    }

    /// <summary>A plane's gate and energy constants, broadcast.</summary>
    private readonly struct ExactVectors
    {
        private readonly TF _meanHigh;
        private readonly TF _root;
        private readonly TF _low;
        private readonly TF _shrink;
        private readonly TF _boost;
        private readonly TF _floor;
        private readonly TF _negativeHalfLog2E;

        public ExactVectors(in GateCoefficients gate, in EnergyConstants energy)
        {
            var meanHigh = (float)gate.Mean;
            var scaledRoot = gate.Root * EnergyConstants.RootLog2E;
            _meanHigh = TOps.Create(meanHigh);
            _root = TOps.Create((float)scaledRoot);
            _low = TOps.Create((float)(-(gate.Mean - meanHigh) * scaledRoot));
            _shrink = TOps.Create((float)energy.Shrink);
            _boost = TOps.Create((float)energy.Boost);
            _floor = TOps.Create((float)EnergyConstants.Floor);
            _negativeHalfLog2E = TOps.Create((float)(-0.5 * FastSigmoid.Log2E));
            One = TOps.Create(1f);
            WeightScale = SimAM.Kernels.WeightScale.Of((float)scaledRoot);
            ScaleVector = TOps.Create(WeightScale);
        }

        public TF One { get; }

        /// <summary>Gets σ, the power of two x is scaled by in the backward weight.</summary>
        public float WeightScale { get; }

        /// <summary>Gets σ broadcast.</summary>
        public TF ScaleVector { get; }

        /// <summary>z = (x − μ_hi)·r′ + μ_lo·r′, μ split in two floats.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF Scaled(TF x) => TOps.MultiplyAdd(TOps.Subtract(x, _meanHigh), _root, _low);

        /// <summary>t = −½·log2(e) − β²·z²/d, d = max(1 − κz², floor).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF Exponent(TF z, out TF d)
        {
            var q = TOps.Multiply(z, z);
            d = TOps.Max(TOps.NegatedMultiplyAdd(_shrink, q, One), _floor);
            return TOps.NegatedMultiplyAdd(TOps.Divide(q, d), _boost, _negativeHalfLog2E);
        }
    }

    /// <summary>The gradient constants in z units, broadcast; P divided by the plane's σ (<see cref="ExactVectors.WeightScale"/>).</summary>
    private readonly struct GradientVectors(in GateCoefficients gate, in EnergyConstants energy, in BackwardCoefficients coefficients, float weightScale)
    {
        public TF Slope { get; } = TOps.Create((float)(2 * gate.Root * energy.Boost / EnergyConstants.RootLog2E / weightScale));

        public TF NegativeCurvature { get; } = TOps.Create((float)(-coefficients.Slope * energy.Boost / EnergyConstants.RootLog2E));

        public TF NegativeOffset { get; } = TOps.Create((float)(-coefficients.Offset * energy.Boost));
    }
}
