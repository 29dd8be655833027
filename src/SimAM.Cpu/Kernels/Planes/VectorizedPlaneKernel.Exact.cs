using System.Runtime.CompilerServices;

namespace SimAM.Kernels.Planes;

/// <summary>
/// The exact variant of <see cref="VectorizedPlaneKernel{TF,TD,TOps,TNarrower}"/>: the same loops, with E from the
/// leave-one-out statistics. It works in z = u·√log2(e): t = −½·log2(e) − β²·z²/d with d = max(1 − κz², floor)
/// (<see cref="EnergyConstants"/>).
/// </summary>
internal readonly partial struct VectorizedPlaneKernel<TF, TD, TOps, TNarrower>
{
    /// <summary>The exact variant's Σ a°·z and Σ a°·z², returned in the units of <see cref="BackwardCoefficients"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static BackwardSums ExactSums(ref float x, ref float g, int length, in GateCoefficients gate, in EnergyConstants energy)
    {
        var width = TOps.Count;
        var count = length;
        var constants = new ExactVectors(gate, energy);
        TD r0 = default, r1 = default, q0 = default, q1 = default;
        var i = 0;
        for (; i + width <= count; i += width)
        {
            constants.Weighted(TOps.Load(ref x, (nuint)i), TOps.Load(ref g, (nuint)i), out var first, out var second);
            BackwardVectors<TF, TD, TOps>.Accumulate(first, second, ref r0, ref r1, ref q0, ref q1);
        }

        if (i < count)
        {
            var start = count - width;
            var firstLane = width - (count - i);
            constants.Weighted(TOps.Load(ref x, (nuint)start), TOps.Load(ref g, (nuint)start), out var first, out var second);
            BackwardVectors<TF, TD, TOps>.Accumulate(TOps.KeepLanesFrom(first, firstLane), TOps.KeepLanesFrom(second, firstLane), ref r0, ref r1, ref q0, ref q1);
        }

        // Back from z = u·√log2(e) to u, and from a° = σ·a to sums of a' = 2r·a: the units of BackwardCoefficients
        // (dividing by the power of two σ is exact).
        var twoRoot = 2 * gate.Root / constants.WeightScale;
        return new BackwardSums(
            twoRoot * TOps.SumDouble(TOps.AddDouble(r0, r1)) / EnergyConstants.RootLog2E,
            twoRoot * TOps.SumDouble(TOps.AddDouble(q0, q1)) / FastSigmoid.Log2E);
    }

    /// <summary>The exact forward gate y = x / (1 + 2^t).</summary>
    private readonly struct ExactGateOperator(in GateCoefficients gate, in EnergyConstants energy) : IElementwiseOperator
    {
        private readonly ExactVectors _constants = new(gate, energy);

        public static bool ReadsGradient => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF Invoke(TF x, TF g) =>
            TOps.Divide(x, FastSigmoid.Denominator<TF, TD, TOps>(_constants.Exponent(_constants.Scaled(x), out _)));
    }

    /// <summary>The exact gradient dx = g·s + z·(P·a° − D′) − B′ with P = 2rβ²/(σ·√log2e), D′ = β²D/√log2e, B′ = β²B.</summary>
    private readonly struct ExactGradientOperator : IElementwiseOperator
    {
        private readonly ExactVectors _constants;
        private readonly TF _slope;
        private readonly TF _negativeCurvature;
        private readonly TF _negativeOffset;

        public ExactGradientOperator(in GateCoefficients gate, in EnergyConstants energy, in BackwardCoefficients coefficients)
        {
            _constants = new ExactVectors(gate, energy);
            _slope = TOps.Create((float)(2 * gate.Root * energy.Boost / EnergyConstants.RootLog2E / _constants.WeightScale));
            _negativeCurvature = TOps.Create((float)(-coefficients.Slope * energy.Boost / EnergyConstants.RootLog2E));
            _negativeOffset = TOps.Create((float)(-coefficients.Offset * energy.Boost));
        }

        public static bool ReadsGradient => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF Invoke(TF x, TF g)
        {
            var a = _constants.Weight(x, g, out var z, out var s);
            var slope = TOps.MultiplyAdd(_slope, a, _negativeCurvature);
            return TOps.MultiplyAdd(g, s, TOps.MultiplyAdd(z, slope, _negativeOffset));
        }
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
        private readonly TF _one;
        private readonly TF _scale;

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
            _one = TOps.Create(1f);
            WeightScale = SimAM.Kernels.WeightScale.Of((float)scaledRoot);
            _scale = TOps.Create(WeightScale);
        }

        /// <summary>Gets σ, the power of two x is scaled by in the backward weight.</summary>
        public float WeightScale { get; }

        /// <summary>z = (x − μ_hi)·r′ + μ_lo·r′, μ split in two floats.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF Scaled(TF x) => TOps.MultiplyAdd(TOps.Subtract(x, _meanHigh), _root, _low);

        /// <summary>t = −½·log2(e) − β²·z²/d, d = max(1 − κz², floor).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF Exponent(TF z, out TF d)
        {
            var q = TOps.Multiply(z, z);
            d = TOps.Max(TOps.NegatedMultiplyAdd(_shrink, q, _one), _floor);
            return TOps.NegatedMultiplyAdd(TOps.Divide(q, d), _boost, _negativeHalfLog2E);
        }

        /// <summary>
        /// a° = g·(x·σ)·s(1 − s)/d², and z, s: σ is the plane's power of two of <see cref="WeightScale"/>, so x·σ is exact
        /// where g·x alone could overflow float.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF Weight(TF x, TF g, out TF z, out TF s)
        {
            z = Scaled(x);
            var t = Exponent(z, out var d);
            s = TOps.Divide(_one, FastSigmoid.Denominator<TF, TD, TOps>(t));
            var a = TOps.Multiply(TOps.Multiply(g, TOps.Multiply(x, _scale)), TOps.Multiply(s, TOps.Subtract(_one, s)));
            return TOps.Divide(a, TOps.Multiply(d, d));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Weighted(TF x, TF g, out TF weightedZ, out TF weightedZSquared)
        {
            var a = Weight(x, g, out var z, out _);
            weightedZ = TOps.Multiply(a, z);
            weightedZSquared = TOps.Multiply(weightedZ, z);
        }
    }
}
