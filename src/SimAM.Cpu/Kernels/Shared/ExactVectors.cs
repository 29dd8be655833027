using System.Runtime.CompilerServices;

namespace SimAM.Kernels;

/// <summary>
/// A plane's exact-variant constants as scalars, rounded once here for every float kernel that runs the exact variant
/// in vectors (the plane kernel per plane, the lane-per-plane kernel per lane), so that a plane's results depend only
/// on its statistics, whichever of them ran it. The kernels work in z = u·√log2(e).
/// </summary>
internal readonly struct ExactCoefficients
{
    public ExactCoefficients(in GateCoefficients gate)
    {
        GateRoot = gate.Root;
        MeanHigh = (float)gate.Mean;
        var scaledRoot = gate.Root * EnergyConstants.RootLog2E;
        Root = (float)scaledRoot;
        Low = (float)(-(gate.Mean - MeanHigh) * scaledRoot);
        WeightScale = Kernels.WeightScale.Of(Root);
    }

    /// <summary>Gets r = 1/(2√(v + λ)) of <see cref="GateCoefficients"/> (0 for a constant plane).</summary>
    public double GateRoot { get; }

    /// <summary>Gets μ rounded to float.</summary>
    public float MeanHigh { get; }

    /// <summary>Gets r′ = r·√log2(e) rounded to float.</summary>
    public float Root { get; }

    /// <summary>Gets −(μ − μ_hi)·r′ rounded to float, so that z = (x − μ_hi)·r′ + this.</summary>
    public float Low { get; }

    /// <summary>Gets σ, the power of two x is scaled by in the backward weight (<see cref="Kernels.WeightScale"/>).</summary>
    public float WeightScale { get; }

    /// <summary>
    /// Σ a°·z and Σ a°·z² back in the units of <see cref="BackwardCoefficients"/>: from z = u·√log2(e) to u, and from
    /// a° = σ·a to a' = 2r·a (dividing by the power of two σ is exact).
    /// </summary>
    public BackwardSums Sums(double weightedZ, double weightedZSquared)
    {
        var twoRoot = 2 * GateRoot / WeightScale;
        return new BackwardSums(twoRoot * weightedZ / EnergyConstants.RootLog2E, twoRoot * weightedZSquared / FastSigmoid.Log2E);
    }

    /// <summary>Gets P = 2rβ²/(σ·√log2e), the factor of a° in the gradient's slope.</summary>
    public float Slope(in EnergyConstants energy) => (float)(2 * GateRoot * energy.Boost / EnergyConstants.RootLog2E / WeightScale);

    /// <summary>Gets −D′ = −β²D/√log2e.</summary>
    public static float NegativeCurvature(in BackwardCoefficients coefficients, in EnergyConstants energy) =>
        (float)(-coefficients.Slope * energy.Boost / EnergyConstants.RootLog2E);

    /// <summary>Gets −B′ = −β²B.</summary>
    public static float NegativeOffset(in BackwardCoefficients coefficients, in EnergyConstants energy) => (float)(-coefficients.Offset * energy.Boost);
}

/// <summary>
/// The exact variant's constants that depend only on the plane size, broadcast, and the per-value steps built on them
/// alone: t from z, and the forward gate. Shared by every plane of a call (the lane-per-plane kernel's gate picks only
/// the centring constants per lane).
/// </summary>
internal readonly struct ExactEnergyVectors<TF, TD, TOps>
    where TF : struct
    where TD : struct
    where TOps : ISimdOps<TF, TD>
{
    private readonly TF _shrink;
    private readonly TF _boost;
    private readonly TF _floor;
    private readonly TF _negativeHalfLog2E;

    public ExactEnergyVectors(in EnergyConstants energy)
    {
        _shrink = TOps.Create((float)energy.Shrink);
        _boost = TOps.Create((float)energy.Boost);
        _floor = TOps.Create((float)EnergyConstants.Floor);
        _negativeHalfLog2E = TOps.Create((float)(-0.5 * FastSigmoid.Log2E));
        One = TOps.Create(1f);
    }

    public TF One { get; }

    /// <summary>t = −½·log2(e) − β²·z²/d, d = max(1 − κz², floor).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF Exponent(TF z, out TF d)
    {
        var q = TOps.Multiply(z, z);
        d = TOps.Max(TOps.NegatedMultiplyAdd(_shrink, q, One), _floor);
        return TOps.NegatedMultiplyAdd(TOps.Divide(q, d), _boost, _negativeHalfLog2E);
    }

    /// <summary>The forward gate y = x / (1 + 2^t) of values <paramref name="x"/> with scaled deviations <paramref name="z"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF Gate(TF x, TF z) => TOps.Divide(x, FastSigmoid.Denominator<TF, TD, TOps>(Exponent(z, out _)));
}

