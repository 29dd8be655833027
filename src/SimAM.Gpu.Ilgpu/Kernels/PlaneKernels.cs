using ILGPU;

namespace SimAM.Gpu.Ilgpu.Kernels;

/// <summary>
/// SimAM forward and backward as ILGPU kernels (explicitly grouped, one dimension). The stages per plane are the
/// engine's, in its order: Σ x → μ, Σ (x − μ)² → v (the centred sum, never E[x²] − E[x]²), then the gate, and for
/// the backward pass R1 = Σ a·u, R2 = Σ a·u² followed by dx.
/// </summary>
/// <remarks>
/// <para>
/// Fused kernels run one group per plane: thread l of a group of size G takes values l, l + G, … (coalesced), and
/// every sum is a fixed-order tree in shared memory (<see cref="GroupReduce"/>). The split kernels give a large plane
/// several groups, one contiguous chunk each: every stage writes one partial per chunk, and the next stage folds its
/// plane's partials in chunk order. Either way the results are bitwise identical from run to run.
/// </para>
/// <para>
/// Statistics live in a double buffer of two values per plane, (μ, v), the layout of
/// <see cref="PlaneStatistics"/>. Values are loaded into locals once: ILGPU does not merge repeated loads of a view.
/// </para>
/// </remarks>
internal static class PlaneKernels
{
    /// <summary>
    /// Planes under this many values take u in double in the backward pass, as the engine's small-plane path does. On a
    /// 2-value plane u² is 1/8 up to λ, and dx = g·s + [2r·a·u − D·u − B] with a bracket that cancels to about
    /// (1 − 8u²)·r·u·Σa: a float u leaves 2^-23 of r·u·Σa, several times the 1e-6 bound on x = 100 + noise.
    /// </summary>
    public const int SmallPlane = 16;

    /// <summary>
    /// y = SimAM(x), one group per plane (a grid smaller than the plane count strides over the planes); writes each
    /// plane's (μ, v) to <paramref name="statistics"/>.
    /// </summary>
    public static void Forward(ArrayView<float> x, ArrayView<float> y, ArrayView<double> statistics, int planes, int n, float lambda)
    {
        var scratch = SharedMemory.GetDynamic<double>();
        for (var plane = Grid.IdxX; plane < planes; plane += Grid.DimX)
        {
            var start = plane * n;
            var mean = GroupReduce.Sum(Sum(x, start, 0, n), scratch) / n;
            var variance = GroupReduce.Sum(Squares(x, start, 0, n, mean), scratch) / (n - 1);
            if (Group.IdxX == 0)
            {
                statistics[2 * plane] = mean;
                statistics[(2 * plane) + 1] = variance;
            }

            ApplyForward(x, y, start, 0, n, new Gate(mean, variance, lambda));
        }
    }

    /// <summary>
    /// dx = ∂L/∂x, one group per plane (a grid smaller than the plane count strides over the planes); with
    /// <paramref name="saved"/> = 1 the plane's (μ, v) come from <paramref name="statistics"/> (the forward pass's),
    /// otherwise they are computed here and not stored. <paramref name="dx"/> may be <paramref name="x"/> or <paramref name="g"/> itself.
    /// </summary>
    public static void Backward(ArrayView<float> x, ArrayView<float> g, ArrayView<float> dx, ArrayView<double> statistics, int planes, int n, float lambda, int saved)
    {
        var scratch = SharedMemory.GetDynamic<double>();
        for (var plane = Grid.IdxX; plane < planes; plane += Grid.DimX)
        {
            var start = plane * n;
            double mean;
            double variance;
            if (saved != 0)
            {
                mean = statistics[2 * plane];
                variance = statistics[(2 * plane) + 1];
            }
            else
            {
                mean = GroupReduce.Sum(Sum(x, start, 0, n), scratch) / n;
                variance = GroupReduce.Sum(Squares(x, start, 0, n, mean), scratch) / (n - 1);
            }

            var gate = new Gate(mean, variance, lambda);
            var r1 = 0.0;
            var r2 = 0.0;
            Weighted(x, g, n, start, 0, n, gate, ref r1, ref r2);
            GroupReduce.SumPair(ref r1, ref r2, scratch);

            // Every read of this plane's x and g is done (the pair sum ends with a barrier): dx may overwrite them.
            ApplyBackward(x, g, dx, n, start, 0, n, gate, r1, r2);

            // The next plane's first sum writes the scratch again: wait until every thread has read this one's totals.
            Group.Barrier();
        }
    }

