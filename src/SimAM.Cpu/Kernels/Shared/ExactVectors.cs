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

    /// <summary>
    /// a° = g·(x·σ)·s(1 − s)/d² and s, from z and the plane's σ (<see cref="ExactCoefficients.WeightScale"/>): σ is a
    /// power of two, so x·σ is exact where g·x alone could overflow float.
    /// </summary>
    /// <remarks>
    /// The slope s(1 − s) is formed as e·s² from e = 2^t, as in the fast variant: 1 − s from a rounded s keeps few of
    /// its bits where s is near 1, and on planes far from zero x ≈ μ multiplies that error into terms that the
    /// gradient's corrections then cancel (the float exact backward reached 3.2× its bound at x = 100 + noise on 17
    /// values, 1.1–1.3× up to 196, with the rounded 1 − s).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF Weight(TF x, TF g, TF z, TF scale, out TF s)
    {
        var e = FastSigmoid.Exp2<TF, TD, TOps>(Exponent(z, out var d));
        s = TOps.Divide(One, TOps.Add(One, e));
        var a = TOps.Multiply(TOps.Multiply(g, TOps.Multiply(x, scale)), TOps.Multiply(TOps.Multiply(e, s), s));
        return TOps.Divide(a, TOps.Multiply(d, d));
    }
}

