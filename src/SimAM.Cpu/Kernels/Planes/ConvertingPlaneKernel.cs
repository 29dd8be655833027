using System;
using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace SimAM.Kernels.Planes;

/// <summary>
/// A planar kernel for element type <typeparamref name="T"/> made of one for <typeparamref name="TWork"/>:
/// each chunk is converted in stack blocks, handed to <typeparamref name="TInner"/>, and the results are
/// converted back once. Half tensors run the float kernels this way (Half → float is exact, so every sum
/// and gate is float or double arithmetic and nothing overflows at 65504; the one rounding is the
/// result's, at most 2^-11 relative). Float and Half planes of the exact variant with at most
/// <see cref="EnergyConstants.SmallExactPlane"/> values run the double kernel this way. It keeps no s and a' for the
/// backward pass (<see cref="IPlaneKernel{T}.KeepsValues"/>): kept values would be rounded to <typeparamref name="T"/>.
/// </summary>
[SkipLocalsInit]
internal readonly struct ConvertingPlaneKernel<T, TWork, TInner> : IPlaneKernel<T>
    where T : unmanaged, INumberBase<T>
    where TWork : unmanaged, INumberBase<TWork>
    where TInner : IPlaneKernel<TWork>
{
    /// <summary>2048 values per block: 8 KiB of floats or 16 KiB of doubles per buffer.</summary>
    private const int BlockLength = 2048;

    /// <summary>Values per block of lane batches (rented, not on the stack): 64 KiB of floats per buffer.</summary>
    private const int LaneBlockLength = 16384;

    /// <summary>A whole plane of up to 16 KiB of work values is converted once for both of its passes.</summary>
    private const int FusedBytes = 16384;

    /// <inheritdoc/>
    public static ChunkMoments Moments(ReadOnlySpan<T> x)
    {
        Span<TWork> buffer = stackalloc TWork[BlockLength];
        var moments = TInner.Moments(Convert(x, 0, buffer));
        for (var start = BlockLength; start < x.Length; start += BlockLength)
        {
            moments = moments.Combine(TInner.Moments(Convert(x, start, buffer)));
        }

        return moments;
    }

    /// <inheritdoc/>
    public static void Forward<TEnergy>(ReadOnlySpan<T> x, Span<T> y, in GateCoefficients gate, in EnergyConstants energy, int prefetchAhead, bool streaming)
        where TEnergy : IEnergy
    {
        Span<TWork> buffer = stackalloc TWork[BlockLength];
        for (var start = 0; start < x.Length; start += BlockLength)
        {
            // The block is read in full before any of it is written: y may be x itself.
            var values = Convert(x, start, buffer);
            TInner.Forward<TEnergy>(values, values, gate, energy, 0, false);
            ConvertBack(values, y.Slice(start, values.Length));
        }
    }

    /// <inheritdoc/>
    public static BackwardSums BackwardSums<TEnergy>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, in GateCoefficients gate, in EnergyConstants energy)
        where TEnergy : IEnergy
    {
        Span<TWork> buffer = stackalloc TWork[2 * BlockLength];
        BackwardSums sums = default;
        for (var start = 0; start < x.Length; start += BlockLength)
        {
            sums += TInner.BackwardSums<TEnergy>(Convert(x, start, buffer[..BlockLength]), Convert(g, start, buffer[BlockLength..]), gate, energy);
        }

        return sums;
    }

    /// <inheritdoc/>
    public static void Backward<TEnergy>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx, in GateCoefficients gate, in EnergyConstants energy, in BackwardCoefficients coefficients, int prefetchAhead, bool streaming)
        where TEnergy : IEnergy
    {
        Span<TWork> buffer = stackalloc TWork[2 * BlockLength];
        for (var start = 0; start < x.Length; start += BlockLength)
        {
            // Both blocks are read before dx is written: dx may be x or g itself.
            var values = Convert(x, start, buffer[..BlockLength]);
            var gradients = Convert(g, start, buffer[BlockLength..]);
            TInner.Backward<TEnergy>(values, gradients, values, gate, energy, coefficients, 0, false);
            ConvertBack(values, dx.Slice(start, values.Length));
        }
    }

    /// <inheritdoc/>
    public static bool FusesPlanes => true;

    /// <inheritdoc/>
    public static PlaneStatistics ForwardPlane<TEnergy>(ReadOnlySpan<T> x, Span<T> y, double lambda, in EnergyConstants energy, bool streaming)
        where TEnergy : IEnergy
    {
        if (x.Length * Unsafe.SizeOf<TWork>() > FusedBytes)
        {
            var planeStatistics = Moments(x).ToStatistics();
            if (planeStatistics.IsFinite)
            {
                Forward<TEnergy>(x, y, new GateCoefficients(planeStatistics, lambda), energy, 0, streaming);
            }

            return planeStatistics;
        }

        Span<TWork> values = stackalloc TWork[x.Length];
        Convert(x, 0, values);
        var statistics = BlockMoments(values).ToStatistics();
        if (statistics.IsFinite)
        {
            TInner.Forward<TEnergy>(values, values, new GateCoefficients(statistics, lambda), energy, 0, false);
            ConvertBack(values, y);
        }

        return statistics;
    }

    /// <inheritdoc/>
    public static PlaneStatistics BackwardPlane<TEnergy>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx, PlaneStatistics? given, double lambda, in EnergyConstants energy, bool streaming)
        where TEnergy : IEnergy
    {
        if (x.Length * Unsafe.SizeOf<TWork>() > FusedBytes)
        {
            var planeStatistics = given ?? Moments(x).ToStatistics();
            if (planeStatistics.IsFinite)
            {
                var planeGate = new GateCoefficients(planeStatistics, lambda);
                Backward<TEnergy>(x, g, dx, planeGate, energy, new BackwardCoefficients(BackwardSums<TEnergy>(x, g, planeGate, energy), x.Length), 0, streaming);
            }

            return planeStatistics;
        }

        Span<TWork> buffer = stackalloc TWork[2 * x.Length];
        var values = buffer[..x.Length];
        var gradients = buffer[x.Length..];
        Convert(x, 0, values);
        var statistics = given ?? BlockMoments(values).ToStatistics();
        if (statistics.IsFinite)
        {
            Convert(g, 0, gradients);
            var gate = new GateCoefficients(statistics, lambda);
            var sums = BlockSums<TEnergy>(values, gradients, gate, energy);
            TInner.Backward<TEnergy>(values, gradients, values, gate, energy, new BackwardCoefficients(sums, x.Length), 0, false);
            ConvertBack(values, dx);
        }

        return statistics;
    }

    /// <inheritdoc/>
    public static int PlanesPerLaneBatch(int planeSize) => TInner.PlanesPerLaneBatch(planeSize);

    /// <inheritdoc/>
    public static int LaneIndexTableLength(int planeSize) => TInner.LaneIndexTableLength(planeSize);

    /// <inheritdoc/>
    public static void FillLaneIndexTable(Span<int> table, int planeSize) => TInner.FillLaneIndexTable(table, planeSize);

    /// <inheritdoc/>
    /// <remarks>
    /// Small planes convert a block of whole batches at once and run the inner lane-per-plane kernel on it: converted
    /// plane by plane, a 7×7 Half plane paid two conversion calls and the plane kernel's fixed costs for 49 values.
    /// </remarks>
    public static unsafe void ForwardLanes<TEnergy>(T* x, T* y, int planeSize, int batches, ReadOnlySpan<int> indexTable, double lambda, PlaneStatistics* statistics, bool streaming)
        where TEnergy : IEnergy
    {
        var span = TInner.PlanesPerLaneBatch(planeSize) * planeSize;
        var perBlock = Math.Max(1, LaneBlockLength / span);
        var buffer = ArrayPool<TWork>.Shared.Rent(perBlock * span);
        try
        {
            fixed (TWork* values = buffer)
            {
                for (var batch = 0; batch < batches; batch += perBlock)
                {
                    var count = Math.Min(perBlock, batches - batch);
                    var offset = (long)batch * span;
                    var block = buffer.AsSpan(0, count * span);
                    Convert(new ReadOnlySpan<T>(x + offset, block.Length), 0, block);
                    TInner.ForwardLanes<TEnergy>(values, values, planeSize, count, indexTable, lambda, statistics == null ? null : statistics + (offset / planeSize), streaming: false);
                    ConvertBack(block, new Span<T>(y + offset, block.Length));
                }
            }
        }
        finally
        {
            ArrayPool<TWork>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// As <see cref="ForwardLanes"/>: blocks of whole batches, converted once, through the inner kernel. The blocks are
    /// large (<see cref="LaneBlockLength"/>) because each inner call has a fixed cost of several microseconds: one
    /// batch of 14×14 planes per call made the Half backward 4.7× the float one, four batches 1.8×.
    /// </remarks>
    public static unsafe void BackwardLanes<TEnergy>(T* x, T* g, T* dx, int planeSize, int batches, ReadOnlySpan<int> indexTable, double lambda, PlaneStatistics* statistics)
        where TEnergy : IEnergy
    {
        var span = TInner.PlanesPerLaneBatch(planeSize) * planeSize;
        var perBlock = Math.Max(1, LaneBlockLength / span);
        var buffer = ArrayPool<TWork>.Shared.Rent(2 * perBlock * span);
        try
        {
            fixed (TWork* values = buffer)
            {
                var gradients = values + (perBlock * span);
                for (var batch = 0; batch < batches; batch += perBlock)
                {
                    var count = Math.Min(perBlock, batches - batch);
                    var offset = (long)batch * span;
                    var length = count * span;
                    Convert(new ReadOnlySpan<T>(x + offset, length), 0, buffer.AsSpan(0, length));
                    Convert(new ReadOnlySpan<T>(g + offset, length), 0, buffer.AsSpan(perBlock * span, length));

                    // The gradient replaces the converted x, which the inner kernel allows.
                    TInner.BackwardLanes<TEnergy>(values, gradients, values, planeSize, count, indexTable, lambda, statistics == null ? null : statistics + (offset / planeSize));
                    ConvertBack(buffer.AsSpan(0, length), new Span<T>(dx + offset, length));
                }
            }
        }
        finally
        {
            ArrayPool<TWork>.Shared.Return(buffer);
        }
    }

    /// <summary>The moments of converted values, block by block as <see cref="Moments"/> forms them (same bits).</summary>
    private static ChunkMoments BlockMoments(ReadOnlySpan<TWork> values)
    {
        var moments = TInner.Moments(values[..Math.Min(BlockLength, values.Length)]);
        for (var start = BlockLength; start < values.Length; start += BlockLength)
        {
            moments = moments.Combine(TInner.Moments(values.Slice(start, Math.Min(BlockLength, values.Length - start))));
        }

        return moments;
    }

    /// <summary>The gradient sums of converted values, block by block as the chunk overload of BackwardSums forms them.</summary>
    private static BackwardSums BlockSums<TEnergy>(ReadOnlySpan<TWork> values, ReadOnlySpan<TWork> gradients, in GateCoefficients gate, in EnergyConstants energy)
        where TEnergy : IEnergy
    {
        BackwardSums sums = default;
        for (var start = 0; start < values.Length; start += BlockLength)
        {
            var length = Math.Min(BlockLength, values.Length - start);
            sums += TInner.BackwardSums<TEnergy>(values.Slice(start, length), gradients.Slice(start, length), gate, energy);
        }

        return sums;
    }

    private static Span<TWork> Convert(ReadOnlySpan<T> source, int start, Span<TWork> buffer) => Conversion.Convert(source, start, buffer);

    private static void ConvertBack(ReadOnlySpan<TWork> values, Span<T> destination) => Conversion.ConvertBack(values, destination);
}
