using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SimAM.Kernels;

/// <summary>
/// The forward pass of small planes (3×3, 5×5, 7×7, …) with one plane per SIMD lane: a vector of
/// <c>Count</c> lanes reduces and gates <c>Count</c> neighbouring planes at once.
/// </summary>
/// <remarks>
/// <para>
/// On a 49-value plane the plane-at-a-time kernel spends most of its time outside its loops: a
/// horizontal sum per pass, the scalar chain mean → variance → √ → gate constants, masked tails. Here
/// every lane follows its own plane, so those steps run once per batch, in vectors, and the loops have
/// no tails. The reduction gathers value k of every plane in one vector (lane l reads x[l·S + k]); the
/// gate then runs over the batch's values in memory order, and each vector of values picks its planes'
/// constants with one permute per constant.
/// </para>
/// <para>
/// The moments come from one pass over d = x − x₀ (x₀ the plane's first value), in double:
/// M2 = Σd² − (Σd)²/S. With x₀ taken from the plane itself (x₀ − μ)² ≤ M2, so the cancellation costs at
/// most a relative (2S + 1)·2⁻⁵³ of M2 — far inside what double leaves to spare — while a second pass
/// over the gathered values would cost as much as the gate. The gate constants are then formed with
/// the plane kernel's own roundings (its Centring step), so a plane's output depends only on its
/// statistics, whichever kernel ran it.
/// </para>
/// </remarks>
internal static unsafe class LanePerPlaneKernel<TF, TD, TOps>
    where TF : struct
    where TD : struct
    where TOps : ISimdOps<TF, TD>
{
    /// <summary>A plane of one value has no variance (S − 1 = 0); it takes the plane kernels' NaN path.</summary>
    public const int MinPlaneSize = 2;

    /// <summary>
    /// Planes shorter than four vectors. Measured on Zen 4 (forward, 4096 planes): at 512 bits this
    /// kernel takes 0.37× the plane kernel's time at 16 values, 0.66× at 49, and breaks even at 64-100;
    /// at 256 bits it wins up to 36 values and loses from 64. Beyond that the plane kernel's fixed cost is
    /// spread over enough values, and its contiguous loads beat gathers.
    /// </summary>
    public static int MaxPlaneSize => (4 * TOps.Count) - 1;

    /// <summary>Gets how many planes one call takes for this plane size, or 0 where this kernel does not apply.</summary>
    public static int PlanesPerBatch(int planeSize) =>
        TOps.IsGatherAccelerated && TOps.IsFusedMultiplyAddAccelerated && planeSize >= MinPlaneSize && planeSize <= MaxPlaneSize
            ? TOps.Count
            : 0;

    /// <summary>Gets the length of the index table <see cref="FillIndexTable"/> fills.</summary>
    public static int IndexTableLength(int planeSize) => TOps.Count * (planeSize + 1);

    /// <summary>
    /// Fills the per-call index table: first each lane's offset l·S, then for every value of a batch the lane
    /// (plane) it belongs to, in memory order.
    /// </summary>
    public static void FillIndexTable(Span<int> table, int planeSize)
    {
        var lanes = TOps.Count;
        for (var lane = 0; lane < lanes; lane++)
        {
            table[lane] = lane * planeSize;
        }

        var planeOf = table.Slice(lanes, lanes * planeSize);
        for (var i = 0; i < planeOf.Length; i++)
        {
            planeOf[i] = i / planeSize;
        }
    }

    /// <summary>
    /// y = x·sigmoid(E) for the <c>Count</c> planes of <paramref name="planeSize"/> values at <paramref name="x"/>,
    /// their statistics into <paramref name="statistics"/>. A plane holding NaN or ±∞ gets NaN, as in the plane kernels.
    /// </summary>
    public static void Forward(float* x, float* y, int planeSize, ReadOnlySpan<int> indexTable, double lambda, Span<PlaneStatistics> statistics, nuint ahead)
    {
        ref var table = ref Unsafe.As<int, float>(ref MemoryMarshal.GetReference(indexTable));
        var offsets = TOps.Load(ref table, 0);

        // One pass of double sums over d = x − x₀, lane l following plane l.
        TOps.Widen(TOps.Gather(x, offsets), out var originLower, out var originUpper);
        TD sumLower = default, sumUpper = default, squaresLower = default, squaresUpper = default;
        for (var k = 1; k < planeSize; k++)
        {
            TOps.Widen(TOps.Gather(x + k, offsets), out var lower, out var upper);
            lower = TOps.SubtractDouble(lower, originLower);
            upper = TOps.SubtractDouble(upper, originUpper);
            sumLower = TOps.AddDouble(sumLower, lower);
            sumUpper = TOps.AddDouble(sumUpper, upper);
            squaresLower = TOps.MultiplyAddDouble(lower, lower, squaresLower);
            squaresUpper = TOps.MultiplyAddDouble(upper, upper, squaresUpper);
        }

        var size = TOps.CreateDouble(planeSize);
        var degrees = TOps.CreateDouble(planeSize - 1);
        var meanLower = TOps.AddDouble(originLower, TOps.DivideDouble(sumLower, size));
        var meanUpper = TOps.AddDouble(originUpper, TOps.DivideDouble(sumUpper, size));
        var varianceLower = TOps.DivideDouble(TOps.SubtractDouble(squaresLower, TOps.MultiplyDouble(sumLower, TOps.DivideDouble(sumLower, size))), degrees);
        var varianceUpper = TOps.DivideDouble(TOps.SubtractDouble(squaresUpper, TOps.MultiplyDouble(sumUpper, TOps.DivideDouble(sumUpper, size))), degrees);

        var half = TOps.Count / 2;
        Span<double> means = stackalloc double[TOps.Count];
        Span<double> variances = stackalloc double[TOps.Count];
        Unsafe.As<double, TD>(ref means[0]) = meanLower;
        Unsafe.As<double, TD>(ref means[half]) = meanUpper;
        Unsafe.As<double, TD>(ref variances[0]) = varianceLower;
        Unsafe.As<double, TD>(ref variances[half]) = varianceUpper;
        var finite = true;
        for (var lane = 0; lane < TOps.Count; lane++)
        {
            statistics[lane] = new PlaneStatistics(means[lane], variances[lane]);
            finite &= statistics[lane].IsFinite;
        }

        // The gate constants of every lane, rounded exactly as GateCoefficients and Centring round them:
        // r = ½/√(v + λ) scaled by √log2(e), r to float, then μ·r split into two floats.
        var lambdaVector = TOps.CreateDouble(lambda);
        var scale = TOps.CreateDouble(Math.Sqrt(FastSigmoid.Log2E));
        var rootLower = TOps.MultiplyDouble(TOps.DivideDouble(TOps.CreateDouble(0.5), TOps.SqrtDouble(TOps.AddDouble(varianceLower, lambdaVector))), scale);
        var rootUpper = TOps.MultiplyDouble(TOps.DivideDouble(TOps.CreateDouble(0.5), TOps.SqrtDouble(TOps.AddDouble(varianceUpper, lambdaVector))), scale);
        var root = TOps.Narrow(rootLower, rootUpper);
        TOps.Widen(root, out rootLower, out rootUpper);
        var productLower = TOps.MultiplyDouble(meanLower, rootLower);
        var productUpper = TOps.MultiplyDouble(meanUpper, rootUpper);
        var high = TOps.Narrow(productLower, productUpper);
        TOps.Widen(high, out var highLower, out var highUpper);
        var zero = TOps.Create(0f);
        var first = TOps.Subtract(zero, high);
        var second = TOps.Subtract(zero, TOps.Narrow(TOps.SubtractDouble(productLower, highLower), TOps.SubtractDouble(productUpper, highUpper)));

        // The gate over the batch in memory order: vector m holds values m·Count … m·Count + Count − 1.
        var width = (nuint)TOps.Count;
        var count = (nuint)planeSize * width;
        ref var input = ref Unsafe.AsRef<float>(x);
        ref var output = ref Unsafe.AsRef<float>(y);
        ref var planes = ref Unsafe.Add(ref table, width);
        var negativeHalfLog2E = TOps.Create(FastSigmoid.NegativeHalfLog2E);
        for (nuint i = 0; i < count; i += width)
        {
            if (Prefetch.StartsLine<TF, TD, TOps>(i))
            {
                Prefetch.Line(ref input, i + ahead);
                Prefetch.Line(ref output, i + ahead);
            }

            var lanes = TOps.Load(ref planes, i);
            var value = TOps.Load(ref input, i);
            var u = TOps.Add(TOps.MultiplyAdd(value, TOps.Permute(root, lanes), TOps.Permute(first, lanes)), TOps.Permute(second, lanes));
            TOps.Store(FastSigmoid.Gate<TF, TD, TOps>(value, u, negativeHalfLog2E), ref output, i);
        }

        if (!finite)
        {
            // A plane holding NaN or ±∞ gets NaN everywhere (its lane computed garbage above); its neighbours'
            // lanes never read it after the reduction.
            for (var lane = 0; lane < TOps.Count; lane++)
            {
                if (!statistics[lane].IsFinite)
                {
                    new Span<float>(y + ((nint)lane * planeSize), planeSize).Fill(float.NaN);
                }
            }
        }
    }
}
