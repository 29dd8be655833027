using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SimAM.Kernels.Planes;

/// <summary>
/// The forward and backward passes of small and middling planes (2×2 up to 16×16) a vector's worth of planes at a time: a
/// vector of <c>Count</c> lanes holds one number per plane, so the chain from the sums to the gate constants
/// (mean, variance, √, division, the float splits) runs once per batch, in vectors, instead of once per plane
/// as a chain of scalar latencies.
/// </summary>
/// <remarks>
/// <para>
/// Every lane follows its own plane through the reduction; the gate then runs over the batch's values in
/// memory order, and each vector of values picks its planes' constants with one permute per constant, from a
/// per-call table of which plane each value belongs to. The constants are formed with the plane kernel's
/// roundings (<c>GateCoefficients</c>, then its <c>Centring</c> step; in the exact variant <c>ExactCoefficients</c>), so a
/// plane's output depends only on its statistics, whichever kernel ran it. Both gate variants take this kernel.
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

    /// <summary>The forward gate's u is scaled by √log2(e), so that t = −u² − ½·log2(e) is one FMA (see GateOperator).</summary>
    private static double ForwardScale => Math.Sqrt(FastSigmoid.Log2E);

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
    /// values from <paramref name="x"/> on, their statistics into <paramref name="statistics"/> unless it is null, in
    /// the variant <typeparamref name="TVariant"/>. A plane holding NaN or ±∞ gets NaN, as in the plane kernels.
    /// </summary>
    /// <remarks>
    /// The exact variant's lane constants are each plane's <see cref="ExactCoefficients"/>, formed lane by lane by the
    /// plane kernel's code (see <see cref="ExactGateConstants"/>); everything else is shared.
    /// The batches are software-pipelined: the next batch's reductions come between a batch's gate constants and
    /// its gate. The constants are a chain of double divisions and square roots (about a hundred cycles of latency
    /// with little beside it); placed next to independent work, the core runs them in its shadow. The gate
    /// prefetches the batch after next, which that order reads next.
    /// </remarks>
    public static void Forward<TVariant>(float* x, float* y, int planeSize, int batches, ReadOnlySpan<int> indexTable, double lambda, PlaneStatistics* statistics, bool streaming)
        where TVariant : IEnergy
    {
        var lanes = TOps.Count;
        var span = (nint)lanes * planeSize;
        Span<PlaneStatistics> scratch = stackalloc PlaneStatistics[lanes];
        var energy = new ExactEnergyVectors<TF, TD, TOps>(EnergyConstants.Create<TVariant>(planeSize));
        var moments = Moments(x, planeSize, indexTable);
        for (var batch = 0; batch < batches; batch++)
        {
            var batchStatistics = statistics == null ? scratch : new Span<PlaneStatistics>(statistics + ((nint)batch * lanes), lanes);
            Statistics(moments, planeSize, batchStatistics);
            bool finite;
            var constants = TVariant.IsExact
                ? ExactGateConstants(batchStatistics, lambda, default, out finite, out _)
                : GateConstants(batchStatistics, lambda, ForwardScale, out finite, out _);
            if (batch + 1 < batches)
            {
                moments = Moments(x + span, planeSize, indexTable);
            }

            var ahead = (nuint)(Math.Min(2, batches - 1 - batch) * span);
            MemoryOrderGate<TVariant>(x, y, planeSize, indexTable, constants, energy, ahead, streaming);
            if (!finite)
            {
                // A plane holding NaN or ±∞ gets NaN everywhere (its lane computed garbage above); its neighbours'
                // lanes never read it after the reduction.
                FillNaNPlanes(y, planeSize, batchStatistics);
            }

            x += span;
            y += span;
        }
    }

    /// <summary>
    /// The backward pass (either variant) of <paramref name="batches"/> batches of <c>Count</c> planes of
    /// <paramref name="planeSize"/> values from <paramref name="x"/> on, with the forward pass's statistics from
    /// <paramref name="statistics"/>, or (when it is null) statistics computed as <see cref="Forward"/> computes them,
    /// so both give the same bits. <paramref name="dx"/> may be <paramref name="x"/> or <paramref name="g"/> itself. A
    /// plane whose statistics are not finite gets NaN.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Plane by plane, the backward pass is a chain of scalar latencies per plane (√ and division for r, the split
    /// μ·r, the reduction's horizontal sums, two divisions for B and D) around little vector work. Here those chains
    /// run once per batch, in vectors: the gate constants of every lane, then each plane's reduction pass with its
    /// lane's constants broadcast (the plane kernel's loop, keeping s and a' for the whole batch), then B and D of
    /// every lane, then each plane's gradient pass from the kept values. The batches are software-pipelined as in
    /// <see cref="Forward"/>: the next batch's statistics and constants come between a batch's B and D and its
    /// gradient pass. The reduction pass prefetches the next batch's x and g, the gradient pass its dx lines.
    /// </para>
    /// <para>
    /// The exact variant forms s and a° of the whole batch in memory order (<see cref="ExactWeights"/>: its reduction
    /// step is too long a chain to run four vectors deep plane by plane), then each plane's sums and gradient pass
    /// from them with the plane kernel's loops (<see cref="ExactReduction"/>, <see cref="ExactGradients"/>).
    /// </para>
    /// <para>
    /// Fast planes under <see cref="SmallPlaneBackward.Limit"/> values take the double-precision small-plane path plane by
    /// plane (float u and s miss the bound there; see its remarks), with statistics from this kernel's reductions
    /// when they are recomputed.
    /// </para>
    /// </remarks>
    public static void Backward<TVariant>(float* x, float* g, float* dx, int planeSize, int batches, ReadOnlySpan<int> indexTable, double lambda, PlaneStatistics* statistics)
        where TVariant : IEnergy
    {
        var lanes = TOps.Count;
        var span = (nint)lanes * planeSize;

        // Two batches' own statistics: the next batch's are formed before this batch's non-finite planes are filled.
        Span<PlaneStatistics> own = stackalloc PlaneStatistics[2 * lanes];
        if (!TVariant.IsExact && planeSize < SmallPlaneBackward.Limit)
        {
            for (var batch = 0; batch < batches; batch++)
            {
                var offset = batch * span;
                SmallPlanes(x + offset, g + offset, dx + offset, planeSize, BatchStatistics(x + offset, planeSize, indexTable, statistics, batch, own), lambda);
            }

            return;
        }

        // s and a' (a° in the exact variant) of a whole batch (at most 2·16 vectors of 16 vectors: 32 KiB), and every
        // lane's constants: in the fast variant −(μr)_hi, r, −(μr)_lo, 2r, −D and −B; in the exact one P, −D′ and −B′
        // beside the lane's ExactCoefficients.
        Span<float> kept = stackalloc float[2 * (int)span];
        Span<float> constants = stackalloc float[6 * lanes];
        Span<double> sums = stackalloc double[2 * lanes];

        // The exact variant's lane constants of two batches, as the statistics: the next batch's are formed before this
        // batch's gradient pass.
        Span<ExactCoefficients> exact = TVariant.IsExact ? stackalloc ExactCoefficients[2 * lanes] : default;
        var energy = EnergyConstants.Create<TVariant>(planeSize);
        var energyVectors = new ExactEnergyVectors<TF, TD, TOps>(energy);
        var batchStatistics = BatchStatistics(x, planeSize, indexTable, statistics, 0, own);
        bool finite;
        TF twoRoot = default;
        TF weightScale = default;
        var gate = TVariant.IsExact
            ? ExactGateConstants(batchStatistics, lambda, exact[..lanes], out finite, out weightScale)
            : GateConstants(batchStatistics, lambda, 1, out finite, out twoRoot);
        for (var batch = 0; batch < batches; batch++)
        {
            var ahead = (nuint)(batch + 1 < batches ? span : 0);
            if (TVariant.IsExact)
            {
                var coefficients = exact.Slice((batch % 2) * lanes, lanes);
                ExactWeights(x, g, planeSize, indexTable, gate, weightScale, energyVectors, kept, ahead);
                ExactReduction(x, planeSize, coefficients, energy, constants, kept);
            }
            else
            {
                StoreConstants(constants, 0, gate.First, gate.Root, gate.Second);
                TOps.Store(twoRoot, ref constants[3 * lanes], 0);
                Reduction(x, g, planeSize, constants, kept, sums, ahead);
                Coefficients(sums, planeSize, constants);
            }

            var current = batchStatistics;
            var currentFinite = finite;
            if (batch + 1 < batches)
            {
                batchStatistics = BatchStatistics(x + span, planeSize, indexTable, statistics, batch + 1, own);
                gate = TVariant.IsExact
                    ? ExactGateConstants(batchStatistics, lambda, exact.Slice(((batch + 1) % 2) * lanes, lanes), out finite, out weightScale)
                    : GateConstants(batchStatistics, lambda, 1, out finite, out twoRoot);
            }

            if (TVariant.IsExact)
            {
                ExactGradients(x, g, dx, planeSize, exact.Slice((batch % 2) * lanes, lanes), constants, kept, ahead);
            }
            else
            {
                Gradients(x, g, dx, planeSize, constants, kept, ahead);
            }

            if (!currentFinite)
            {
                FillNaNPlanes(dx, planeSize, current);
            }

            x += span;
            g += span;
            dx += span;
        }
    }

    /// <summary>
    /// The statistics of batch <paramref name="batch"/>: the given ones, or computed from <paramref name="x"/> (the
    /// batch's first value) into one half of <paramref name="own"/> as <see cref="Forward"/> computes them.
    /// </summary>
    private static ReadOnlySpan<PlaneStatistics> BatchStatistics(float* x, int planeSize, ReadOnlySpan<int> indexTable, PlaneStatistics* given, int batch, Span<PlaneStatistics> own)
    {
        var lanes = TOps.Count;
        if (given != null)
        {
            return new ReadOnlySpan<PlaneStatistics>(given + ((nint)batch * lanes), lanes);
        }

        var statistics = own.Slice((batch % 2) * lanes, lanes);
        Statistics(Moments(x, planeSize, indexTable), planeSize, statistics);
        return statistics;
    }

    /// <summary>Planes under <see cref="SmallPlaneBackward.Limit"/> values, one at a time in double (see <see cref="Backward"/>).</summary>
    private static void SmallPlanes(float* x, float* g, float* dx, int planeSize, ReadOnlySpan<PlaneStatistics> statistics, double lambda)
    {
        Span<float> kept = stackalloc float[2 * SmallPlaneBackward.Limit];
        var sigmoidHigh = kept[..planeSize];
        var sigmoidLow = kept.Slice(SmallPlaneBackward.Limit, planeSize);
        for (var lane = 0; lane < statistics.Length; lane++)
        {
            var offset = (nint)lane * planeSize;
            var destination = new Span<float>(dx + offset, planeSize);
            if (!statistics[lane].IsFinite)
            {
                destination.Fill(float.NaN);
                continue;
            }

            var gate = new GateCoefficients(statistics[lane], lambda);
            var values = new ReadOnlySpan<float>(x + offset, planeSize);
            var gradients = new ReadOnlySpan<float>(g + offset, planeSize);
            var sums = SmallPlaneBackward.BackwardSums(values, gradients, gate, sigmoidHigh, sigmoidLow);
            SmallPlaneBackward.Backward(values, gradients, sigmoidHigh, sigmoidLow, destination, gate, new BackwardCoefficients(sums, planeSize));
        }
    }

    /// <summary>Three vectors of lane constants into <paramref name="constants"/> from lane group <paramref name="group"/> on.</summary>
    private static void StoreConstants(Span<float> constants, int group, TF first, TF second, TF third)
    {
        var lanes = TOps.Count;
        TOps.Store(first, ref constants[group * lanes], 0);
        TOps.Store(second, ref constants[(group + 1) * lanes], 0);
        TOps.Store(third, ref constants[(group + 2) * lanes], 0);
    }

    /// <summary>A lane's backward constants from <paramref name="constants"/>, broadcast to every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static BackwardVectors<TF, TD, TOps> LaneVectors(ReadOnlySpan<float> constants, int lane)
    {
        var lanes = TOps.Count;
        return new BackwardVectors<TF, TD, TOps>(
            TOps.Create(constants[lane]), TOps.Create(constants[lanes + lane]), TOps.Create(constants[(2 * lanes) + lane]), TOps.Create(constants[(3 * lanes) + lane]));
    }

    /// <summary>
    /// Each plane's reduction pass (the plane kernel's loop, with its lane's constants): Σ a'·u into the first half
    /// of <paramref name="sums"/> and Σ a'·u² into the second, s and a' of every value into the halves of
    /// <paramref name="kept"/> at the value's place in the batch.
    /// </summary>
    private static void Reduction(float* x, float* g, int planeSize, ReadOnlySpan<float> constants, Span<float> kept, Span<double> sums, nuint ahead)
    {
        var lanes = TOps.Count;
        ref var keptSigmoid = ref kept[0];
        ref var keptWeight = ref kept[kept.Length / 2];
        for (var lane = 0; lane < lanes; lane++)
        {
            var offset = (nint)lane * planeSize;
            var planeSums = LaneVectors(constants, lane).Sums(
                ref Unsafe.AsRef<float>(x + offset), ref Unsafe.AsRef<float>(g + offset), planeSize, true,
                ref Unsafe.Add(ref keptSigmoid, offset), ref Unsafe.Add(ref keptWeight, offset), ahead);
            sums[lane] = planeSums.WeightedU;
            sums[lanes + lane] = planeSums.WeightedUSquared;
        }
    }

    /// <summary>
    /// −D = −4·Σ(a'·u²)/(S − 1) and −B = −Σ(a'·u)/S of every lane, rounded as BackwardCoefficients and the plane
    /// kernel round them (dividing by −S negates exactly), into constant groups 4 and 5.
    /// </summary>
    private static void Coefficients(ReadOnlySpan<double> sums, int planeSize, Span<float> constants)
    {
        var lanes = TOps.Count;
        ref var weightedU = ref Unsafe.As<double, TD>(ref MemoryMarshal.GetReference(sums));
        ref var weightedUSquared = ref Unsafe.As<double, TD>(ref Unsafe.AsRef(in sums[lanes]));
        var four = TOps.CreateDouble(4);
        var negativeSize = TOps.CreateDouble(-planeSize);
        var negativeDegrees = TOps.CreateDouble(-(planeSize - 1));
        var negativeSlope = TOps.Narrow(
            TOps.DivideDouble(TOps.MultiplyDouble(four, weightedUSquared), negativeDegrees),
            TOps.DivideDouble(TOps.MultiplyDouble(four, Unsafe.Add(ref weightedUSquared, 1)), negativeDegrees));
        var negativeOffset = TOps.Narrow(TOps.DivideDouble(weightedU, negativeSize), TOps.DivideDouble(Unsafe.Add(ref weightedU, 1), negativeSize));
        TOps.Store(negativeSlope, ref constants[4 * lanes], 0);
        TOps.Store(negativeOffset, ref constants[5 * lanes], 0);
    }

    /// <summary>
    /// The exact variant's first backward pass over the batch in memory order, as <see cref="MemoryOrderGate"/> runs the
    /// gate: s and a° of every value into the halves of <paramref name="kept"/>, each vector picking its planes' μ_hi,
    /// r′, μ_lo·r′ and σ by permute. Plane by plane, this pass was a chain of three divisions and the exponential per
    /// vector, four vectors deep on 7×7 planes, with the plane's sums and constants after it: the core ran little of
    /// it in parallel (3.4 ns per value on one thread at 512 bits on Zen 5, against 0.9 for the plane kernel on 56×56).
    /// In memory order every vector is independent. It prefetches the next batch's x and g (<paramref name="ahead"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ExactWeights(float* x, float* g, int planeSize, ReadOnlySpan<int> indexTable, in GateVectors constants, TF weightScale, in ExactEnergyVectors<TF, TD, TOps> energy, Span<float> kept, nuint ahead)
    {
        var width = (nuint)TOps.Count;
        var length = (nuint)planeSize * width;
        ref var planes = ref Unsafe.Add(ref Unsafe.As<int, float>(ref MemoryMarshal.GetReference(indexTable)), TOps.Count);
        ref var keptSigmoid = ref kept[0];
        ref var keptWeight = ref kept[kept.Length / 2];
        var meanHigh = constants.First;
        var root = constants.Root;
        var low = constants.Second;
        var exactEnergy = energy;
        for (nuint i = 0; i < length; i += width)
        {
            if (Kernels.Prefetch.StartsLine<TF, TD, TOps>(i))
            {
                Kernels.Prefetch.Line(ref *x, i + ahead);
                Kernels.Prefetch.Line(ref *g, i + ahead);
            }

            var lanes = TOps.Load(ref planes, i);
            var value = TOps.Load(ref *x, i);
            var z = ExactCentring<TF, TD, TOps>.Scaled(value, TOps.Permute(meanHigh, lanes), TOps.Permute(root, lanes), TOps.Permute(low, lanes));
            var a = exactEnergy.Weight(value, TOps.Load(ref *g, i), z, TOps.Permute(weightScale, lanes), out var sigmoid);
            TOps.Store(sigmoid, ref keptSigmoid, i);
            TOps.Store(a, ref keptWeight, i);
        }
    }

    /// <summary>
    /// The exact variant's sums of every plane from the a° <see cref="ExactWeights"/> kept, through the plane kernel's
    /// own summation (<see cref="ExactVectors{TF, TD, TOps}.KeptSums"/>, z recomputed with the lane's constants
    /// broadcast, so the sums are the plane kernel's bits); then the lane's gradient constants P, −D′ and −B′ into
    /// constant groups 0, 1 and 2, formed from its sums as the plane kernel forms them.
    /// </summary>
    private static void ExactReduction(float* x, int planeSize, ReadOnlySpan<ExactCoefficients> coefficients, in EnergyConstants energy, Span<float> constants, Span<float> kept)
    {
        var lanes = TOps.Count;
        var keptWeight = (float*)Unsafe.AsPointer(ref kept[kept.Length / 2]);
        for (var lane = 0; lane < lanes; lane++)
        {
            var offset = (nint)lane * planeSize;
            var (weightedZ, weightedZSquared) = ExactVectors<TF, TD, TOps>.KeptSums(new ExactCentring<TF, TD, TOps>(coefficients[lane]), x + offset, keptWeight + offset, (nuint)planeSize);
            var backward = new BackwardCoefficients(coefficients[lane].Sums(weightedZ, weightedZSquared), planeSize);
            constants[lane] = coefficients[lane].Slope(energy);
            constants[lanes + lane] = ExactCoefficients.NegativeCurvature(backward, energy);
            constants[(2 * lanes) + lane] = ExactCoefficients.NegativeOffset(backward, energy);
        }
    }

    /// <summary>
    /// The exact variant's gradient pass of every plane from the kept s and a°, through the plane kernel's own loop
    /// (<see cref="ExactVectors{TF, TD, TOps}.WriteGradients"/>), never streaming (see <see cref="Gradients"/>).
    /// </summary>
    private static void ExactGradients(float* x, float* g, float* dx, int planeSize, ReadOnlySpan<ExactCoefficients> coefficients, ReadOnlySpan<float> constants, ReadOnlySpan<float> kept, nuint ahead)
    {
        var lanes = TOps.Count;
        var keptSigmoid = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(kept));
        var keptWeight = keptSigmoid + (kept.Length / 2);
        for (var lane = 0; lane < lanes; lane++)
        {
            var offset = (nint)lane * planeSize;
            ExactVectors<TF, TD, TOps>.WriteGradients(
                new ExactCentring<TF, TD, TOps>(coefficients[lane]), x + offset, g + offset, keptSigmoid + offset, keptWeight + offset, dx + offset, (nuint)planeSize,
                TOps.Create(constants[lane]), TOps.Create(constants[lanes + lane]), TOps.Create(constants[(2 * lanes) + lane]), ahead, streaming: false);
        }
    }

    /// <summary>
    /// Each plane's gradient pass from the kept s and a', through the plane kernel's own loop
    /// (<see cref="BackwardVectors{TF, TD, TOps}.WriteGradients"/>) with the lane's constants broadcast. Never with
    /// non-temporal stores: a plane of at most 16 lines is written at a time, two of them partly, and streaming them
    /// measured 6% slower on [64,2048,7,7].
    /// </summary>
    private static void Gradients(float* x, float* g, float* dx, int planeSize, ReadOnlySpan<float> constants, ReadOnlySpan<float> kept, nuint ahead)
    {
        var lanes = TOps.Count;
        var keptSigmoid = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(kept));
        var keptWeight = keptSigmoid + (kept.Length / 2);
        for (var lane = 0; lane < lanes; lane++)
        {
            var offset = (nint)lane * planeSize;
            LaneVectors(constants, lane).WriteGradients(
                x + offset, g + offset, keptSigmoid + offset, keptWeight + offset, dx + offset, (nuint)planeSize,
                TOps.Create(constants[(4 * lanes) + lane]), TOps.Create(constants[(5 * lanes) + lane]), ahead, streaming: false);
        }
    }

    /// <summary>NaN over every plane of the batch whose statistics are not finite (its lane computed garbage).</summary>
    private static void FillNaNPlanes(float* destination, int planeSize, ReadOnlySpan<PlaneStatistics> statistics)
    {
        for (var lane = 0; lane < statistics.Length; lane++)
        {
            if (!statistics[lane].IsFinite)
            {
                new Span<float>(destination + ((nint)lane * planeSize), planeSize).Fill(float.NaN);
            }
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

    /// <summary>A batch's means and variances v = M2/(S − 1) from its moments, into <paramref name="statistics"/>.</summary>
    private static void Statistics(in BatchMoments moments, int planeSize, Span<PlaneStatistics> statistics)
    {
        var degrees = TOps.CreateDouble(planeSize - 1);
        var half = TOps.Count / 2;
        Span<double> means = stackalloc double[TOps.Count];
        Span<double> variances = stackalloc double[TOps.Count];
        Unsafe.As<double, TD>(ref means[0]) = moments.MeanLower;
        Unsafe.As<double, TD>(ref means[half]) = moments.MeanUpper;
        Unsafe.As<double, TD>(ref variances[0]) = TOps.DivideDouble(moments.SquaresLower, degrees);
        Unsafe.As<double, TD>(ref variances[half]) = TOps.DivideDouble(moments.SquaresUpper, degrees);
        for (var lane = 0; lane < statistics.Length; lane++)
        {
            statistics[lane] = new PlaneStatistics(means[lane], variances[lane]);
        }
    }

    /// <summary>
    /// The gate constants of a batch, rounded exactly as GateCoefficients and Centring round them: r = ½/√(v + λ)
    /// scaled by <paramref name="scale"/> (0 for a constant plane), r to float, then μ·r split into two floats; and
    /// 2r to float, as <see cref="BackwardVectors{TF, TD, TOps}"/> rounds it. <paramref name="finite"/> tells whether
    /// every plane's statistics are finite.
    /// </summary>
    private static GateVectors GateConstants(ReadOnlySpan<PlaneStatistics> statistics, double lambda, double scale, out bool finite, out TF twoRoot)
    {
        var half = TOps.Count / 2;
        Span<double> means = stackalloc double[TOps.Count];
        Span<double> variances = stackalloc double[TOps.Count];
        var constant = false;
        for (var lane = 0; lane < means.Length; lane++)
        {
            means[lane] = statistics[lane].Mean;
            variances[lane] = statistics[lane].Variance;
            constant |= variances[lane] == 0;
        }

        var meanLower = Unsafe.As<double, TD>(ref means[0]);
        var meanUpper = Unsafe.As<double, TD>(ref means[half]);
        var varianceLower = Unsafe.As<double, TD>(ref variances[0]);
        var varianceUpper = Unsafe.As<double, TD>(ref variances[half]);

        // 0·v is 0 for finite v and NaN for NaN or ±∞, so the sum is 0 exactly when every statistic is finite.
        var zeroes = TOps.CreateDouble(0);
        var check = TOps.AddDouble(
            TOps.MultiplyAddDouble(meanLower, zeroes, TOps.MultiplyDouble(varianceLower, zeroes)),
            TOps.MultiplyAddDouble(meanUpper, zeroes, TOps.MultiplyDouble(varianceUpper, zeroes)));
        finite = TOps.SumDouble(check) == 0;

        var lambdaVector = TOps.CreateDouble(lambda);
        var scaleVector = TOps.CreateDouble(scale);
        var rootLower = TOps.MultiplyDouble(TOps.DivideDouble(TOps.CreateDouble(0.5), TOps.SqrtDouble(TOps.AddDouble(varianceLower, lambdaVector))), scaleVector);
        var rootUpper = TOps.MultiplyDouble(TOps.DivideDouble(TOps.CreateDouble(0.5), TOps.SqrtDouble(TOps.AddDouble(varianceUpper, lambdaVector))), scaleVector);
        var two = TOps.CreateDouble(2);
        var root = TOps.Narrow(rootLower, rootUpper);
        twoRoot = TOps.Narrow(TOps.MultiplyDouble(rootLower, two), TOps.MultiplyDouble(rootUpper, two));
        if (constant)
        {
            root = ZeroRootOfConstantPlanes(root, variances);
            twoRoot = ZeroRootOfConstantPlanes(twoRoot, variances);
        }

        TOps.Widen(root, out rootLower, out rootUpper);
        var productLower = TOps.MultiplyDouble(meanLower, rootLower);
        var productUpper = TOps.MultiplyDouble(meanUpper, rootUpper);
        var high = TOps.Narrow(productLower, productUpper);
        TOps.Widen(high, out var highLower, out var highUpper);
        var zero = TOps.Create(0f);
        return new GateVectors(
            TOps.Subtract(zero, high),
            root,
            TOps.Subtract(zero, TOps.Narrow(TOps.SubtractDouble(productLower, highLower), TOps.SubtractDouble(productUpper, highUpper))));
    }

    /// <summary>
    /// The exact variant's gate constants of a batch: each lane's <see cref="ExactCoefficients"/>, formed by the same
    /// code as the plane kernel's, so the rounding of μ_hi, r′ and μ_lo·r′ is the plane kernel's. They are formed lane by
    /// lane in scalar code: the lanes' chains are independent, so the core overlaps them, and a vector copy of the
    /// formulas would be a second place to keep them in step. The coefficients go into <paramref name="coefficients"/>
    /// unless it is empty; the vectors returned hold μ_hi, r′ and −(μ − μ_hi)·r′ (for
    /// <see cref="ExactCentring{TF, TD, TOps}.Scaled(TF, TF, TF, TF)"/>), and <paramref name="weightScale"/> each lane's σ.
    /// </summary>
    private static GateVectors ExactGateConstants(ReadOnlySpan<PlaneStatistics> statistics, double lambda, Span<ExactCoefficients> coefficients, out bool finite, out TF weightScale)
    {
        var lanes = TOps.Count;
        Span<float> values = stackalloc float[4 * lanes];
        finite = true;
        for (var lane = 0; lane < lanes; lane++)
        {
            var exact = new ExactCoefficients(new GateCoefficients(statistics[lane], lambda));
            finite &= statistics[lane].IsFinite;
            if (!coefficients.IsEmpty)
            {
                coefficients[lane] = exact;
            }

            values[lane] = exact.MeanHigh;
            values[lanes + lane] = exact.Root;
            values[(2 * lanes) + lane] = exact.Low;
            values[(3 * lanes) + lane] = exact.WeightScale;
        }

        weightScale = TOps.Load(ref values[3 * lanes], 0);
        return new GateVectors(TOps.Load(ref values[0], 0), TOps.Load(ref values[lanes], 0), TOps.Load(ref values[2 * lanes], 0));
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
            ShiftedSums<TF, TD, TOps>.Add(lower, upper, originLower, originUpper, ref sumLower, ref sumUpper, ref sumOfSquaresLower, ref sumOfSquaresUpper);
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
    // Its own method, with the writer's loops inlined into it: inlined into its caller, the JIT ran out of budget
    // and called the step for every vector.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MemoryOrderGate<TVariant>(float* x, float* y, int planeSize, ReadOnlySpan<int> indexTable, in GateVectors constants, in ExactEnergyVectors<TF, TD, TOps> energy, nuint ahead, bool streaming)
        where TVariant : IEnergy
    {
        var planes = (float*)Unsafe.AsPointer(ref Unsafe.Add(ref Unsafe.As<int, float>(ref MemoryMarshal.GetReference(indexTable)), TOps.Count));
        VectorWriter<TF, TD, TOps>.Write(y, (nuint)planeSize * (nuint)TOps.Count, ahead, streaming, new LaneGateStep<TVariant>(x, planes, constants, energy));
    }

    /// <summary>
    /// One vector of <see cref="MemoryOrderGate"/>: each value's plane constants picked by permute, then the
    /// variant's gate (the plane kernels' steps: the fast variant's FMA centring and gate, or the exact variant's z and
    /// gate with the constants every plane of the call shares).
    /// </summary>
    private readonly struct LaneGateStep<TVariant>(float* x, float* planes, GateVectors constants, ExactEnergyVectors<TF, TD, TOps> energy) : IVectorStep<TF>
        where TVariant : IEnergy
    {
        private readonly TF _negativeHalfLog2E = TOps.Create(FastSigmoid.NegativeHalfLog2E);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF At(nuint index)
        {
            var lanes = TOps.Load(ref *planes, index);
            var value = TOps.Load(ref *x, index);
            if (TVariant.IsExact)
            {
                return energy.Gate(value, ExactCentring<TF, TD, TOps>.Scaled(value, TOps.Permute(constants.First, lanes), TOps.Permute(constants.Root, lanes), TOps.Permute(constants.Second, lanes)));
            }

            var u = TOps.Add(TOps.MultiplyAdd(value, TOps.Permute(constants.Root, lanes), TOps.Permute(constants.First, lanes)), TOps.Permute(constants.Second, lanes));
            return FastSigmoid.Gate<TF, TD, TOps>(value, u, _negativeHalfLog2E);
        }

        public void Seek(nuint index)
        {
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TF Next(nuint index) => At(index);

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

    /// <summary>
    /// A batch's gate constants, one lane per plane: −(μr)_hi, r and −(μr)_lo (see Centring) in the fast variant; μ_hi, r′
    /// and −(μ − μ_hi)·r′ (see <see cref="ExactCoefficients"/>) in the exact one.
    /// </summary>
    private readonly record struct GateVectors(TF First, TF Root, TF Second);
}
