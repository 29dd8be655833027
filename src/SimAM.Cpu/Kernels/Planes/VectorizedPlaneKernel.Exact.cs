using System.Runtime.CompilerServices;

namespace SimAM.Kernels.Planes;

/// <summary>
/// The exact variant of <see cref="VectorizedPlaneKernel{TF,TD,TOps,TNarrower}"/>: the same loops, with E from the
/// leave-one-out statistics. It works in z = u·√log2(e): t = −½·log2(e) − β²·z²/d with d = max(1 − κz², floor)
/// (<see cref="EnergyConstants"/>). The steps themselves are <see cref="ExactVectors{TF, TD, TOps}"/>, shared with the
/// lane-per-plane kernel.
/// </summary>
internal readonly partial struct VectorizedPlaneKernel<TF, TD, TOps, TNarrower>
{
    /// <summary>
    /// The exact variant's Σ a°·z and Σ a°·z², returned in the units of <see cref="BackwardCoefficients"/>. With
    /// <paramref name="keep"/> it keeps s and a° of every value for <see cref="ExactBackwardFromKept"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static BackwardSums ExactSums(ref float x, ref float g, int length, in GateCoefficients gate, in EnergyConstants energy, bool keep, ref float keptSigmoid, ref float keptWeight, nuint ahead)
    {
        var coefficients = new ExactCoefficients(gate);
        var (weightedZ, weightedZSquared) = new ExactVectors<TF, TD, TOps>(coefficients, energy).Sums(ref x, ref g, length, keep, ref keptSigmoid, ref keptWeight, ahead);
        return coefficients.Sums(weightedZ, weightedZSquared);
    }

    /// <summary>
    /// The exact elementwise backward pass from the s and a° the reduction pass kept, with only z recomputed (the
    /// exponential and the three divisions per value are not evaluated again). dx may be x or g itself.
    /// </summary>
    private static unsafe void ExactBackwardFromKept(ref float x, ref float g, ref float keptSigmoid, ref float keptWeight, ref float dx, int length, nuint ahead, bool streaming, in GateCoefficients gate, in EnergyConstants energy, in BackwardCoefficients backward)
    {
        var coefficients = new ExactCoefficients(gate);
        ExactVectors<TF, TD, TOps>.WriteGradients(
            new ExactCentring<TF, TD, TOps>(coefficients), (float*)Unsafe.AsPointer(ref x), (float*)Unsafe.AsPointer(ref g), (float*)Unsafe.AsPointer(ref keptSigmoid), (float*)Unsafe.AsPointer(ref keptWeight),
            (float*)Unsafe.AsPointer(ref dx), (nuint)length, TOps.Create(coefficients.Slope(energy)), TOps.Create(ExactCoefficients.NegativeCurvature(backward, energy)),
            TOps.Create(ExactCoefficients.NegativeOffset(backward, energy)), ahead, streaming);
    }

    /// <summary>The exact forward gate y = x / (1 + 2^t).</summary>
    private readonly struct ExactGateOperator(in GateCoefficients gate, in EnergyConstants energy) : IElementwiseOperator
    {
        private readonly ExactVectors<TF, TD, TOps> _constants = new(new ExactCoefficients(gate), energy);

        public static bool ReadsGradient => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF Invoke(TF x, TF g) => _constants.Gate(x);
    }

    /// <summary>The exact gradient dx = g·s + z·(P·a° − D′) − B′ with P = 2rβ²/(σ·√log2e), D′ = β²D/√log2e, B′ = β²B.</summary>
    private readonly struct ExactGradientOperator : IElementwiseOperator
    {
        private readonly ExactVectors<TF, TD, TOps> _constants;
        private readonly TF _slope;
        private readonly TF _negativeCurvature;
        private readonly TF _negativeOffset;

        public ExactGradientOperator(in GateCoefficients gate, in EnergyConstants energy, in BackwardCoefficients coefficients)
        {
            var exact = new ExactCoefficients(gate);
            _constants = new ExactVectors<TF, TD, TOps>(exact, energy);
            _slope = TOps.Create(exact.Slope(energy));
            _negativeCurvature = TOps.Create(ExactCoefficients.NegativeCurvature(coefficients, energy));
            _negativeOffset = TOps.Create(ExactCoefficients.NegativeOffset(coefficients, energy));
        }

        public static bool ReadsGradient => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF Invoke(TF x, TF g)
        {
            var a = _constants.Weight(x, g, out var z, out var s);
            return ExactVectors<TF, TD, TOps>.Gradient(g, z, s, a, _slope, _negativeCurvature, _negativeOffset);
        }
    }
}
