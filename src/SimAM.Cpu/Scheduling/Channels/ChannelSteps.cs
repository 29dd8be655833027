using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using SimAM.Kernels;
using SimAM.Kernels.Channels;

namespace SimAM.Scheduling.Channels;

/// <summary>
/// The per-chunk and per-sample steps shared by both scheduling modes. Whichever mode runs, a sample's
/// numbers come from the same chunk calls folded in the same order, so the bits never depend on it.
/// Everything per channel is a <see cref="TensorPrimitives"/> call across C (vectorised, and elementwise
/// so its bits do not depend on the vector width); only the gate constants are computed one channel at
/// a time, once per sample.
/// </summary>
internal static class ChannelSteps<T, TLane, TKernel>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TLane : unmanaged, IFloatingPointIeee754<TLane>
    where TKernel : IChannelVectorKernel<T, TLane>
{
    /// <summary>
    /// A chunk's per-channel mean and centred sum of squares M2, in one pass: per lane, Σd and Σd² of the deviations
    /// d = x − c from the origin c, the lane's channel value in the chunk's first row; folded per channel,
    /// μ = c + Σd/n and M2 = Σd² − (Σd)²/n, as the channels-first kernels' shifted moments.
    /// </summary>
    /// <remarks>
    /// One pass instead of two or three (Σx, for double tensors the mean's correction Σ(x − μ), then Σ(x − μ)²) reads
    /// the chunk once. It stays accurate because c belongs to the channel's chunk: (c − μ)² ≤ M2, so
    /// Σd² = M2 + n·(c − μ)² ≤ (n + 1)·M2 and the cancellation in Σd² − (Σd)²/n costs at most a factor n + 1 on the
    /// rounding of the double sums — a worst case (c an outlier of √n standard deviations) far below float
    /// precision, though for double tensors up to log2(n + 1) bits more than the corrected two-pass sums lost; for
    /// typical data Σd² is about 2·M2. A constant channel gives d = 0 throughout, so exactly
    /// μ = c and M2 = 0 (the double kernel no longer needs the corrected mean for that). Every deviation is formed
    /// and squared in double, so float and Half tensors cannot overflow.
    /// </remarks>
    public static void ChunkMoments(ReadOnlySpan<T> chunk, int rows, in ChannelLanes lanes, in ChannelScratch<TLane> scratch, Span<double> mean, Span<double> squares)
    {
        var channels = mean.Length;
        var origins = scratch.Lanes(2);
        TensorPrimitives.ConvertTruncating(chunk[..channels], origins[..channels]);
        Repeat<double>(origins[..channels], origins);
        var sums = scratch.Lanes(0);
        var laneSquares = scratch.Lanes(1);
        sums.Clear();
        laneSquares.Clear();
        TKernel.AddDeviations(chunk, lanes, origins, sums, laneSquares);
        FoldLanes(sums, lanes, mean);
        FoldLanes(laneSquares, lanes, squares);

        // mean holds Σd: shift = Σd/n into the folded lanes' scratch, M2 = Σd² − Σd·shift (never below 0), μ = c + shift.
        var shift = sums[..channels];
        TensorPrimitives.Divide(mean, rows, shift);
        TensorPrimitives.Multiply(mean, shift, mean);
        TensorPrimitives.Subtract(squares, mean, squares);
        TensorPrimitives.Max(squares, 0, squares);
        TensorPrimitives.Add(origins[..channels], shift, mean);
    }

    /// <summary>
    /// Merges a chunk's moments into the running ones with Chan, Golub and LeVeque's pairwise update (exact
    /// in exact arithmetic, and unlike Σx² − (Σx)²/n it loses nothing on planes with a large offset).
    /// </summary>
    public static void Combine(long countBefore, int rows, Span<double> mean, Span<double> squares, ReadOnlySpan<double> chunkMean, ReadOnlySpan<double> chunkSquares, Span<double> delta)
    {
        if (countBefore == 0)
        {
            chunkMean.CopyTo(mean);
            chunkSquares.CopyTo(squares);
            return;
        }

        var weight = rows / (double)(countBefore + rows);
        TensorPrimitives.Subtract(chunkMean, mean, delta);
        TensorPrimitives.MultiplyAdd(delta, weight, mean, mean);
        TensorPrimitives.Add(squares, chunkSquares, squares);
        TensorPrimitives.Multiply(delta, delta, delta);
        TensorPrimitives.MultiplyAdd(delta, countBefore * weight, squares, squares);
    }

    /// <summary>The plane statistics (unbiased variance, as the reference divides by S − 1).</summary>
    public static void Statistics(ReadOnlySpan<double> mean, ReadOnlySpan<double> squares, int spatial, Span<PlaneStatistics> statistics)
    {
        for (var c = 0; c < statistics.Length; c++)
        {
            statistics[c] = new PlaneStatistics(mean[c], squares[c] / (spatial - 1));
        }
    }

    /// <summary>A chunk's per-channel Σ a′·z and Σ a′·z².</summary>
    public static void ChunkGradientSums<TEnergy>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, in ChannelLanes lanes, ReadOnlySpan<TLane> gate, in EnergyConstants energy, in ChannelScratch<TLane> scratch, Span<double> weighted, Span<double> weightedSquares)
        where TEnergy : IEnergy
    {
        var first = scratch.Lanes(0);
        var second = scratch.Lanes(1);
        first.Clear();
        second.Clear();
        TKernel.AddGradientSums<TEnergy>(x, g, lanes, gate, energy, first, second);
        FoldLanes(first, lanes, weighted);
        FoldLanes(second, lanes, weightedSquares);
    }

    /// <summary>
    /// The gate tables of a sample: μ_high, r′ = √log2(e)/(2√(v + λ)) and −(μ − μ_high)·r′ per channel,
    /// repeated across the lanes. A non-finite channel gets zeros (its output is overwritten with NaN).
    /// </summary>
    public static void GateTables(ReadOnlySpan<PlaneStatistics> statistics, double lambda, Span<TLane> gate, int tableLength)
    {
        var high = gate[..tableLength];
        var root = gate.Slice(tableLength, tableLength);
        var low = gate.Slice(2 * tableLength, tableLength);
        for (var c = 0; c < statistics.Length; c++)
        {
            var stats = statistics[c];
            if (!stats.IsFinite)
            {
                high[c] = root[c] = low[c] = TLane.Zero;
                continue;
            }

            var scaledRoot = ScaledRoot(stats, lambda);
            var mean = TLane.CreateTruncating(stats.Mean);
            high[c] = mean;
            root[c] = TLane.CreateTruncating(scaledRoot);
            low[c] = TLane.CreateTruncating(-(stats.Mean - double.CreateTruncating(mean)) * scaledRoot);
        }

        var channels = statistics.Length;
        Repeat<TLane>(high[..channels], high);
        Repeat<TLane>(root[..channels], root);
        Repeat<TLane>(low[..channels], low);
    }

    /// <summary>
    /// The gradient tables of a sample, from the kernel's Σ a°z and Σ a°z², a° = σ·a′ with the kernel's power of two
    /// σ (<see cref="IChannelVectorKernel{T, TLane}.WeightScaleOf"/>): P = 2rβ²/√log2e,
    /// D = 8rβ²·Σa′z²/((S − 1)·log2e·√log2e) and B = 2rβ²·Σa′z/(S·√log2e), stored as P/σ, −D, −B
    /// (docs/exact-variant.md; β = 1 in the fast variant). Dividing by σ is exact, so the tables are those of the
    /// unscaled sums.
    /// </summary>
    public static void GradientTables(ReadOnlySpan<PlaneStatistics> statistics, ReadOnlySpan<double> weighted, ReadOnlySpan<double> weightedSquares, double lambda, in EnergyConstants energy, int spatial, Span<TLane> gradient, int tableLength)
    {
        var slope = gradient[..tableLength];
        var negativeCurvature = gradient.Slice(tableLength, tableLength);
        var negativeOffset = gradient.Slice(2 * tableLength, tableLength);
        var rootLog2E = EnergyConstants.RootLog2E;
        for (var c = 0; c < statistics.Length; c++)
        {
            var stats = statistics[c];
            if (!stats.IsFinite)
            {
                slope[c] = negativeCurvature[c] = negativeOffset[c] = TLane.Zero;
                continue;
            }

            // 2r·β², and 0 for a constant plane as in GateCoefficients.RootOf (there x·2r overflowed float).
            var twoRootBoost = stats.Variance == 0 ? 0 : energy.Boost / Math.Sqrt(stats.Variance + lambda);
            var scale = TKernel.WeightScaleOf(TLane.CreateTruncating(ScaledRoot(stats, lambda)));
            slope[c] = TLane.CreateTruncating(twoRootBoost / rootLog2E / scale);
            negativeCurvature[c] = TLane.CreateTruncating(-4 * twoRootBoost * (weightedSquares[c] / scale) / ((spatial - 1) * FastSigmoid.Log2E * rootLog2E));
            negativeOffset[c] = TLane.CreateTruncating(-twoRootBoost * (weighted[c] / scale) / (spatial * rootLog2E));
        }

        var channels = statistics.Length;
        Repeat<TLane>(slope[..channels], slope);
        Repeat<TLane>(negativeCurvature[..channels], negativeCurvature);
        Repeat<TLane>(negativeOffset[..channels], negativeOffset);
    }

    /// <summary>The gate's scale r′ = r·√log2(e) of a channel with finite statistics, as its gate table holds it before rounding.</summary>
    private static double ScaledRoot(in PlaneStatistics statistics, double lambda) =>
        GateCoefficients.RootOf(statistics.Variance, lambda) * EnergyConstants.RootLog2E;

    /// <summary>
    /// A channel holding NaN or ±∞ gets NaN throughout, as in the reference module (its statistics are NaN
    /// there too); nothing reaches any other channel.
    /// </summary>
    /// <remarks>
    /// Statistics are finite together when their sum is (a NaN or ±∞ makes it NaN or ±∞); only when it is not, which
    /// is also the case for a sum of huge finite values, are the channels looked at one by one. Looking at every
    /// channel of every chunk cost as much as the gate itself when a chunk holds only a few rows of many channels.
    /// </remarks>
    public static void FillNaN(Span<T> chunk, ReadOnlySpan<PlaneStatistics> statistics)
    {
        if (double.IsFinite(Sums.Of(MemoryMarshal.Cast<PlaneStatistics, double>(statistics))))
        {
            return;
        }

        var channels = statistics.Length;
        for (var c = 0; c < channels; c++)
        {
            if (statistics[c].IsFinite)
            {
                continue;
            }

            if (channels == 1)
            {
                chunk.Fill(T.NaN);
                return;
            }

            for (var i = c; i < chunk.Length; i += channels)
            {
                chunk[i] = T.NaN;
            }
        }
    }

    /// <summary>
    /// Adds lane m of a table into channel m mod C (the period is a multiple of C). The overhang is added
    /// onto the start of the period, then the period is halved while it holds an even number of
    /// channel rows (pairwise, few calls even for C = 1), then the remaining rows are added in order.
    /// The table is scratch and is left changed.
    /// </summary>
    public static void FoldLanes(Span<double> lanes, in ChannelLanes geometry, Span<double> channels)
    {
        var period = geometry.Period;
        for (var start = period; start < lanes.Length; start += period)
        {
            var length = Math.Min(period, lanes.Length - start);
            TensorPrimitives.Add(lanes[..length], lanes.Slice(start, length), lanes[..length]);
        }

        var c = channels.Length;
        var rows = period;
        while (rows > c && rows / c % 2 == 0)
        {
            rows /= 2;
            TensorPrimitives.Add(lanes[..rows], lanes.Slice(rows, rows), lanes[..rows]);
        }

        lanes[..c].CopyTo(channels);
        for (var start = c; start < rows; start += c)
        {
            TensorPrimitives.Add(channels, lanes.Slice(start, c), channels);
        }
    }

    /// <summary>Writes channel values across all lanes (lane m ← channel m mod C), doubling the copied stretch each step.</summary>
    public static void Repeat<TValue>(ReadOnlySpan<TValue> channels, Span<TValue> lanes)
    {
        var filled = Math.Min(channels.Length, lanes.Length);
        channels[..filled].CopyTo(lanes);
        while (filled < lanes.Length)
        {
            var length = Math.Min(filled, lanes.Length - filled);
            lanes[..length].CopyTo(lanes[filled..]);
            filled += length;
        }
    }
}
