using System;
using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace SimAM.Kernels.Channels;

/// <summary>
/// A channel-vector kernel for element type <typeparamref name="T"/> made of one for <typeparamref name="TWork"/>:
/// each run is converted in stack blocks (<see cref="Conversion"/>), handed to <typeparamref name="TInner"/>, and the
/// results are converted back once. Half tensors run the float kernels this way (Half → float is exact, so every
/// sum, statistic and gate is float or double arithmetic and nothing overflows at 65504 the way a float16 sum of
/// squares does; the one rounding is the result's, at most 2^-11 relative). Float and Half tensors of the exact
/// variant with planes of at most <see cref="EnergyConstants.SmallExactPlane"/> values run
/// <see cref="ChannelVectorDoubleKernel"/> this way: there the exact gate subtracts two nearly equal numbers
/// (1 − κz², the share of the variance a neuron leaves to the others) at moderate E, and float's rounding of z
/// would be amplified past the accuracy bounds.
/// </summary>
/// <remarks>
/// Blocks are whole periods of lanes (a period is one row in row mode), so every block starts at lane 0 as the inner
/// kernels expect. A period longer than the stack block (very wide C) uses a pooled buffer.
/// </remarks>
[SkipLocalsInit]
internal readonly struct ConvertingChannelKernel<T, TWork, TInner> : IChannelVectorKernel<T, TWork>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TWork : unmanaged, IFloatingPointIeee754<TWork>
    where TInner : IChannelVectorKernel<TWork, TWork>
{
    /// <summary>8 KiB of work values per buffer (2048 floats, 1024 doubles); the backward pass uses two.</summary>
    private static readonly int StackBlock = 8192 / Unsafe.SizeOf<TWork>();

    /// <inheritdoc/>
    public static int Width => TInner.Width;

    /// <inheritdoc/>
    public static int MinimumPeriod => TInner.MinimumPeriod;

    /// <inheritdoc/>
    public static double WeightScaleOf(TWork scaledRoot) => TInner.WeightScaleOf(scaledRoot);

    /// <inheritdoc/>
    public static void AddDeviations(ReadOnlySpan<T> x, in ChannelLanes lanes, ReadOnlySpan<double> origins, Span<double> sums, Span<double> squares)
    {
        var block = BlockLength(lanes);
        var rented = Rent(block);
        Span<TWork> buffer = rented is null ? stackalloc TWork[2 * StackBlock] : rented;
        for (var start = 0; start < x.Length; start += block)
        {
            TInner.AddDeviations(Conversion.Convert(x, start, buffer[..block]), lanes, origins, sums, squares);
        }

        Return(rented);
    }

    /// <inheritdoc/>
    public static void Forward<TEnergy>(ReadOnlySpan<T> x, Span<T> y, in ChannelLanes lanes, ReadOnlySpan<TWork> gate, in EnergyConstants energy, int prefetchAhead, bool streaming)
        where TEnergy : IEnergy
    {
        var block = BlockLength(lanes);
        var rented = Rent(block);
        Span<TWork> buffer = rented is null ? stackalloc TWork[2 * StackBlock] : rented;
        for (var start = 0; start < x.Length; start += block)
        {
            // The block is read in full before any of it is written: y may be x itself.
            var values = Conversion.Convert(x, start, buffer[..block]);
            TInner.Forward<TEnergy>(values, values, lanes, gate, energy, 0, false);
            Conversion.ConvertBack(values, y.Slice(start, values.Length));
        }

        Return(rented);
    }

    /// <inheritdoc/>
    public static void AddGradientSums<TEnergy>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, in ChannelLanes lanes, ReadOnlySpan<TWork> gate, in EnergyConstants energy, Span<double> weighted, Span<double> weightedSquares)
        where TEnergy : IEnergy
    {
        var block = BlockLength(lanes);
        var rented = Rent(block);
        Span<TWork> buffer = rented is null ? stackalloc TWork[2 * StackBlock] : rented;
        for (var start = 0; start < x.Length; start += block)
        {
            var values = Conversion.Convert(x, start, buffer[..block]);
            TInner.AddGradientSums<TEnergy>(values, Conversion.Convert(g, start, buffer.Slice(block, block)), lanes, gate, energy, weighted, weightedSquares);
        }

        Return(rented);
    }

    /// <inheritdoc/>
    public static void Backward<TEnergy>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx, in ChannelLanes lanes, ReadOnlySpan<TWork> gate, ReadOnlySpan<TWork> gradient, in EnergyConstants energy, bool streaming)
        where TEnergy : IEnergy
    {
        var block = BlockLength(lanes);
        var rented = Rent(block);
        Span<TWork> buffer = rented is null ? stackalloc TWork[2 * StackBlock] : rented;
        for (var start = 0; start < x.Length; start += block)
        {
            // Both blocks are read before dx is written: dx may be x or g itself.
            var values = Conversion.Convert(x, start, buffer[..block]);
            TInner.Backward<TEnergy>(values, Conversion.Convert(g, start, buffer.Slice(block, block)), values, lanes, gate, gradient, energy, false);
            Conversion.ConvertBack(values, dx.Slice(start, values.Length));
        }

        Return(rented);
    }

    /// <summary>The largest whole number of periods that fits the stack block, at least one.</summary>
    private static int BlockLength(in ChannelLanes lanes) => Math.Max(1, StackBlock / lanes.Period) * lanes.Period;

    /// <summary>A pooled buffer for two blocks when they do not fit the stack, else null.</summary>
    private static TWork[]? Rent(int block) => block <= StackBlock ? null : ArrayPool<TWork>.Shared.Rent(2 * block);

    private static void Return(TWork[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<TWork>.Shared.Return(rented);
        }
    }
}
