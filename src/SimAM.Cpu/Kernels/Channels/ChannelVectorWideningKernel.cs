using System;
using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace SimAM.Kernels.Channels;

/// <summary>
/// Float or Half tensors on the double kernel: blocks are widened to double on the stack, computed by
/// <see cref="ChannelVectorDoubleKernel"/>, and rounded back once. The exact variant takes this path for
/// planes of at most <see cref="EnergyConstants.SmallExactPlane"/> values, where its gate subtracts
/// two nearly equal numbers (1 − κz², the share of the variance a neuron leaves to the others) at
/// moderate E and float's rounding of z would be amplified past the accuracy bounds.
/// </summary>
/// <typeparam name="T">The tensor's element type.</typeparam>
[SkipLocalsInit]
internal readonly struct ChannelVectorWideningKernel<T> : IChannelVectorKernel<T, double>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int StackBlock = 1024;

    /// <inheritdoc/>
    public static int Width => ChannelVectorDoubleKernel.Width;

    /// <inheritdoc/>
    public static int MinimumPeriod => ChannelVectorDoubleKernel.MinimumPeriod;

    /// <inheritdoc/>
    public static double WeightScaleOf(double scaledRoot) => ChannelVectorDoubleKernel.WeightScaleOf(scaledRoot);

    /// <inheritdoc/>
    public static void AddSums(ReadOnlySpan<T> x, in ChannelLanes lanes, Span<double> sums)
    {
        var block = BlockLength(lanes);
        double[]? rented = null;
        Span<double> buffer = block <= StackBlock ? stackalloc double[StackBlock] : (rented = ArrayPool<double>.Shared.Rent(block));
        for (var start = 0; start < x.Length; start += block)
        {
            ChannelVectorDoubleKernel.AddSums(Widen(x, start, block, buffer), lanes, sums);
        }

        Return(rented);
    }

    /// <inheritdoc/>
    public static void AddSquares(ReadOnlySpan<T> x, in ChannelLanes lanes, ReadOnlySpan<double> means, Span<double> squares)
    {
        var block = BlockLength(lanes);
        double[]? rented = null;
        Span<double> buffer = block <= StackBlock ? stackalloc double[StackBlock] : (rented = ArrayPool<double>.Shared.Rent(block));
        for (var start = 0; start < x.Length; start += block)
        {
            ChannelVectorDoubleKernel.AddSquares(Widen(x, start, block, buffer), lanes, means, squares);
        }

        Return(rented);
    }

    /// <inheritdoc/>
    public static void Forward<TEnergy>(ReadOnlySpan<T> x, Span<T> y, in ChannelLanes lanes, ReadOnlySpan<double> gate, in EnergyConstants energy)
        where TEnergy : IEnergy
    {
        var block = BlockLength(lanes);
        double[]? rented = null;
        Span<double> buffer = block <= StackBlock ? stackalloc double[StackBlock] : (rented = ArrayPool<double>.Shared.Rent(block));
        for (var start = 0; start < x.Length; start += block)
        {
            var values = Widen(x, start, block, buffer);
            ChannelVectorDoubleKernel.Forward<TEnergy>(values, values, lanes, gate, energy);
            TensorPrimitives.ConvertTruncating<double, T>(values, y.Slice(start, values.Length));
        }

        Return(rented);
    }

    /// <inheritdoc/>
    public static void AddGradientSums<TEnergy>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, in ChannelLanes lanes, ReadOnlySpan<double> gate, in EnergyConstants energy, Span<double> weighted, Span<double> weightedSquares)
        where TEnergy : IEnergy
    {
        var block = BlockLength(lanes);
        double[]? rented = null;
        Span<double> buffer = block <= StackBlock ? stackalloc double[2 * StackBlock] : (rented = ArrayPool<double>.Shared.Rent(2 * block));
        for (var start = 0; start < x.Length; start += block)
        {
            var values = Widen(x, start, block, buffer[..block]);
            var gradients = Widen(g, start, block, buffer.Slice(block, block));
            ChannelVectorDoubleKernel.AddGradientSums<TEnergy>(values, gradients, lanes, gate, energy, weighted, weightedSquares);
        }

        Return(rented);
    }

    /// <inheritdoc/>
    public static void Backward<TEnergy>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx, in ChannelLanes lanes, ReadOnlySpan<double> gate, ReadOnlySpan<double> gradient, in EnergyConstants energy)
        where TEnergy : IEnergy
    {
        var block = BlockLength(lanes);
        double[]? rented = null;
        Span<double> buffer = block <= StackBlock ? stackalloc double[2 * StackBlock] : (rented = ArrayPool<double>.Shared.Rent(2 * block));
        for (var start = 0; start < x.Length; start += block)
        {
            var values = Widen(x, start, block, buffer[..block]);
            var gradients = Widen(g, start, block, buffer.Slice(block, block));
            ChannelVectorDoubleKernel.Backward<TEnergy>(values, gradients, values, lanes, gate, gradient, energy);
            TensorPrimitives.ConvertTruncating<double, T>(values, dx.Slice(start, values.Length));
        }

        Return(rented);
    }

    /// <summary>Whole periods per block, so that each block starts at lane 0; a period beyond the stack block uses a pooled buffer.</summary>
    private static int BlockLength(in ChannelLanes lanes) => Math.Max(1, StackBlock / lanes.Period) * lanes.Period;

    private static void Return(double[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    private static Span<double> Widen(ReadOnlySpan<T> source, int start, int block, Span<double> buffer)
    {
        var length = Math.Min(block, source.Length - start);
        var values = buffer[..length];
        TensorPrimitives.ConvertTruncating<T, double>(source.Slice(start, length), values);
        return values;
    }
}