/// <summary>
/// z = (x − μ_hi)·r′ + μ_lo·r′ of one plane, its constants (<see cref="ExactCoefficients"/>) broadcast: all that the
/// passes which take s and a° from an earlier pass recompute. Small, so that those passes, which run once per plane of
/// a few vectors in the lane-per-plane kernel, copy three vectors rather than every exact constant.
/// </summary>
internal readonly struct ExactCentring<TF, TD, TOps>
    where TF : struct
    where TD : struct
    where TOps : ISimdOps<TF, TD>
{
    private readonly TF _meanHigh;
    private readonly TF _root;
    private readonly TF _low;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ExactCentring(in ExactCoefficients coefficients)
    {
        _meanHigh = TOps.Create(coefficients.MeanHigh);
        _root = TOps.Create(coefficients.Root);
        _low = TOps.Create(coefficients.Low);
    }

    /// <summary>z = (x − μ_hi)·r′ + μ_lo·r′, μ split in two floats (the constants of <see cref="ExactCoefficients"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF Scaled(TF x, TF meanHigh, TF root, TF low) => TOps.MultiplyAdd(TOps.Subtract(x, meanHigh), root, low);

    /// <summary>z of this plane's values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF Scaled(TF x) => Scaled(x, _meanHigh, _root, _low);
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
    private readonly ExactCentring<TF, TD, TOps> _centring;
    private readonly TF _scale;
    private readonly ExactEnergyVectors<TF, TD, TOps> _energy;

    public ExactVectors(in ExactCoefficients coefficients, in EnergyConstants energy)
        : this(coefficients, new ExactEnergyVectors<TF, TD, TOps>(energy))
    {
    }

    /// <summary>A plane's constants beside the ones every plane of the call shares (formed once per call).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ExactVectors(in ExactCoefficients coefficients, in ExactEnergyVectors<TF, TD, TOps> energy)
    {
        _centring = new ExactCentring<TF, TD, TOps>(coefficients);
        _scale = TOps.Create(coefficients.WeightScale);
        _energy = energy;
    }

    /// <summary>z of this plane's values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF Scaled(TF x) => _centring.Scaled(x);

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
        return _energy.Weight(x, g, z, _scale, out s);
    }

    /// <summary>
    /// The gradient step dx = g·s + z·(P·a° − D′) − B′ from s and a° (kept by the reduction pass or just computed):
    /// only z is recomputed, so a kept pair gives the same bits as recomputing it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF Gradient(TF g, TF z, TF sigmoid, TF weight, TF slope, TF negativeCurvature, TF negativeOffset) =>
        TOps.MultiplyAdd(g, sigmoid, TOps.MultiplyAdd(z, TOps.MultiplyAdd(slope, weight, negativeCurvature), negativeOffset));

    /// <summary>
    /// The reduction pass over one plane or chunk of at least a vector: Σ a°·z and Σ a°·z² (see
    /// <see cref="Sums{TWeights}"/>), a° computed here. With <paramref name="keep"/> it stores s and a° of every value
    /// and prefetches x and g <paramref name="ahead"/> elements further on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe (double WeightedZ, double WeightedZSquared) Sums(ref float x, ref float g, int length, bool keep, ref float keptSigmoid, ref float keptWeight, nuint ahead) =>
        Sums(
            new ComputedWeights(
                this, (float*)Unsafe.AsPointer(ref x), (float*)Unsafe.AsPointer(ref g), keep, (float*)Unsafe.AsPointer(ref keptSigmoid),
                (float*)Unsafe.AsPointer(ref keptWeight), ahead),
            (nuint)length);

    /// <summary>
    /// The reduction pass over one plane of at least a vector whose a° an earlier pass formed into
    /// <paramref name="keptWeight"/>: only z is recomputed, so the sums are the same bits as <see cref="Sums(ref float, ref float, int, bool, ref float, ref float, nuint)"/>'s.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe (double WeightedZ, double WeightedZSquared) KeptSums(in ExactCentring<TF, TD, TOps> centring, float* x, float* keptWeight, nuint length) =>
        Sums(new KeptWeights(centring, x, keptWeight), length);

    /// <summary>
    /// Σ a°·z and Σ a°·z² in double over one plane or chunk of at least a vector, each vector's products widened and
    /// added (the overlapped last vector with the lanes already counted masked), in z and a° units:
    /// <see cref="ExactCoefficients.Sums"/> converts them. Where a° comes from is the only difference between callers,
    /// so every caller sums in the same order and gets the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (double WeightedZ, double WeightedZSquared) Sums<TWeights>(TWeights weights, nuint count)
        where TWeights : struct, IWeights
    {
        var width = (nuint)TOps.Count;
        TD r0 = default, r1 = default, q0 = default, q1 = default;
        nuint i = 0;
        for (; i + width <= count; i += width)
        {
            var weightedZ = weights.At(i, out var z);
            BackwardVectors<TF, TD, TOps>.Accumulate(weightedZ, TOps.Multiply(weightedZ, z), ref r0, ref r1, ref q0, ref q1);
        }

        if (i < count)
        {
            var firstLane = (int)(width - (count - i));
            var weightedZ = weights.At(count - width, out var z);
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
    public static unsafe void WriteGradients(in ExactCentring<TF, TD, TOps> centring, float* x, float* g, float* keptSigmoid, float* keptWeight, float* dx, nuint length, TF slope, TF negativeCurvature, TF negativeOffset, nuint ahead, bool streaming) =>
        VectorWriter<TF, TD, TOps>.Write(dx, length, ahead, streaming, new KeptGradientStep(centring, x, g, keptSigmoid, keptWeight, slope, negativeCurvature, negativeOffset));

    /// <summary>Where <see cref="Sums{TWeights}"/> takes a° from.</summary>
    private interface IWeights
    {
        /// <summary>a°·z of the vector at <paramref name="index"/>, and its z.</summary>
        TF At(nuint index, out TF z);
    }

    /// <summary>a° computed from x and g, and kept (s and a°) when asked.</summary>
    private readonly unsafe struct ComputedWeights(ExactVectors<TF, TD, TOps> constants, float* x, float* g, bool keep, float* keptSigmoid, float* keptWeight, nuint ahead) : IWeights
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF At(nuint index, out TF z)
        {
            if (keep && Kernels.Prefetch.StartsLine<TF, TD, TOps>(index))
            {
                Kernels.Prefetch.Line(ref *x, index + ahead);
                Kernels.Prefetch.Line(ref *g, index + ahead);
            }

            var a = constants.Weight(TOps.Load(ref *x, index), TOps.Load(ref *g, index), out z, out var s);
            if (keep)
            {
                TOps.Store(s, ref *keptSigmoid, index);
                TOps.Store(a, ref *keptWeight, index);
            }

            return TOps.Multiply(a, z);
        }
    }

    /// <summary>a° kept by an earlier pass; z recomputed from x.</summary>
    private readonly unsafe struct KeptWeights(ExactCentring<TF, TD, TOps> centring, float* x, float* keptWeight) : IWeights
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF At(nuint index, out TF z)
        {
            z = centring.Scaled(TOps.Load(ref *x, index));
            return TOps.Multiply(TOps.Load(ref *keptWeight, index), z);
        }
    }

    /// <summary>One vector of <see cref="WriteGradients"/>.</summary>
    private readonly unsafe struct KeptGradientStep(ExactCentring<TF, TD, TOps> centring, float* x, float* g, float* keptSigmoid, float* keptWeight, TF slope, TF negativeCurvature, TF negativeOffset) : IVectorStep<TF>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF At(nuint index) =>
            Gradient(
                TOps.Load(ref *g, index), centring.Scaled(TOps.Load(ref *x, index)), TOps.Load(ref *keptSigmoid, index), TOps.Load(ref *keptWeight, index),
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
