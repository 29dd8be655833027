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
/// <para>
/// Tails are never a scalar loop. Reductions load the last full vector, which overlaps the previous
/// one, and mask the lanes already counted; elementwise passes recompute and re-store the overlapped
/// lanes, which gives the same bits. Because output may be the input buffer itself, that last
/// vector is loaded before the first store.
/// </para>
/// <para>
/// Each pass is its own small method with a single loop: kept apart, the JIT holds every accumulator
/// in a register; merged into one method it spilled them to the stack inside the loop.
/// </para>
/// </remarks>
internal readonly struct VectorizedPlaneKernel<TF, TD, TOps, TNarrower> : IPlaneKernel<float>
    where TF : struct
    where TD : struct
    where TOps : ISimdOps<TF, TD>
    where TNarrower : IPlaneKernel<float>
{
    /// <summary>−½·log2(e), the constant part of t = −E·log2(e) = −(u² + ½)·log2(e).</summary>
    private const float NegativeHalfLog2E = (float)(-0.5 * FastSigmoid.Log2E);

    private const float NegativeLog2E = (float)-FastSigmoid.Log2E;

    /// <inheritdoc/>
    public static ChunkMoments Moments(ReadOnlySpan<float> x)
    {
        if (x.Length < TOps.Count)
        {
            return TNarrower.Moments(x);
        }

        ref var start = ref MemoryMarshal.GetReference(x);
        var mean = Sum(ref start, x.Length) / x.Length;
        return new ChunkMoments(x.Length, mean, CentredSquares(ref start, x.Length, mean));
    }

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

    /// <summary>Σx in double: the mean needs full precision (an error δ in μ shifts every E to first order).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double Sum(ref float x, int length)
    {
        var width = (nuint)TOps.Count;
        var count = (nuint)length;

        // Four independent accumulators hide the latency of the adds.
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
            var tail = TOps.KeepLanesFrom(TOps.Load(ref x, count - width), (int)(width - (count - i)));
            TOps.Widen(tail, out var lower, out var upper);
            s2 = TOps.AddDouble(s2, lower);
            s3 = TOps.AddDouble(s3, upper);
        }

        return TOps.SumDouble(TOps.AddDouble(TOps.AddDouble(s0, s1), TOps.AddDouble(s2, s3)));
    }

    /// <summary>
    /// Σ(x − μ)², the chunk now in L1. Squares are summed in float over blocks of 8 vectors (8 terms per
    /// lane, relative error below 5e-7 per block, all terms positive) and the blocks in double. c is
    /// x minus μ rounded to float: that shifts every c by one δ, which moves Σc² only by S·δ² because
    /// Σc = 0 — second order, unlike the mean.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double CentredSquares(ref float x, int length, double mean)
    {
        var width = (nuint)TOps.Count;
        var count = (nuint)length;
        var centre = TOps.Create((float)mean);

        TD q0 = default, q1 = default;
        nuint i = 0;
        for (; i + (8 * width) <= count; i += 8 * width)
        {
            var c0 = TOps.Subtract(TOps.Load(ref x, i), centre);
            var c1 = TOps.Subtract(TOps.Load(ref x, i + width), centre);
            var a0 = TOps.Multiply(c0, c0);
            var a1 = TOps.Multiply(c1, c1);
            c0 = TOps.Subtract(TOps.Load(ref x, i + (2 * width)), centre);
            c1 = TOps.Subtract(TOps.Load(ref x, i + (3 * width)), centre);
            a0 = TOps.MultiplyAdd(c0, c0, a0);
            a1 = TOps.MultiplyAdd(c1, c1, a1);
            c0 = TOps.Subtract(TOps.Load(ref x, i + (4 * width)), centre);
            c1 = TOps.Subtract(TOps.Load(ref x, i + (5 * width)), centre);
            a0 = TOps.MultiplyAdd(c0, c0, a0);
            a1 = TOps.MultiplyAdd(c1, c1, a1);
            c0 = TOps.Subtract(TOps.Load(ref x, i + (6 * width)), centre);
            c1 = TOps.Subtract(TOps.Load(ref x, i + (7 * width)), centre);
            a0 = TOps.MultiplyAdd(c0, c0, a0);
            a1 = TOps.MultiplyAdd(c1, c1, a1);
            TOps.Widen(TOps.Add(a0, a1), out var lower, out var upper);
            q0 = TOps.AddDouble(q0, lower);
            q1 = TOps.AddDouble(q1, upper);
        }

        // Fewer than 8 vectors left: one last float block, including the masked tail.
        var rest = default(TF);
        for (; i + width <= count; i += width)
        {
            var c = TOps.Subtract(TOps.Load(ref x, i), centre);
            rest = TOps.MultiplyAdd(c, c, rest);
        }

        if (i < count)
        {
            var c = TOps.KeepLanesFrom(TOps.Subtract(TOps.Load(ref x, count - width), centre), (int)(width - (count - i)));
            rest = TOps.MultiplyAdd(c, c, rest);
        }

        TOps.Widen(rest, out var restLower, out var restUpper);
        return TOps.SumDouble(TOps.AddDouble(TOps.AddDouble(q0, restLower), TOps.AddDouble(q1, restUpper)));
    }

    /// <summary>y = x / (1 + 2^t), t = −(u² + ½)·log2(e): one pass, everything in registers.</summary>
    private static void Forward(ref float x, ref float y, int length, in GateCoefficients gate) =>
        Elementwise(ref x, ref x, ref y, length, gate.StreamOutput, new GateOperator(gate));

    /// <summary>
    /// The one elementwise loop, for the forward gate and the backward gradient alike. Output may be an
    /// input buffer itself, so the overlapped last vector (and, when streaming, the unaligned first one)
    /// is loaded before anything is stored. The operator comes by value: through a reference, the JIT
    /// must assume each store may change it and reloads its constants on every iteration.
    /// </summary>
    private static void Elementwise<TOperator>(ref float x, ref float g, ref float destination, int length, bool stream, TOperator op)
        where TOperator : struct, IElementwiseOperator
    {
        var width = (nuint)TOps.Count;
        var count = (nuint)length;
        var lastX = TOps.Load(ref x, count - width);
        var lastG = TOperator.ReadsGradient ? TOps.Load(ref g, count - width) : lastX;

        if (stream && IsElementAligned(ref destination))
        {
            // Aligned non-temporal stores from the first aligned element on; the unaligned head and the
            // tail are stored normally at the end.
            var firstX = TOps.Load(ref x, 0);
            var firstG = TOperator.ReadsGradient ? TOps.Load(ref g, 0) : firstX;
            var i = AlignedStart(ref destination);
            for (; i + width <= count; i += width)
            {
                var xi = TOps.Load(ref x, i);
                TOps.StoreAlignedNonTemporal(op.Invoke(xi, TOperator.ReadsGradient ? TOps.Load(ref g, i) : xi), ref destination, i);
            }

            TOps.Store(op.Invoke(firstX, firstG), ref destination, 0);
        }
        else
        {
            for (nuint i = 0; i < count - width; i += width)
            {
                var xi = TOps.Load(ref x, i);
                TOps.Store(op.Invoke(xi, TOperator.ReadsGradient ? TOps.Load(ref g, i) : xi), ref destination, i);
            }
        }

        TOps.Store(op.Invoke(lastX, lastG), ref destination, count - width);
    }

    /// <summary>Buffers of floats are always 4-byte aligned unless they were carved from raw memory by hand.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe bool IsElementAligned(ref float destination) => (nuint)Unsafe.AsPointer(ref destination) % sizeof(float) == 0;

    /// <summary>The index of the first element of <paramref name="destination"/> on a vector-size boundary.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe nuint AlignedStart(ref float destination)
    {
        var bytes = (nuint)TOps.Count * sizeof(float);
        var misalignment = (nuint)Unsafe.AsPointer(ref destination) % bytes;
        return misalignment == 0 ? 0 : (bytes - misalignment) / sizeof(float);
    }

    /// <summary>The first backward pass: recomputes s and accumulates Σ a·u and Σ a·u².</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static BackwardSums BackwardSums(ref float x, ref float g, int length, in GateCoefficients gate)
    {
        var width = (nuint)TOps.Count;
        var count = (nuint)length;
        var constants = new BackwardVectors(gate);

        // Products are summed in float over blocks of 4 vectors, the blocks in double.
        TD r0 = default, r1 = default, q0 = default, q1 = default;
        nuint i = 0;
        while (i + width <= count)
        {
            var blockEnd = Math.Min(i + (4 * width), count - (count % width));
            TF first = default, second = default;
            for (; i < blockEnd; i += width)
            {
                Weighted(TOps.Load(ref x, i), TOps.Load(ref g, i), constants, out var weightedU, out var weightedU2);
                first = TOps.Add(first, weightedU);
                second = TOps.Add(second, weightedU2);
            }

            Accumulate(first, second, ref r0, ref r1, ref q0, ref q1);
        }

        if (i < count)
        {
            var firstLane = (int)(width - (count - i));
            Weighted(TOps.Load(ref x, count - width), TOps.Load(ref g, count - width), constants, out var weightedU, out var weightedU2);
            Accumulate(TOps.KeepLanesFrom(weightedU, firstLane), TOps.KeepLanesFrom(weightedU2, firstLane), ref r0, ref r1, ref q0, ref q1);
        }

        return new BackwardSums(TOps.SumDouble(TOps.AddDouble(r0, r1)), TOps.SumDouble(TOps.AddDouble(q0, q1)));
    }

    /// <summary>The second backward pass: dx = g·s + u·(2r·a − D) − B, elementwise.</summary>
    private static void Backward(ref float x, ref float g, ref float dx, int length, in GateCoefficients gate, in BackwardCoefficients coefficients) =>
        Elementwise(ref x, ref g, ref dx, length, gate.StreamOutput, new GradientOperator(gate, coefficients));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Weighted(TF x, TF g, in BackwardVectors constants, out TF weightedU, out TF weightedUSquared)
    {
        var u = constants.Centred(x);
        var s = constants.Sigmoid(u);
        var a = TOps.Multiply(TOps.Multiply(g, x), TOps.Multiply(s, TOps.Subtract(constants.One, s)));
        weightedU = TOps.Multiply(a, u);
        weightedUSquared = TOps.Multiply(weightedU, u);
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

    /// <summary>What one step of <see cref="Elementwise"/> computes from a vector of x (and of g).</summary>
    private interface IElementwiseOperator
    {
        /// <summary>Gets a value indicating whether the operator reads g (the JIT drops the load when not).</summary>
        static abstract bool ReadsGradient { get; }

        TF Invoke(TF x, TF g);
    }

    /// <summary>The forward gate y = x / (1 + 2^t).</summary>
    private readonly struct GateOperator : IElementwiseOperator
    {
        private readonly TF _meanHigh;
        private readonly TF _scaledRoot;
        private readonly TF _scaledLow;
        private readonly TF _negativeHalfLog2E;

        public GateOperator(in GateCoefficients gate)
        {
            // u is scaled by √log2(e) so that t = −u² − ½·log2(e) is a single fused multiply-add.
            var meanHigh = (float)gate.Mean;
            var scaledRoot = (float)(gate.Root * Math.Sqrt(FastSigmoid.Log2E));
            _meanHigh = TOps.Create(meanHigh);
            _scaledRoot = TOps.Create(scaledRoot);
            _scaledLow = TOps.Create(-(float)(gate.Mean - meanHigh) * scaledRoot);
            _negativeHalfLog2E = TOps.Create(NegativeHalfLog2E);
        }

        public static bool ReadsGradient => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF Invoke(TF x, TF g)
        {
            // u·√log2(e) = (x − μ_hi)·r' − μ_lo·r'. μ is split into two floats because rounding μ to one
            // float would shift every u by up to ulp(μ)·r: on x = 100 + noise that alone breaks the 2e-7 bound.
            var u = TOps.MultiplyAdd(TOps.Subtract(x, _meanHigh), _scaledRoot, _scaledLow);
            var t = TOps.NegatedMultiplyAdd(u, u, _negativeHalfLog2E);
            return TOps.Divide(x, FastSigmoid.Denominator<TF, TD, TOps>(t));
        }
    }

    /// <summary>The backward gradient dx = g·s + u·(2r·a − D) − B.</summary>
    private readonly struct GradientOperator(in GateCoefficients gate, in BackwardCoefficients coefficients) : IElementwiseOperator
    {
        private readonly BackwardVectors _constants = new(gate);
        private readonly TF _twoRoot = TOps.Create((float)coefficients.TwoRoot);
        private readonly TF _negativeSlope = TOps.Create((float)-coefficients.Slope);
        private readonly TF _negativeOffset = TOps.Create((float)-coefficients.Offset);

        public static bool ReadsGradient => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF Invoke(TF x, TF g)
        {
            var u = _constants.Centred(x);
            var s = _constants.Sigmoid(u);
            var a = TOps.Multiply(TOps.Multiply(g, x), TOps.Multiply(s, TOps.Subtract(_constants.One, s)));
            var slope = TOps.MultiplyAdd(_twoRoot, a, _negativeSlope);
            return TOps.MultiplyAdd(g, s, TOps.MultiplyAdd(u, slope, _negativeOffset));
        }
    }

    /// <summary>The backward pass needs u itself (not scaled), so it has its own constants.</summary>
    private readonly struct BackwardVectors
    {
        private readonly TF _meanHigh;
        private readonly TF _root;
        private readonly TF _low;

        public BackwardVectors(in GateCoefficients gate)
        {
            var meanHigh = (float)gate.Mean;
            var root = (float)gate.Root;
            _meanHigh = TOps.Create(meanHigh);
            _root = TOps.Create(root);
            _low = TOps.Create(-(float)(gate.Mean - meanHigh) * root);
            One = TOps.Create(1f);
        }

        public TF One { get; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF Centred(TF x) => TOps.MultiplyAdd(TOps.Subtract(x, _meanHigh), _root, _low);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF Sigmoid(TF u)
        {
            var t = TOps.MultiplyAdd(u, TOps.Multiply(u, TOps.Create(NegativeLog2E)), TOps.Create(NegativeHalfLog2E));
            return TOps.Divide(One, FastSigmoid.Denominator<TF, TD, TOps>(t));
        }
    }
}
