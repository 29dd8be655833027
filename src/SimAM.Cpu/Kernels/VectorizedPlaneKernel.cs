using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SimAM.Kernels;

/// <summary>
/// The float kernels, written once for any SIMD width. Spans shorter than one vector go to
/// <typeparamref name="TNarrower"/> (the next narrower width, and finally the scalar kernel), so a
/// 512-bit call on a 2×3 plane is still correct and still vectorised.
/// </summary>
/// <remarks>
/// Tails are never a scalar loop. Reductions load the last full vector, which overlaps the previous
/// one, and mask the lanes already counted; elementwise passes recompute and re-store the overlapped
/// lanes, which gives the same bits. Because output may be the input buffer itself, that last
/// vector is loaded before the first store.
/// </remarks>
internal readonly struct VectorizedPlaneKernel<TF, TD, TOps, TNarrower> : IPlaneKernel<float>
    where TF : struct
    where TD : struct
    where TOps : ISimdOps<TF, TD>
    where TNarrower : IPlaneKernel<float>
{
    /// <inheritdoc/>
    public static ChunkMoments Moments(ReadOnlySpan<float> x) =>
        x.Length < TOps.Count
            ? TNarrower.Moments(x)
            : Moments(ref MemoryMarshal.GetReference(x), x.Length);

    /// <inheritdoc/>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, in GateCoefficients gate)
    {
        if (x.Length < TOps.Count)
        {
            TNarrower.Forward(x, y, gate);
            return;
        }

        Forward(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), x.Length, gate);
    }

    /// <inheritdoc/>
    public static BackwardSums BackwardSums(ReadOnlySpan<float> x, ReadOnlySpan<float> g, in GateCoefficients gate) =>
        x.Length < TOps.Count
            ? TNarrower.BackwardSums(x, g, gate)
            : BackwardSums(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(g), x.Length, gate);

    /// <inheritdoc/>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> dx, in GateCoefficients gate, in BackwardCoefficients coefficients)
    {
        if (x.Length < TOps.Count)
        {
            TNarrower.Backward(x, g, dx, gate, coefficients);
            return;
        }

        Backward(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(g), ref MemoryMarshal.GetReference(dx), x.Length, gate, coefficients);
    }

    /// <summary>Two passes over a cache-resident chunk: the mean first, then the centred squares, both in double.</summary>
    private static ChunkMoments Moments(ref float x, int length)
    {
        var width = (nuint)TOps.Count;
        var count = (nuint)length;

        // Four independent accumulators hide the latency of the adds; a 512-bit loop therefore keeps
        // 32 partial sums, which also keeps the rounding error of each one small.
        TD s0 = default, s1 = default, s2 = default, s3 = default;
        nuint i = 0;
        for (; i + (2 * width) <= count; i += 2 * width)
        {
            TOps.Widen(TOps.Load(ref x, i), out var lower0, out var upper0);
            TOps.Widen(TOps.Load(ref x, i + width), out var lower1, out var upper1);
            s0 = TOps.AddDouble(s0, lower0);
            s1 = TOps.AddDouble(s1, upper0);
            s2 = TOps.AddDouble(s2, lower1);
            s3 = TOps.AddDouble(s3, upper1);
        }

        if (i + width <= count)
        {
            TOps.Widen(TOps.Load(ref x, i), out var lower, out var upper);
            s0 = TOps.AddDouble(s0, lower);
            s1 = TOps.AddDouble(s1, upper);
            i += width;
        }

        if (i < count)
        {
            TOps.WidenFrom(TOps.Load(ref x, count - width), (int)(width - (count - i)), default, out var lower, out var upper);
            s2 = TOps.AddDouble(s2, lower);
            s3 = TOps.AddDouble(s3, upper);
        }

        var mean = TOps.SumDouble(TOps.AddDouble(TOps.AddDouble(s0, s1), TOps.AddDouble(s2, s3))) / length;

        // Second pass over the same chunk, now in L1: Σ (x − μ)² with μ in double.
        var centre = TOps.CreateDouble(mean);
        TD q0 = default, q1 = default, q2 = default, q3 = default;
        for (i = 0; i + (2 * width) <= count; i += 2 * width)
        {
            TOps.Widen(TOps.Load(ref x, i), out var lower0, out var upper0);
            TOps.Widen(TOps.Load(ref x, i + width), out var lower1, out var upper1);
            lower0 = TOps.SubtractDouble(lower0, centre);
            upper0 = TOps.SubtractDouble(upper0, centre);
            lower1 = TOps.SubtractDouble(lower1, centre);
            upper1 = TOps.SubtractDouble(upper1, centre);
            q0 = TOps.MultiplyAddDouble(lower0, lower0, q0);
            q1 = TOps.MultiplyAddDouble(upper0, upper0, q1);
            q2 = TOps.MultiplyAddDouble(lower1, lower1, q2);
            q3 = TOps.MultiplyAddDouble(upper1, upper1, q3);
        }

        if (i + width <= count)
        {
            TOps.Widen(TOps.Load(ref x, i), out var lower, out var upper);
            lower = TOps.SubtractDouble(lower, centre);
            upper = TOps.SubtractDouble(upper, centre);
            q0 = TOps.MultiplyAddDouble(lower, lower, q0);
            q1 = TOps.MultiplyAddDouble(upper, upper, q1);
            i += width;
        }

        if (i < count)
        {
            // Counted lanes become μ itself, so they contribute exactly zero.
            TOps.WidenFrom(TOps.Load(ref x, count - width), (int)(width - (count - i)), centre, out var lower, out var upper);
            lower = TOps.SubtractDouble(lower, centre);
            upper = TOps.SubtractDouble(upper, centre);
            q2 = TOps.MultiplyAddDouble(lower, lower, q2);
            q3 = TOps.MultiplyAddDouble(upper, upper, q3);
        }

        var sumOfSquares = TOps.SumDouble(TOps.AddDouble(TOps.AddDouble(q0, q1), TOps.AddDouble(q2, q3)));
        return new ChunkMoments(length, mean, sumOfSquares);
    }

    /// <summary>y = x·sigmoid(u² + ½), one pass, everything in registers.</summary>
    private static void Forward(ref float x, ref float y, int length, in GateCoefficients gate)
    {
        var width = (nuint)TOps.Count;
        var count = (nuint)length;
        var constants = new GateVectors(gate);

        var last = TOps.Load(ref x, count - width);
        for (nuint i = 0; i < count - width; i += width)
        {
            TOps.Store(Gate(TOps.Load(ref x, i), constants), ref y, i);
        }

        TOps.Store(Gate(last, constants), ref y, count - width);
    }

    /// <summary>The first backward pass: recomputes s and accumulates Σ a·u and Σ a·u² in double.</summary>
    private static BackwardSums BackwardSums(ref float x, ref float g, int length, in GateCoefficients gate)
    {
        var width = (nuint)TOps.Count;
        var count = (nuint)length;
        var constants = new GateVectors(gate);

        TD r0 = default, r1 = default, q0 = default, q1 = default;
        nuint i = 0;
        for (; i + width <= count; i += width)
        {
            Weighted(TOps.Load(ref x, i), TOps.Load(ref g, i), constants, out var weightedU, out var weightedU2);
            TOps.Widen(weightedU, out var lower, out var upper);
            r0 = TOps.AddDouble(r0, lower);
            r1 = TOps.AddDouble(r1, upper);
            TOps.Widen(weightedU2, out lower, out upper);
            q0 = TOps.AddDouble(q0, lower);
            q1 = TOps.AddDouble(q1, upper);
        }

        if (i < count)
        {
            var firstLane = (int)(width - (count - i));
            Weighted(TOps.Load(ref x, count - width), TOps.Load(ref g, count - width), constants, out var weightedU, out var weightedU2);
            TOps.WidenFrom(weightedU, firstLane, default, out var lower, out var upper);
            r0 = TOps.AddDouble(r0, lower);
            r1 = TOps.AddDouble(r1, upper);
            TOps.WidenFrom(weightedU2, firstLane, default, out lower, out upper);
            q0 = TOps.AddDouble(q0, lower);
            q1 = TOps.AddDouble(q1, upper);
        }

        return new BackwardSums(TOps.SumDouble(TOps.AddDouble(r0, r1)), TOps.SumDouble(TOps.AddDouble(q0, q1)));
    }

    /// <summary>The second backward pass: dx = g·s + u·(2r·a − D) − B, elementwise.</summary>
    private static void Backward(ref float x, ref float g, ref float dx, int length, in GateCoefficients gate, in BackwardCoefficients coefficients)
    {
        var width = (nuint)TOps.Count;
        var count = (nuint)length;
        var constants = new GateVectors(gate);
        var twoRoot = TOps.Create((float)coefficients.TwoRoot);
        var negativeSlope = TOps.Create((float)-coefficients.Slope);
        var negativeOffset = TOps.Create((float)-coefficients.Offset);

        // dx may be x or g itself: read the overlapped last vectors before anything is stored.
        var lastX = TOps.Load(ref x, count - width);
        var lastG = TOps.Load(ref g, count - width);
        for (nuint i = 0; i < count - width; i += width)
        {
            TOps.Store(Gradient(TOps.Load(ref x, i), TOps.Load(ref g, i), constants, twoRoot, negativeSlope, negativeOffset), ref dx, i);
        }

        TOps.Store(Gradient(lastX, lastG, constants, twoRoot, negativeSlope, negativeOffset), ref dx, count - width);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF Centred(TF x, in GateVectors constants) =>
        // u = (x − μ_hi)·r − μ_lo·r. μ is split into two floats because rounding μ to one float
        // would shift every u by up to ulp(μ)·r: on x = 100 + noise that alone breaks the 2e-7 bound.
        TOps.MultiplyAdd(TOps.Subtract(x, constants.MeanHigh), constants.Root, constants.MeanLowTimesRoot);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF Gate(TF x, in GateVectors constants)
    {
        var u = Centred(x, constants);
        var energy = TOps.MultiplyAdd(u, u, constants.Half);
        return TOps.Multiply(x, FastSigmoid.OfEnergy<TF, TD, TOps>(energy));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Weighted(TF x, TF g, in GateVectors constants, out TF weightedU, out TF weightedUSquared)
    {
        var u = Centred(x, constants);
        var s = FastSigmoid.OfEnergy<TF, TD, TOps>(TOps.MultiplyAdd(u, u, constants.Half));
        var a = TOps.Multiply(TOps.Multiply(g, x), TOps.Multiply(s, TOps.Subtract(constants.One, s)));
        weightedU = TOps.Multiply(a, u);
        weightedUSquared = TOps.Multiply(weightedU, u);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF Gradient(TF x, TF g, in GateVectors constants, TF twoRoot, TF negativeSlope, TF negativeOffset)
    {
        var u = Centred(x, constants);
        var s = FastSigmoid.OfEnergy<TF, TD, TOps>(TOps.MultiplyAdd(u, u, constants.Half));
        var a = TOps.Multiply(TOps.Multiply(g, x), TOps.Multiply(s, TOps.Subtract(constants.One, s)));
        var slope = TOps.MultiplyAdd(twoRoot, a, negativeSlope);
        return TOps.MultiplyAdd(g, s, TOps.MultiplyAdd(u, slope, negativeOffset));
    }

    /// <summary>The gate constants broadcast once per call.</summary>
    private readonly struct GateVectors
    {
        public GateVectors(in GateCoefficients gate)
        {
            var meanHigh = (float)gate.Mean;
            var meanLow = (float)(gate.Mean - meanHigh);
            var root = (float)gate.Root;
            MeanHigh = TOps.Create(meanHigh);
            Root = TOps.Create(root);
            MeanLowTimesRoot = TOps.Create(-meanLow * root);
            Half = TOps.Create(0.5f);
            One = TOps.Create(1f);
        }

        public TF MeanHigh { get; }

        public TF Root { get; }

        public TF MeanLowTimesRoot { get; }

        public TF Half { get; }

        public TF One { get; }
    }
}
