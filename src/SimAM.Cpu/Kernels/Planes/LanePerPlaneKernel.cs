using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SimAM.Kernels.Planes;

/// <summary>
/// The forward pass of small and middling planes (2×2 up to 16×16) a vector's worth of planes at a time: a
/// vector of <c>Count</c> lanes holds one number per plane, so the chain from the sums to the gate constants
/// (mean, variance, √, division, the float splits) runs once per batch, in vectors, instead of once per plane
/// as a chain of scalar latencies.
/// </summary>
/// <remarks>
/// <para>
/// Every lane follows its own plane through the reduction; the gate then runs over the batch's values in
/// memory order, and each vector of values picks its planes' constants with one permute per constant, from a
/// per-call table of which plane each value belongs to. The constants are formed with the plane kernel's
/// roundings (<c>GateCoefficients</c>, then its <c>Centring</c> step), so a plane's output depends only on its
/// statistics, whichever kernel ran it.
/// </para>
/// <para>
/// Planes of at least a vector (7×7, 14×14 at 512 bits) are reduced row by row with contiguous loads, as the
/// plane kernel reduces them: Σx for the mean, then Σ(x − μ)² while the plane is in L1, in double, each plane's
/// vector of partial sums then summed into its lane. Four planes share each loop, so the core overlaps their
/// independent chains. (Gathering value k of every plane instead cost two 256-bit gathers per 16 values, 60% of a 7×7
/// batch on Zen 4.)
/// </para>
/// <para>
/// Planes shorter than a vector (2×2, 3×3 at 512 bits) would waste most lanes of a load, so there gather k
/// loads value k of every plane (lane l reads x[l·S + k]), and the moments come from one pass over
/// d = x − x₀ (x₀ the plane's first value) in double: M2 = Σd² − (Σd)²/S. With x₀ from the plane itself
/// (x₀ − μ)² ≤ M2, so Σd² ≤ (S + 1)·M2 and the rounding of S sequential sums costs at most about
/// S·(S + 1)·2⁻⁵³ of M2 (below 3e-14 for S &lt; 16), while a second gathered pass would cost as much as the gate.
/// </para>
/// </remarks>
[SkipLocalsInit]
internal static unsafe class LanePerPlaneKernel<TF, TD, TOps>
    where TF : struct
    where TD : struct
    where TOps : ISimdOps<TF, TD>
{
    /// <summary>A plane of one value has no variance (S − 1 = 0); it takes the plane kernels' NaN path.</summary>
    public const int MinPlaneSize = 2;

    /// <summary>
    /// Gets the largest plane this kernel takes: sixteen vectors (256 values at 512 bits, 128 at 256, 64 at 128).
    /// Measured on Zen 4 (forward, 4096 planes, one thread, ns per value, plane kernel → this kernel): at 512 bits
    /// 9 values 5.2 → 1.35, 49 values 1.2 → 0.59, 100 values 0.86 → 0.47, 256 values 0.50 → 0.37, and 400 values
    /// 0.42–0.57 → 0.50; at 256 bits 49 values 1.5 → 0.87 and even from about 196; at 128 bits 16 values 2.9 → 2.2 and
    /// even at 49. Beyond that the per-plane chain is spread over enough values that batching it no longer pays.
    /// </summary>
    public static int MaxPlaneSize => 16 * TOps.Count;

    /// <summary>Gets how many planes one call takes for this plane size, or 0 where this kernel does not apply.</summary>
    public static int PlanesPerBatch(int planeSize) =>
        TOps.IsGatherAccelerated && TOps.IsFusedMultiplyAddAccelerated && planeSize >= MinPlaneSize && planeSize <= MaxPlaneSize
            ? TOps.Count
            : 0;

    /// <summary>Gets the length of the index table <see cref="FillIndexTable"/> fills (about 16 KiB at 512 bits for the largest planes).</summary>
    public static int IndexTableLength(int planeSize) => TOps.Count * (planeSize + 1);

    /// <summary>
    /// Fills the per-call index table: first each lane's offset l·S (for the gathers), then for every value of a
    /// batch the lane (plane) it belongs to, in memory order (for the permutes).
    /// </summary>
    public static void FillIndexTable(Span<int> table, int planeSize)
    {
        var lanes = TOps.Count;
        for (var lane = 0; lane < lanes; lane++)
        {
            table[lane] = lane * planeSize;
            table.Slice(lanes + (lane * planeSize), planeSize).Fill(lane);
        }
    }

    /// <summary>
    /// y = x·sigmoid(E) for <paramref name="batches"/> batches of <c>Count</c> planes of <paramref name="planeSize"/>
    /// values from <paramref name="x"/> on, their statistics into <paramref name="statistics"/> unless it is null. A
    /// plane holding NaN or ±∞ gets NaN, as in the plane kernels.
    /// </summary>
    /// <remarks>
    /// The batches are software-pipelined: the next batch's reductions come between a batch's gate constants and
    /// its gate. The constants are a chain of double divisions and square roots (about a hundred cycles of latency
    /// with little beside it); placed next to independent work, the core runs them in its shadow. The gate
    /// prefetches the batch after next, which that order reads next.
    /// </remarks>
    public static void Forward(float* x, float* y, int planeSize, int batches, ReadOnlySpan<int> indexTable, double lambda, PlaneStatistics* statistics, bool streaming)
    {
        var lanes = TOps.Count;
        var span = (nint)lanes * planeSize;
        Span<PlaneStatistics> scratch = stackalloc PlaneStatistics[lanes];
        var moments = Moments(x, planeSize, indexTable);
        for (var batch = 0; batch < batches; batch++)
        {
            var batchStatistics = statistics == null ? scratch : new Span<PlaneStatistics>(statistics + ((nint)batch * lanes), lanes);
            var constants = GateConstants(moments, planeSize, lambda, batchStatistics, out var finite);
            if (batch + 1 < batches)
            {
                moments = Moments(x + span, planeSize, indexTable);
            }

            var ahead = (nuint)(Math.Min(2, batches - 1 - batch) * span);
            MemoryOrderGate(x, y, planeSize, indexTable, constants, ahead, streaming);
            if (!finite)
            {
                // A plane holding NaN or ±∞ gets NaN everywhere (its lane computed garbage above); its neighbours'
                // lanes never read it after the reduction.
                for (var lane = 0; lane < lanes; lane++)
                {
                    if (!batchStatistics[lane].IsFinite)
                    {
                        new Span<float>(y + ((nint)lane * planeSize), planeSize).Fill(float.NaN);
                    }
                }
            }

            x += span;
            y += span;
        }
    }

    /// <summary>A batch's moments (one lane per plane): the row path or the gathered path by plane size.</summary>
    private static BatchMoments Moments(float* x, int planeSize, ReadOnlySpan<int> indexTable)
    {
        BatchMoments moments;
        if (planeSize >= TOps.Count)
        {
            RowMoments(x, planeSize, out moments.MeanLower, out moments.MeanUpper, out moments.SquaresLower, out moments.SquaresUpper);
        }
        else
        {
            GatheredMoments(x, planeSize, indexTable, out moments.MeanLower, out moments.MeanUpper, out moments.SquaresLower, out moments.SquaresUpper);
        }

        return moments;
    }

    /// <summary>
    /// The statistics of a batch (into <paramref name="statistics"/>) and its gate constants, rounded exactly as
    /// GateCoefficients and Centring round them: r = ½/√(v + λ) scaled by √log2(e) (0 for a constant plane), r to
    /// float, then μ·r split into two floats.
    /// </summary>
    private static GateVectors GateConstants(in BatchMoments moments, int planeSize, double lambda, Span<PlaneStatistics> statistics, out bool finite)
    {
        var degrees = TOps.CreateDouble(planeSize - 1);
        var varianceLower = TOps.DivideDouble(moments.SquaresLower, degrees);
        var varianceUpper = TOps.DivideDouble(moments.SquaresUpper, degrees);

        var half = TOps.Count / 2;
        Span<double> means = stackalloc double[TOps.Count];
        Span<double> variances = stackalloc double[TOps.Count];
        Unsafe.As<double, TD>(ref means[0]) = moments.MeanLower;
        Unsafe.As<double, TD>(ref means[half]) = moments.MeanUpper;
        Unsafe.As<double, TD>(ref variances[0]) = varianceLower;
        Unsafe.As<double, TD>(ref variances[half]) = varianceUpper;
        var constant = false;
        for (var lane = 0; lane < statistics.Length; lane++)
        {
            statistics[lane] = new PlaneStatistics(means[lane], variances[lane]);
            constant |= variances[lane] == 0;
        }

        // 0·v is 0 for finite v and NaN for NaN or ±∞, so the sum is 0 exactly when every statistic is finite.
        var zeroes = TOps.CreateDouble(0);
        var check = TOps.AddDouble(
            TOps.MultiplyAddDouble(moments.MeanLower, zeroes, TOps.MultiplyDouble(varianceLower, zeroes)),
            TOps.MultiplyAddDouble(moments.MeanUpper, zeroes, TOps.MultiplyDouble(varianceUpper, zeroes)));
        finite = TOps.SumDouble(check) == 0;

        var lambdaVector = TOps.CreateDouble(lambda);
        var scale = TOps.CreateDouble(Math.Sqrt(FastSigmoid.Log2E));
        var rootLower = TOps.MultiplyDouble(TOps.DivideDouble(TOps.CreateDouble(0.5), TOps.SqrtDouble(TOps.AddDouble(varianceLower, lambdaVector))), scale);
        var rootUpper = TOps.MultiplyDouble(TOps.DivideDouble(TOps.CreateDouble(0.5), TOps.SqrtDouble(TOps.AddDouble(varianceUpper, lambdaVector))), scale);
        var root = TOps.Narrow(rootLower, rootUpper);
        if (constant)
        {
            root = ZeroRootOfConstantPlanes(root, variances);
        }

        TOps.Widen(root, out rootLower, out rootUpper);
        var productLower = TOps.MultiplyDouble(moments.MeanLower, rootLower);
        var productUpper = TOps.MultiplyDouble(moments.MeanUpper, rootUpper);
        var high = TOps.Narrow(productLower, productUpper);
        TOps.Widen(high, out var highLower, out var highUpper);
        var zero = TOps.Create(0f);
        return new GateVectors(
            TOps.Subtract(zero, high),
            root,
            TOps.Subtract(zero, TOps.Narrow(TOps.SubtractDouble(productLower, highLower), TOps.SubtractDouble(productUpper, highUpper))));
    }

    /// <summary>r = 0 in the lanes of constant planes, as <see cref="GateCoefficients.RootOf"/> sets it.</summary>
    private static TF ZeroRootOfConstantPlanes(TF root, ReadOnlySpan<double> variances)
    {
        Span<float> roots = stackalloc float[TOps.Count];
        TOps.Store(root, ref roots[0], 0);
        for (var lane = 0; lane < TOps.Count; lane++)
        {
            if (variances[lane] == 0)
            {
                roots[lane] = 0;
            }
        }

        return TOps.Load(ref roots[0], 0);
    }

    /// <summary>
    /// The row path's reductions: Σx and then Σ(x − μ)² per plane, the last vector of a plane overlapping the one
    /// before with its counted lanes masked (to 0, then to μ, so they add exactly nothing). Four planes go through
    /// each loop together: one plane at a time, the second pass waited on the first pass's horizontal sum and
    /// division with little else for the core to do (7×7 planes at 512 bits: 0.48 → 0.42 ns per value, one thread).
    /// <c>Count</c> is a multiple of four at every width.
    /// </summary>
    private static void RowMoments(float* x, int planeSize, out TD meanLower, out TD meanUpper, out TD squaresLower, out TD squaresUpper)
    {
        var lanes = TOps.Count;
        var width = (nuint)lanes;
        var size = (nuint)planeSize;
        var last = size - width;
        var counted = (int)(width - (size % width));
        Span<double> means = stackalloc double[lanes];
        Span<double> squares = stackalloc double[lanes];
        for (var lane = 0; lane < lanes; lane += 4)
        {
            ref var p0 = ref Unsafe.AsRef<float>(x + ((nint)lane * planeSize));
            ref var p1 = ref Unsafe.Add(ref p0, planeSize);
            ref var p2 = ref Unsafe.Add(ref p1, planeSize);
            ref var p3 = ref Unsafe.Add(ref p2, planeSize);
            var s0 = default(RowSums);
            var s1 = default(RowSums);
            var s2 = default(RowSums);
            var s3 = default(RowSums);
            nuint i = 0;
            for (; i + width <= size; i += width)
            {
                s0.Add(ref p0, i);
                s1.Add(ref p1, i);
                s2.Add(ref p2, i);
                s3.Add(ref p3, i);
            }

            var tail = i < size;
            if (tail)
            {
                s0.AddLast(ref p0, last, counted, default);
                s1.AddLast(ref p1, last, counted, default);
                s2.AddLast(ref p2, last, counted, default);
                s3.AddLast(ref p3, last, counted, default);
            }

            var c0 = TOps.CreateDouble(means[lane] = s0.Total / planeSize);
            var c1 = TOps.CreateDouble(means[lane + 1] = s1.Total / planeSize);
            var c2 = TOps.CreateDouble(means[lane + 2] = s2.Total / planeSize);
            var c3 = TOps.CreateDouble(means[lane + 3] = s3.Total / planeSize);
            s0 = s1 = s2 = s3 = default;
            for (i = 0; i + width <= size; i += width)
            {
                s0.AddSquares(ref p0, i, c0);
                s1.AddSquares(ref p1, i, c1);
                s2.AddSquares(ref p2, i, c2);
                s3.AddSquares(ref p3, i, c3);
            }

            if (tail)
            {
                s0.AddLastSquares(ref p0, last, counted, c0);
                s1.AddLastSquares(ref p1, last, counted, c1);
                s2.AddLastSquares(ref p2, last, counted, c2);
                s3.AddLastSquares(ref p3, last, counted, c3);
            }

            squares[lane] = s0.Total;
            squares[lane + 1] = s1.Total;
            squares[lane + 2] = s2.Total;
            squares[lane + 3] = s3.Total;
        }

        var half = lanes / 2;
        meanLower = Unsafe.As<double, TD>(ref means[0]);
        meanUpper = Unsafe.As<double, TD>(ref means[half]);
        squaresLower = Unsafe.As<double, TD>(ref squares[0]);
        squaresUpper = Unsafe.As<double, TD>(ref squares[half]);
    }

    /// <summary>
    /// The gathered path's reductions, one lane per plane: one pass of double sums over d = x − x₀ (see the
    /// remarks), and from them the mean and M2.
    /// </summary>
    private static void GatheredMoments(float* x, int planeSize, ReadOnlySpan<int> indexTable, out TD meanLower, out TD meanUpper, out TD squaresLower, out TD squaresUpper)
    {
        var offsets = TOps.Load(ref Unsafe.As<int, float>(ref MemoryMarshal.GetReference(indexTable)), 0);
        TOps.Widen(TOps.Gather(x, offsets), out var originLower, out var originUpper);
        TD sumLower = default, sumUpper = default, sumOfSquaresLower = default, sumOfSquaresUpper = default;
        for (var k = 1; k < planeSize; k++)
        {
            TOps.Widen(TOps.Gather(x + k, offsets), out var lower, out var upper);
            lower = TOps.SubtractDouble(lower, originLower);
            upper = TOps.SubtractDouble(upper, originUpper);
            sumLower = TOps.AddDouble(sumLower, lower);
            sumUpper = TOps.AddDouble(sumUpper, upper);
            sumOfSquaresLower = TOps.MultiplyAddDouble(lower, lower, sumOfSquaresLower);
            sumOfSquaresUpper = TOps.MultiplyAddDouble(upper, upper, sumOfSquaresUpper);
        }

        var size = TOps.CreateDouble(planeSize);
        meanLower = TOps.AddDouble(originLower, TOps.DivideDouble(sumLower, size));
        meanUpper = TOps.AddDouble(originUpper, TOps.DivideDouble(sumUpper, size));
        squaresLower = TOps.SubtractDouble(sumOfSquaresLower, TOps.MultiplyDouble(sumLower, TOps.DivideDouble(sumLower, size)));
        squaresUpper = TOps.SubtractDouble(sumOfSquaresUpper, TOps.MultiplyDouble(sumUpper, TOps.DivideDouble(sumUpper, size)));
    }

    /// <summary>
    /// The gate over the batch in memory order: vector m holds values m·Count … m·Count + Count − 1, and picks each
    /// value's plane constants by permute from the index table. The planes are contiguous, so the batch has no
    /// tails: Count·S values are S whole vectors.
    /// </summary>
    private static void MemoryOrderGate(float* x, float* y, int planeSize, ReadOnlySpan<int> indexTable, in GateVectors constants, nuint ahead, bool streaming)
    {
        var planes = (float*)Unsafe.AsPointer(ref Unsafe.Add(ref Unsafe.As<int, float>(ref MemoryMarshal.GetReference(indexTable)), TOps.Count));
        VectorWriter<TF, TD, TOps>.Write(y, (nuint)planeSize * (nuint)TOps.Count, ahead, streaming, new LaneGateStep(x, planes, constants));
    }

    /// <summary>One vector of <see cref="MemoryOrderGate"/>: each value's plane constants picked by permute.</summary>
    private readonly struct LaneGateStep(float* x, float* planes, GateVectors constants) : IVectorStep<TF>
    {
        private readonly TF _negativeHalfLog2E = TOps.Create(FastSigmoid.NegativeHalfLog2E);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF At(nuint index)
        {
            var lanes = TOps.Load(ref *planes, index);
            var value = TOps.Load(ref *x, index);
            var u = TOps.Add(TOps.MultiplyAdd(value, TOps.Permute(constants.Root, lanes), TOps.Permute(constants.First, lanes)), TOps.Permute(constants.Second, lanes));
            return FastSigmoid.Gate<TF, TD, TOps>(value, u, _negativeHalfLog2E);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Prefetch(nuint index) => Kernels.Prefetch.Line(ref *x, index);
    }

    /// <summary>One plane's two double accumulators (the halves of a widened vector) in the row path.</summary>
    private struct RowSums
    {
        private TD _lower;
        private TD _upper;

        public readonly double Total => TOps.SumDouble(TOps.AddDouble(_lower, _upper));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(ref float row, nuint index)
        {
            TOps.LoadWidened(ref row, index, out var lower, out var upper);
            _lower = TOps.AddDouble(_lower, lower);
            _upper = TOps.AddDouble(_upper, upper);
        }

        /// <summary>Adds the plane's last vector, its lanes below <paramref name="counted"/> replaced by <paramref name="fill"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AddLast(ref float row, nuint index, int counted, TD fill)
        {
            TOps.WidenFrom(TOps.Load(ref row, index), counted, fill, out var lower, out var upper);
            _lower = TOps.AddDouble(_lower, lower);
            _upper = TOps.AddDouble(_upper, upper);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AddSquares(ref float row, nuint index, TD centre)
        {
            TOps.LoadWidened(ref row, index, out var lower, out var upper);
            AddSquares(lower, upper, centre);
        }

        /// <summary>Adds the squared deviations of the plane's last vector; lanes already counted become μ and add 0.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AddLastSquares(ref float row, nuint index, int counted, TD centre)
        {
            TOps.WidenFrom(TOps.Load(ref row, index), counted, centre, out var lower, out var upper);
            AddSquares(lower, upper, centre);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void AddSquares(TD lower, TD upper, TD centre)
        {
            lower = TOps.SubtractDouble(lower, centre);
            upper = TOps.SubtractDouble(upper, centre);
            _lower = TOps.MultiplyAddDouble(lower, lower, _lower);
            _upper = TOps.MultiplyAddDouble(upper, upper, _upper);
        }
    }

    /// <summary>A batch's means and centred sums of squares, one lane per plane, in the halves of a widened vector.</summary>
    private struct BatchMoments
    {
        public TD MeanLower;
        public TD MeanUpper;
        public TD SquaresLower;
        public TD SquaresUpper;
    }

    /// <summary>A batch's gate constants, one lane per plane: −(μr)_hi, r and −(μr)_lo (see Centring).</summary>
    private readonly record struct GateVectors(TF First, TF Root, TF Second);
}
