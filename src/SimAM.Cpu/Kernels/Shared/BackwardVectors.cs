using System;
using System.Runtime.CompilerServices;

namespace SimAM.Kernels;

/// <summary>
/// A plane's backward constants in vectors, and the per-value steps of the backward pass built on them: u, s and
/// its slope, and a'. The backward pass needs u itself (not scaled by √log2(e) as the forward gate does), so it has
/// its own constants. Both the plane kernel and the lane-per-plane kernel fill every lane with one plane's constants
/// (the latter from its batch's vectors of lane constants, one plane after another).
/// </summary>
internal readonly struct BackwardVectors<TF, TD, TOps>
    where TF : struct
    where TD : struct
    where TOps : ISimdOps<TF, TD>
{
    private const float NegativeLog2E = (float)-FastSigmoid.Log2E;

    private readonly TF _first;
    private readonly TF _root;
    private readonly TF _second;
    private readonly TF _twoRoot;

    public BackwardVectors(in GateCoefficients gate)
    {
        var centring = new Centring<TF, TD, TOps>(gate.Mean, gate.Root);
        _first = TOps.Create(centring.First);
        _root = TOps.Create(centring.Root);
        _second = TOps.Create(centring.Second);
        _twoRoot = TOps.Create((float)(2 * gate.Root));
        One = TOps.Create(1f);
    }

    /// <summary>From constants already rounded as <see cref="Centring{TF, TD, TOps}"/> rounds them, and 2r as a float.</summary>
    public BackwardVectors(TF first, TF root, TF second, TF twoRoot)
    {
        _first = first;
        _root = root;
        _second = second;
        _twoRoot = twoRoot;
        One = TOps.Create(1f);
    }

    public TF One { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF Centred(TF x) => Centring<TF, TD, TOps>.Apply(x, _first, _root, _second);

    /// <summary>
    /// a' = 2r·a = g·(x·2r)·s(1 − s). Scaling by 2r before multiplying by g keeps every factor of
    /// order one: g·x alone overflows float for |g·x| &gt; 3.4e38 even when dx is small.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF ScaledWeight(TF x, TF g, TF slope) =>
        TOps.Multiply(g, TOps.Multiply(TOps.Multiply(x, _twoRoot), slope));

    /// <summary>
    /// s = 1/(1 + e) and its slope s(1 − s), the latter as e·s² from e = exp(−E) itself: 1 − s
    /// formed in float loses the relative precision of a small slope (s near 1), and on planes far
    /// from zero the backward pass multiplies the slope by x ≈ μ.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Sigmoid(TF u, out TF s, out TF slope)
    {
        var t = TOps.MultiplyAdd(u, TOps.Multiply(u, TOps.Create(NegativeLog2E)), TOps.Create(FastSigmoid.NegativeHalfLog2E));
        var e = FastSigmoid.Exp2OfFinite<TF, TD, TOps>(t);
        s = TOps.Divide(One, TOps.Add(One, e));
        slope = TOps.Multiply(TOps.Multiply(e, s), s);
    }

    /// <summary>
    /// The reduction pass's step for a vector of x and g: u, s, the scaled slope a', and the products a'·u and
    /// a'·u² it sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weighted(TF x, TF g, out TF weightedU, out TF weightedUSquared, out TF sigmoid, out TF weight)
    {
        var u = Centred(x);
        Sigmoid(u, out sigmoid, out var slope);
        weight = ScaledWeight(x, g, slope);
        weightedU = TOps.Multiply(weight, u);
        weightedUSquared = TOps.Multiply(weightedU, u);
    }

    /// <summary>
    /// The gradient step from a kept s and a': dx = g·s + u·(a' − D) − B, with only u recomputed (one FMA and one add
    /// instead of the exponential).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF Gradient(TF x, TF g, TF sigmoid, TF weight, TF negativeSlope, TF negativeOffset) =>
        TOps.MultiplyAdd(g, sigmoid, TOps.MultiplyAdd(Centred(x), TOps.Add(weight, negativeSlope), negativeOffset));

    /// <summary>
    /// The gradient pass over one plane from the s and a' its reduction pass kept (<see cref="Gradient"/> per vector),
    /// written by <see cref="VectorWriter{TF, TD, TOps}"/>: dx may be x or g itself; only dx is prefetched (the
    /// reduction pass prefetched x and g), <paramref name="ahead"/> elements further on.
    /// </summary>
    // Its own method, with the writer's loops inlined into it: inlined into its caller, the JIT ran out of budget
    // and called the step for every vector.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public unsafe void WriteGradients(float* x, float* g, float* keptSigmoid, float* keptWeight, float* dx, nuint length, TF negativeSlope, TF negativeOffset, nuint ahead, bool streaming) =>
        VectorWriter<TF, TD, TOps>.Write(dx, length, ahead, streaming, new KeptGradientStep(this, x, g, keptSigmoid, keptWeight, negativeSlope, negativeOffset));

    /// <summary>
    /// The reduction pass over one plane or chunk of at least a vector: recomputes s and accumulates Σ a'·u and
    /// Σ a'·u², the products summed in float over blocks of 4 vectors and the blocks in double; the overlapped last
    /// vector has the lanes already counted masked. With <paramref name="keep"/> it stores s and a' of every value and
    /// prefetches x and g <paramref name="ahead"/> elements further on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public BackwardSums Sums(ref float x, ref float g, int length, bool keep, ref float keptSigmoid, ref float keptWeight, nuint ahead)
    {
        var width = (nuint)TOps.Count;
        var count = (nuint)length;
        TD r0 = default, r1 = default, q0 = default, q1 = default;
        nuint i = 0;
        while (i + width <= count)
        {
            var blockEnd = Math.Min(i + (4 * width), count - (count % width));
            TF first = default, second = default;
            for (; i < blockEnd; i += width)
            {
                if (keep && Prefetch.StartsLine<TF, TD, TOps>(i))
                {
                    Prefetch.Line(ref x, i + ahead);
                    Prefetch.Line(ref g, i + ahead);
                }

                Weighted(TOps.Load(ref x, i), TOps.Load(ref g, i), out var weightedU, out var weightedU2, out var sigmoid, out var weight);
                if (keep)
                {
                    TOps.Store(sigmoid, ref keptSigmoid, i);
                    TOps.Store(weight, ref keptWeight, i);
                }

                first = TOps.Add(first, weightedU);
                second = TOps.Add(second, weightedU2);
            }

            Accumulate(first, second, ref r0, ref r1, ref q0, ref q1);
        }

        if (i < count)
        {
            var firstLane = (int)(width - (count - i));
            Weighted(TOps.Load(ref x, count - width), TOps.Load(ref g, count - width), out var weightedU, out var weightedU2, out var sigmoid, out var weight);
            if (keep)
            {
                TOps.Store(sigmoid, ref keptSigmoid, count - width);
                TOps.Store(weight, ref keptWeight, count - width);
            }

            Accumulate(TOps.KeepLanesFrom(weightedU, firstLane), TOps.KeepLanesFrom(weightedU2, firstLane), ref r0, ref r1, ref q0, ref q1);
        }

        return new BackwardSums(TOps.SumDouble(TOps.AddDouble(r0, r1)), TOps.SumDouble(TOps.AddDouble(q0, q1)));
    }

    /// <summary>Adds a block's float sums of a'·u and a'·u² into the double accumulators (the widened halves).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Accumulate(TF first, TF second, ref TD r0, ref TD r1, ref TD q0, ref TD q1)
    {
        TOps.Widen(first, out var lower, out var upper);
        r0 = TOps.AddDouble(r0, lower);
        r1 = TOps.AddDouble(r1, upper);
        TOps.Widen(second, out lower, out upper);
        q0 = TOps.AddDouble(q0, lower);
        q1 = TOps.AddDouble(q1, upper);
    }

    /// <summary>One vector of <see cref="WriteGradients"/>.</summary>
    private readonly unsafe struct KeptGradientStep(BackwardVectors<TF, TD, TOps> constants, float* x, float* g, float* keptSigmoid, float* keptWeight, TF negativeSlope, TF negativeOffset) : IVectorStep<TF>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF At(nuint index) =>
            constants.Gradient(TOps.Load(ref *x, index), TOps.Load(ref *g, index), TOps.Load(ref *keptSigmoid, index), TOps.Load(ref *keptWeight, index), negativeSlope, negativeOffset);

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