    /// <summary>Split stage 1: the partial Σ x of chunk j of a plane (group index = plane·groups + j).</summary>
    public static void PartialSums(ArrayView<float> x, ArrayView<double> partials, int n, int chunk, int groups)
    {
        var scratch = SharedMemory.GetDynamic<double>();
        var index = Grid.IdxX;
        var plane = index / groups;
        var begin = (index - (plane * groups)) * chunk;
        var total = GroupReduce.Sum(Sum(x, plane * n, begin, End(begin, chunk, n)), scratch);
        if (Group.IdxX == 0)
        {
            partials[index] = total;
        }
    }

    /// <summary>Split stage 2: the partial Σ (x − μ)² of a chunk, μ from the plane's folded Σ x.</summary>
    public static void PartialSquares(ArrayView<float> x, ArrayView<double> sums, ArrayView<double> partials, int n, int chunk, int groups)
    {
        var scratch = SharedMemory.GetDynamic<double>();
        var index = Grid.IdxX;
        var plane = index / groups;
        var begin = (index - (plane * groups)) * chunk;
        var mean = Fold(sums, plane * groups, groups) / n;
        var total = GroupReduce.Sum(Squares(x, plane * n, begin, End(begin, chunk, n), mean), scratch);
        if (Group.IdxX == 0)
        {
            partials[index] = total;
        }
    }

    /// <summary>Split stage 3, one thread per plane: folds the partials in chunk order into (μ, v).</summary>
    public static void FinishStatistics(Index1D plane, ArrayView<double> sums, ArrayView<double> squares, ArrayView<double> statistics, int n, int groups)
    {
        var first = plane * groups;
        var mean = Fold(sums, first, groups) / n;
        statistics[2 * plane] = mean;
        statistics[(2 * plane) + 1] = Fold(squares, first, groups) / (n - 1);
    }

    /// <summary>Split forward: y over one chunk, from the plane's (μ, v).</summary>
    public static void ForwardChunk(ArrayView<float> x, ArrayView<float> y, ArrayView<double> statistics, int n, int chunk, int groups, float lambda)
    {
        var index = Grid.IdxX;
        var plane = index / groups;
        var begin = (index - (plane * groups)) * chunk;
        var gate = new Gate(statistics[2 * plane], statistics[(2 * plane) + 1], lambda);
        ApplyForward(x, y, plane * n, begin, End(begin, chunk, n), gate);
    }

    /// <summary>Split backward, stage 1: the partial R1 and R2 of a chunk; partials hold all R1s, then all R2s.</summary>
    public static void BackwardPartials(ArrayView<float> x, ArrayView<float> g, ArrayView<double> statistics, ArrayView<double> partials, int n, int chunk, int groups, float lambda)
    {
        var scratch = SharedMemory.GetDynamic<double>();
        var index = Grid.IdxX;
        var plane = index / groups;
        var begin = (index - (plane * groups)) * chunk;
        var gate = new Gate(statistics[2 * plane], statistics[(2 * plane) + 1], lambda);
        var r1 = 0.0;
        var r2 = 0.0;
        Weighted(x, g, n, plane * n, begin, End(begin, chunk, n), gate, ref r1, ref r2);
        GroupReduce.SumPair(ref r1, ref r2, scratch);
        if (Group.IdxX == 0)
        {
            partials[index] = r1;
            partials[Grid.DimX + index] = r2;
        }
    }

    /// <summary>Split backward, stage 2: dx over one chunk, R1 and R2 folded from the partials in chunk order.</summary>
    public static void BackwardChunk(ArrayView<float> x, ArrayView<float> g, ArrayView<float> dx, ArrayView<double> statistics, ArrayView<double> partials, int n, int chunk, int groups, float lambda)
    {
        var index = Grid.IdxX;
        var plane = index / groups;
        var begin = (index - (plane * groups)) * chunk;
        var gate = new Gate(statistics[2 * plane], statistics[(2 * plane) + 1], lambda);
        var r1 = Fold(partials, plane * groups, groups);
        var r2 = Fold(partials, Grid.DimX + (plane * groups), groups);
        ApplyBackward(x, g, dx, n, plane * n, begin, End(begin, chunk, n), gate, r1, r2);
    }