/// <summary>
/// A plane's exact-variant constants in vectors, and the per-value steps and passes of the exact variant built on them:
/// z, the gate, the weight a° and the backward passes. The plane kernel fills every lane with one plane's constants,
/// the lane-per-plane kernel likewise one plane after another from its batch's <see cref="ExactCoefficients"/>.
/// </summary>
internal readonly struct ExactVectors<TF, TD, TOps>
    where TF : struct
    where TD : struct
    where TOps : ISimdOps<TF, TD>
{
    private readonly TF _meanHigh;
    private readonly TF _root;
    private readonly TF _low;
    private readonly TF _scale;
    private readonly ExactEnergyVectors<TF, TD, TOps> _energy;

    public ExactVectors(in ExactCoefficients coefficients, in EnergyConstants energy)
    {
        _meanHigh = TOps.Create(coefficients.MeanHigh);
        _root = TOps.Create(coefficients.Root);
        _low = TOps.Create(coefficients.Low);
        _scale = TOps.Create(coefficients.WeightScale);
        _energy = new ExactEnergyVectors<TF, TD, TOps>(energy);
    }

    /// <summary>z = (x − μ_hi)·r′ + μ_lo·r′, μ split in two floats (the constants of <see cref="ExactCoefficients"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF Scaled(TF x, TF meanHigh, TF root, TF low) => TOps.MultiplyAdd(TOps.Subtract(x, meanHigh), root, low);

    /// <summary>z of this plane's values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF Scaled(TF x) => Scaled(x, _meanHigh, _root, _low);

    /// <summary>The forward gate y = x / (1 + 2^t).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF Gate(TF x) => _energy.Gate(x, Scaled(x));

    /// <summary>
    /// a° = g·(x·σ)·s(1 − s)/d², and z, s: σ is the plane's power of two of <see cref="ExactCoefficients.WeightScale"/>,
    /// so x·σ is exact where g·x alone could overflow float.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF Weight(TF x, TF g, out TF z, out TF s)
    {
        z = Scaled(x);
        var t = _energy.Exponent(z, out var d);
        var one = _energy.One;
        s = TOps.Divide(one, FastSigmoid.Denominator<TF, TD, TOps>(t));
        var a = TOps.Multiply(TOps.Multiply(g, TOps.Multiply(x, _scale)), TOps.Multiply(s, TOps.Subtract(one, s)));
        return TOps.Divide(a, TOps.Multiply(d, d));
    }

    /// <summary>
    /// The gradient step dx = g·s + z·(P·a° − D′) − B′ from s and a° (kept by the reduction pass or just computed):
    /// only z is recomputed, so a kept pair gives the same bits as recomputing it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF Gradient(TF g, TF z, TF sigmoid, TF weight, TF slope, TF negativeCurvature, TF negativeOffset) =>
        TOps.MultiplyAdd(g, sigmoid, TOps.MultiplyAdd(z, TOps.MultiplyAdd(slope, weight, negativeCurvature), negativeOffset));

    /// <summary>
    /// The reduction pass over one plane or chunk of at least a vector: Σ a°·z and Σ a°·z² in double, each vector's
    /// products widened and added (the overlapped last vector with the lanes already counted masked). With
    /// <paramref name="keep"/> it stores s and a° of every value and prefetches x and g <paramref name="ahead"/>
    /// elements further on. The sums are in z and a° units: <see cref="ExactCoefficients.Sums"/> converts them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (double WeightedZ, double WeightedZSquared) Sums(ref float x, ref float g, int length, bool keep, ref float keptSigmoid, ref float keptWeight, nuint ahead)
    {
        var width = (nuint)TOps.Count;
        var count = (nuint)length;
        TD r0 = default, r1 = default, q0 = default, q1 = default;
        nuint i = 0;
        for (; i + width <= count; i += width)
        {
            if (keep && Prefetch.StartsLine<TF, TD, TOps>(i))
            {
                Prefetch.Line(ref x, i + ahead);
                Prefetch.Line(ref g, i + ahead);
            }

            var a = Weight(TOps.Load(ref x, i), TOps.Load(ref g, i), out var z, out var s);
            if (keep)
            {
                TOps.Store(s, ref keptSigmoid, i);
                TOps.Store(a, ref keptWeight, i);
            }

            var weightedZ = TOps.Multiply(a, z);
            BackwardVectors<TF, TD, TOps>.Accumulate(weightedZ, TOps.Multiply(weightedZ, z), ref r0, ref r1, ref q0, ref q1);
        }

        if (i < count)
        {
            var start = count - width;
            var firstLane = (int)(width - (count - i));
            var a = Weight(TOps.Load(ref x, start), TOps.Load(ref g, start), out var z, out var s);
            if (keep)
            {
                TOps.Store(s, ref keptSigmoid, start);
                TOps.Store(a, ref keptWeight, start);
            }

            var weightedZ = TOps.Multiply(a, z);
            BackwardVectors<TF, TD, TOps>.Accumulate(TOps.KeepLanesFrom(weightedZ, firstLane), TOps.KeepLanesFrom(TOps.Multiply(weightedZ, z), firstLane), ref r0, ref r1, ref q0, ref q1);
        }

        return (TOps.SumDouble(TOps.AddDouble(r0, r1)), TOps.SumDouble(TOps.AddDouble(q0, q1)));
    }

    /// <summary>
    /// The gradient pass over one plane from the s and a° its reduction pass kept (<see cref="Gradient"/> per vector),
    /// written by <see cref="VectorWriter{TF, TD, TOps}"/>: dx may be x or g itself; only dx is prefetched (the
    /// reduction pass prefetched x and g), <paramref name="ahead"/> elements further on.
    /// </summary>
    // Its own method, with the writer's loops inlined into it: inlined into its caller, the JIT ran out of budget
    // and called the step for every vector.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public unsafe void WriteGradients(float* x, float* g, float* keptSigmoid, float* keptWeight, float* dx, nuint length, TF slope, TF negativeCurvature, TF negativeOffset, nuint ahead, bool streaming) =>
        VectorWriter<TF, TD, TOps>.Write(dx, length, ahead, streaming, new KeptGradientStep(this, x, g, keptSigmoid, keptWeight, slope, negativeCurvature, negativeOffset));

    /// <summary>One vector of <see cref="WriteGradients"/>.</summary>
    private readonly unsafe struct KeptGradientStep(ExactVectors<TF, TD, TOps> constants, float* x, float* g, float* keptSigmoid, float* keptWeight, TF slope, TF negativeCurvature, TF negativeOffset) : IVectorStep<TF>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF At(nuint index) =>
            Gradient(
                TOps.Load(ref *g, index), constants.Scaled(TOps.Load(ref *x, index)), TOps.Load(ref *keptSigmoid, index), TOps.Load(ref *keptWeight, index),
                slope, negativeCurvature, negativeOffset);

        public void Seek(nuint index)
        {
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF Next(nuint index) => At(index);

        public void Prefetch(nuint index)
        {
        }
    }
}
