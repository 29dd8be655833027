using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SimAM.Kernels.Planes;

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
internal readonly partial struct VectorizedPlaneKernel<TF, TD, TOps, TNarrower> : IPlaneKernel<float>
    where TF : struct
    where TD : struct
    where TOps : ISimdOps<TF, TD>
    where TNarrower : IPlaneKernel<float>
{
    /// <inheritdoc/>
    public static ChunkMoments Moments(ReadOnlySpan<float> x)
    {
        if (x.Length < TOps.Count)
        {
            return TNarrower.Moments(x);
        }

        return ShiftedMoments(ref MemoryMarshal.GetReference(x), x.Length);
    }

    /// <inheritdoc/>
    public static void Forward<TVariant>(ReadOnlySpan<float> x, Span<float> y, in GateCoefficients gate, in EnergyConstants energy, int prefetchAhead, bool streaming)
        where TVariant : IEnergy
    {
        if (x.Length < TOps.Count)
        {
            TNarrower.Forward<TVariant>(x, y, gate, energy, prefetchAhead, streaming);
        }
        else if (TVariant.IsExact)
        {
            Elementwise(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), x.Length, (nuint)prefetchAhead, streaming, new ExactGateOperator(gate, energy));
        }
        else
        {
            Elementwise(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), x.Length, (nuint)prefetchAhead, streaming, new GateOperator(gate));
        }
    }

    /// <inheritdoc/>
    public static BackwardSums BackwardSums<TVariant>(ReadOnlySpan<float> x, ReadOnlySpan<float> g, in GateCoefficients gate, in EnergyConstants energy)
        where TVariant : IEnergy =>
        TVariant.IsExact
            ? x.Length < TOps.Count
                ? TNarrower.BackwardSums<TVariant>(x, g, gate, energy)
                : ExactSums(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(g), x.Length, gate, energy, false, ref Unsafe.NullRef<float>(), ref Unsafe.NullRef<float>(), 0)
            : x.Length < SmallPlaneBackward.Limit
            ? SmallPlaneBackward.BackwardSums(x, g, gate)
            : x.Length < TOps.Count
            ? TNarrower.BackwardSums<TVariant>(x, g, gate, energy)
            : BackwardSums(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(g), x.Length, gate, false, ref Unsafe.NullRef<float>(), ref Unsafe.NullRef<float>(), 0);

    /// <inheritdoc/>
    public static bool KeepsValues => true;

    /// <inheritdoc/>
    /// <remarks>
    /// Spans shorter than a vector go to <typeparamref name="TNarrower"/>'s overloads that keep nothing. The exact
    /// variant keeps s and a° (its weight before the slope P), which spares its elementwise pass the exponential and
    /// three divisions per value; its small planes never take <see cref="SmallPlaneBackward"/> (they run in double
    /// before they reach a float kernel).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BackwardSums BackwardSums<TVariant>(ReadOnlySpan<float> x, ReadOnlySpan<float> g, in GateCoefficients gate, in EnergyConstants energy, Span<float> keptSigmoid, Span<float> keptWeight, int prefetchAhead)
        where TVariant : IEnergy =>
        TVariant.IsExact
            ? x.Length < TOps.Count
                ? TNarrower.BackwardSums<TVariant>(x, g, gate, energy)
                : ExactSums(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(g), x.Length, gate, energy, true, ref MemoryMarshal.GetReference(keptSigmoid), ref MemoryMarshal.GetReference(keptWeight), (nuint)prefetchAhead)
            : x.Length < SmallPlaneBackward.Limit
            ? SmallPlaneBackward.BackwardSums(x, g, gate, keptSigmoid, keptWeight)
            : x.Length < TOps.Count
            ? TNarrower.BackwardSums<TVariant>(x, g, gate, energy)
            : BackwardSums(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(g), x.Length, gate, true, ref MemoryMarshal.GetReference(keptSigmoid), ref MemoryMarshal.GetReference(keptWeight), (nuint)prefetchAhead);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward<TVariant>(ReadOnlySpan<float> x, ReadOnlySpan<float> g, ReadOnlySpan<float> keptSigmoid, ReadOnlySpan<float> keptWeight, Span<float> dx, in GateCoefficients gate, in EnergyConstants energy, in BackwardCoefficients coefficients, int prefetchAhead, bool streaming)
        where TVariant : IEnergy
    {
        if (TVariant.IsExact)
        {
            if (x.Length < TOps.Count)
            {
                TNarrower.Backward<TVariant>(x, g, dx, gate, energy, coefficients, prefetchAhead, streaming);
            }
            else
            {
                ExactBackwardFromKept(
                    ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(g), ref MemoryMarshal.GetReference(keptSigmoid),
                    ref MemoryMarshal.GetReference(keptWeight), ref MemoryMarshal.GetReference(dx), x.Length, (nuint)prefetchAhead, streaming, gate, energy, coefficients);
            }
        }
        else if (x.Length < SmallPlaneBackward.Limit)
        {
            SmallPlaneBackward.Backward(x, g, keptSigmoid, keptWeight, dx, gate, coefficients);
        }
        else if (x.Length < TOps.Count)
        {
            TNarrower.Backward<TVariant>(x, g, dx, gate, energy, coefficients, prefetchAhead, streaming);
        }
        else
        {
            BackwardFromKept(
                ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(g), ref MemoryMarshal.GetReference(keptSigmoid),
                ref MemoryMarshal.GetReference(keptWeight), ref MemoryMarshal.GetReference(dx), x.Length, (nuint)prefetchAhead, streaming, gate, coefficients);
        }
    }

    /// <inheritdoc/>
    public static void Backward<TVariant>(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> dx, in GateCoefficients gate, in EnergyConstants energy, in BackwardCoefficients coefficients, int prefetchAhead, bool streaming)
        where TVariant : IEnergy
    {
        if (!TVariant.IsExact && x.Length < SmallPlaneBackward.Limit)
        {
            SmallPlaneBackward.Backward(x, g, dx, gate, coefficients);
        }
        else if (x.Length < TOps.Count)
        {
            TNarrower.Backward<TVariant>(x, g, dx, gate, energy, coefficients, prefetchAhead, streaming);
        }
        else if (TVariant.IsExact)
        {
            Elementwise(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(g), ref MemoryMarshal.GetReference(dx), x.Length, (nuint)prefetchAhead, streaming, new ExactGradientOperator(gate, energy, coefficients));
        }
        else
        {
            Elementwise(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(g), ref MemoryMarshal.GetReference(dx), x.Length, (nuint)prefetchAhead, streaming, new GradientOperator(gate, coefficients));
        }
    }

    /// <inheritdoc/>
    public static int PlanesPerLaneBatch(int planeSize) => LanePerPlaneKernel<TF, TD, TOps>.PlanesPerBatch(planeSize);

    /// <inheritdoc/>
    public static int LaneIndexTableLength(int planeSize) =>
        PlanesPerLaneBatch(planeSize) > 0 ? LanePerPlaneKernel<TF, TD, TOps>.IndexTableLength(planeSize) : 0;

    /// <inheritdoc/>
    public static void FillLaneIndexTable(Span<int> table, int planeSize) =>
        LanePerPlaneKernel<TF, TD, TOps>.FillIndexTable(table, planeSize);

    /// <inheritdoc/>
    public static unsafe void ForwardLanes<TVariant>(float* x, float* y, int planeSize, int batches, ReadOnlySpan<int> indexTable, double lambda, PlaneStatistics* statistics, bool streaming)
        where TVariant : IEnergy =>
        LanePerPlaneKernel<TF, TD, TOps>.Forward<TVariant>(x, y, planeSize, batches, indexTable, lambda, statistics, streaming);

    /// <inheritdoc/>
    public static unsafe void BackwardLanes<TVariant>(float* x, float* g, float* dx, int planeSize, int batches, ReadOnlySpan<int> indexTable, double lambda, PlaneStatistics* statistics)
        where TVariant : IEnergy =>
        LanePerPlaneKernel<TF, TD, TOps>.Backward<TVariant>(x, g, dx, planeSize, batches, indexTable, lambda, statistics);

    /// <summary>
    /// Count, mean and M2 = Σ(x − μ)² of a chunk in one pass, in double, from the deviations d = x − c about the
    /// chunk's first value c: μ = c + Σd/n and M2 = Σd² − (Σd)²/n.
    /// </summary>
    /// <remarks>
    /// One pass instead of two (Σx, then Σ(x − μ)²) saves a third of the vector operations of the reductions and the
    /// wait for the mean between them. It stays accurate because c belongs to the chunk: (c − μ)² ≤ M2, so
    /// Σd² = M2 + n·(c − μ)² ≤ (n + 1)·M2, and the rounding of the double sums (L partial sums of n/L terms each: 32
    /// at 512 bits, 16 at 256, 8 at 128) costs at most about (n + 1)·(n/L)·2⁻⁵³ of M2: below 6e-11 for the 4096-value
    /// chunks at 512 bits and 2.3e-10 at 128, where float32 results need about 1e-9. A constant chunk gives d = 0 throughout, so exactly μ = c and M2 = 0.
    /// Every deviation and square is formed in double, so no deviation up to 6.8e38 can overflow when squared.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ChunkMoments ShiftedMoments(ref float x, int length)
    {
        var width = (nuint)TOps.Count;
        var count = (nuint)length;
        double origin = x;
        var centre = TOps.CreateDouble(origin);

        // Two vectors per step, each widened into two halves: four independent chains of each sum.
        TD s0 = default, s1 = default, s2 = default, s3 = default;
        TD q0 = default, q1 = default, q2 = default, q3 = default;
        nuint i = 0;
        for (; i + (2 * width) <= count; i += 2 * width)
        {
            TOps.LoadWidened(ref x, i, out var lower0, out var upper0);
            TOps.LoadWidened(ref x, i + width, out var lower1, out var upper1);
            ShiftedSums<TF, TD, TOps>.Add(lower0, upper0, centre, centre, ref s0, ref s1, ref q0, ref q1);
            ShiftedSums<TF, TD, TOps>.Add(lower1, upper1, centre, centre, ref s2, ref s3, ref q2, ref q3);
        }

        if (i + width <= count)
        {
            TOps.LoadWidened(ref x, i, out var lower, out var upper);
            ShiftedSums<TF, TD, TOps>.Add(lower, upper, centre, centre, ref s0, ref s1, ref q0, ref q1);
            i += width;
        }

        if (i < count)
        {
            // Lanes already counted become c itself, so they contribute exactly zero.
            TOps.WidenFrom(TOps.Load(ref x, count - width), (int)(width - (count - i)), centre, out var lower, out var upper);
            ShiftedSums<TF, TD, TOps>.Add(lower, upper, centre, centre, ref s0, ref s1, ref q0, ref q1);
        }

        var sum = TOps.SumDouble(TOps.AddDouble(TOps.AddDouble(s0, s1), TOps.AddDouble(s2, s3)));
        var squares = TOps.SumDouble(TOps.AddDouble(TOps.AddDouble(q0, q1), TOps.AddDouble(q2, q3)));
        var shift = sum / length;
        return new ChunkMoments(length, origin + shift, Math.Max(squares - (sum * shift), 0));
    }


    /// <summary>
    /// The one elementwise pass, for the forward gate (y = x / (1 + 2^t), t = −(u² + ½)·log2(e)) and the
    /// backward gradient alike, written by <see cref="VectorWriter{TF, TD, TOps}"/> (output may be an input buffer
    /// itself). The operator comes by value: through a reference, the JIT must assume each store may change it and
    /// reloads its constants on every iteration. Each step also prefetches the inputs <paramref name="ahead"/>
    /// elements further on (see <see cref="Prefetch"/>).
    /// </summary>
    // Its own method, with the writer's loops inlined into it: inlined into its caller, the JIT ran out of budget
    // and called the step for every vector.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void Elementwise<TOperator>(ref float x, ref float g, ref float destination, int length, nuint ahead, bool streaming, TOperator op)
        where TOperator : struct, IElementwiseOperator =>
        VectorWriter<TF, TD, TOps>.Write(
            (float*)Unsafe.AsPointer(ref destination), (nuint)length, ahead, streaming,
            new OperatorStep<TOperator>((float*)Unsafe.AsPointer(ref x), (float*)Unsafe.AsPointer(ref g), op));

    /// <summary>The first backward pass: recomputes s and accumulates Σ a·u and Σ a·u².</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static BackwardSums BackwardSums(ref float x, ref float g, int length, in GateCoefficients gate, bool keep, ref float keptSigmoid, ref float keptWeight, nuint ahead) =>
        new BackwardVectors<TF, TD, TOps>(gate).Sums(ref x, ref g, length, keep, ref keptSigmoid, ref keptWeight, ahead);

    /// <summary>
    /// The elementwise backward pass from the s and a' the reduction pass kept: dx = g·s + u·(a' − D) − B, with
    /// only u recomputed (one FMA and one add instead of the exponential). dx may be x or g itself. Only dx is
    /// prefetched: the reduction pass prefetched x and g.
    /// </summary>
    // Its own method, with the writer's loops inlined into it: inlined into its caller, the JIT ran out of budget
    // and called the step for every vector.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void BackwardFromKept(ref float x, ref float g, ref float keptSigmoid, ref float keptWeight, ref float dx, int length, nuint ahead, bool streaming, in GateCoefficients gate, in BackwardCoefficients coefficients) =>
        new BackwardVectors<TF, TD, TOps>(gate).WriteGradients(
            (float*)Unsafe.AsPointer(ref x), (float*)Unsafe.AsPointer(ref g), (float*)Unsafe.AsPointer(ref keptSigmoid), (float*)Unsafe.AsPointer(ref keptWeight),
            (float*)Unsafe.AsPointer(ref dx), (nuint)length, TOps.Create((float)-coefficients.Slope), TOps.Create((float)-coefficients.Offset), ahead, streaming);

    /// <summary>What one step of <see cref="Elementwise"/> computes from a vector of x (and of g).</summary>
    private interface IElementwiseOperator
    {
        /// <summary>Gets a value indicating whether the operator reads g (the JIT drops the load when not).</summary>
        static abstract bool ReadsGradient { get; }

        TF Invoke(TF x, TF g);
    }

    /// <summary>One vector of <see cref="Elementwise"/>: the operator applied to x (and g).</summary>
    private readonly unsafe struct OperatorStep<TOperator>(float* x, float* g, TOperator op) : IVectorStep<TF>
        where TOperator : struct, IElementwiseOperator
    {
        private readonly TOperator _op = op;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF At(nuint index)
        {
            var value = TOps.Load(ref *x, index);
            return _op.Invoke(value, TOperator.ReadsGradient ? TOps.Load(ref *g, index) : value);
        }

        public void Seek(nuint index)
        {
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF Next(nuint index) => At(index);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Prefetch(nuint index)
        {
            Kernels.Prefetch.Line(ref *x, index);
            if (TOperator.ReadsGradient)
            {
                Kernels.Prefetch.Line(ref *g, index);
            }
        }
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
            var centring = new Centring<TF, TD, TOps>(gate.Mean, gate.Root * Math.Sqrt(FastSigmoid.Log2E));
            _meanHigh = TOps.Create(centring.First);
            _scaledRoot = TOps.Create(centring.Root);
            _scaledLow = TOps.Create(centring.Second);
            _negativeHalfLog2E = TOps.Create(FastSigmoid.NegativeHalfLog2E);
        }

        public static bool ReadsGradient => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF Invoke(TF x, TF g)
        {
            var u = Centring<TF, TD, TOps>.Apply(x, _meanHigh, _scaledRoot, _scaledLow);
            return FastSigmoid.Gate<TF, TD, TOps>(x, u, _negativeHalfLog2E);
        }
    }

    /// <summary>The backward gradient dx = g·s + u·(a' − D) − B.</summary>
    private readonly struct GradientOperator(in GateCoefficients gate, in BackwardCoefficients coefficients) : IElementwiseOperator
    {
        private readonly BackwardVectors<TF, TD, TOps> _constants = new(gate);
        private readonly TF _negativeSlope = TOps.Create((float)-coefficients.Slope);
        private readonly TF _negativeOffset = TOps.Create((float)-coefficients.Offset);

        public static bool ReadsGradient => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF Invoke(TF x, TF g)
        {
            var u = _constants.Centred(x);
            _constants.Sigmoid(u, out var s, out var slope);
            var scaledA = _constants.ScaledWeight(x, g, slope);
            return TOps.MultiplyAdd(g, s, TOps.MultiplyAdd(u, TOps.Add(scaledA, _negativeSlope), _negativeOffset));
        }
    }
}