    /// <summary>The 3-stream floor the benchmarks compare the backward pass with: sum = a + b.</summary>
    public static void Add(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> sum) => sum[i] = a[i] + b[i];

    private static int End(int begin, int chunk, int n) => begin + chunk < n ? begin + chunk : n;

    private static double Fold(ArrayView<double> partials, int first, int count)
    {
        var total = 0.0;
        for (var j = 0; j < count; j++)
        {
            total += partials[first + j];
        }

        return total;
    }

    private static double Sum(ArrayView<float> x, int start, int begin, int end)
    {
        var sum = 0.0;
        for (var i = begin + Group.IdxX; i < end; i += Group.DimX)
        {
            sum += x[start + i];
        }

        return sum;
    }

    private static double Squares(ArrayView<float> x, int start, int begin, int end, double mean)
    {
        var sum = 0.0;
        for (var i = begin + Group.IdxX; i < end; i += Group.DimX)
        {
            var c = x[start + i] - mean;
            sum += c * c;
        }

        return sum;
    }

    private static void ApplyForward(ArrayView<float> x, ArrayView<float> y, int start, int begin, int end, Gate gate)
    {
        for (var i = begin + Group.IdxX; i < end; i += Group.DimX)
        {
            y[start + i] = gate.Apply(x[start + i]);
        }
    }

    /// <summary>
    /// Accumulates R1 = Σ a°·u and R2 = Σ a°·u² with a° = σ·a, a = g·x·s(1 − s). s(1 − s) is formed as e·s², because
    /// 1 − s of a rounded s loses every digit once s is within an ulp of 1.
    /// </summary>
    private static void Weighted(ArrayView<float> x, ArrayView<float> g, int n, int start, int begin, int end, Gate gate, ref double r1, ref double r2)
    {
        if (gate.Finite == 0)
        {
            return;
        }

        var sigma = gate.WeightScale();
        for (var i = begin + Group.IdxX; i < end; i += Group.DimX)
        {
            var xi = x[start + i];
            if (n < SmallPlane)
            {
                var ud = gate.CentredDouble(xi);
                var sd = Gate.Sigmoid((float)ud, out var ed);
                double ad = g[start + i] * (xi * sigma) * (ed * sd * sd);
                r1 += ad * ud;
                r2 += ad * ud * ud;
                continue;
            }

            var u = gate.Centred(xi);
            var s = Gate.Sigmoid(u, out var e);
            var au = g[start + i] * (xi * sigma) * (e * s * s) * u;
            r1 += au;
            r2 += au * u;
        }
    }

    /// <summary>
    /// dx = g·s + 2k·a·c − (2k/S)·R1 − (8k²/(S − 1))·R2·c written in u = c·r, k = r²:
    /// dx = g·s + u·(2r·a − D) − B with B = 2r·R1/S and D = 8r·R2/(S − 1), where the sums came in a° = σ·a.
    /// </summary>
    private static void ApplyBackward(ArrayView<float> x, ArrayView<float> g, ArrayView<float> dx, int n, int start, int begin, int end, Gate gate, double r1, double r2)
    {
        var sigma = gate.WeightScale();
        var twoRootDouble = 2.0 * gate.RootDouble / sigma;
        var offsetDouble = twoRootDouble * r1 / n;
        var slopeDouble = 4.0 * twoRootDouble * r2 / (n - 1);
        var twoRoot = (float)twoRootDouble;
        var offset = (float)offsetDouble;
        var slope = (float)slopeDouble;
        for (var i = begin + Group.IdxX; i < end; i += Group.DimX)
        {
            var xi = x[start + i];
            var gi = g[start + i];
            if (gate.Finite == 0)
            {
                dx[start + i] = float.NaN;
                continue;
            }

            if (n < SmallPlane)
            {
                var ud = gate.CentredDouble(xi);
                var sd = Gate.Sigmoid((float)ud, out var ed);
                double ad = gi * (xi * sigma) * (ed * sd * sd);
                dx[start + i] = (float)((gi * (double)sd) + (ud * ((twoRootDouble * ad) - slopeDouble)) - offsetDouble);
                continue;
            }

            var u = gate.Centred(xi);
            var s = Gate.Sigmoid(u, out var e);
            var a = gi * (xi * sigma) * (e * s * s);
            dx[start + i] = (gi * s) + (u * ((twoRoot * a) - slope)) - offset;
        }
    }
}
