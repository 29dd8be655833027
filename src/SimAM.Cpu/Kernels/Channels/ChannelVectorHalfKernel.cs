using System;
using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace SimAM.Kernels.Channels;

/// <summary>
/// Half-precision tensors on any float kernel: each run is converted to float in stack blocks
/// (<see cref="TensorPrimitives.ConvertToSingle(ReadOnlySpan{Half}, Span{float})"/>, exact), handed to
/// <typeparamref name="TFloat"/>, and the results rounded back once
/// (<see cref="TensorPrimitives.ConvertToHalf(ReadOnlySpan{float}, Span{Half})"/>). All arithmetic — sums,
/// statistics, gate — is float or double, so nothing overflows at Half's 65504 the way a float16 sum of
/// squares does; the only Half rounding is the one of the result (at most 2^-11 relative).
/// </summary>
/// <typeparam name="TFloat">The float kernel of the chosen SIMD path.</typeparam>
/// <remarks>
/// Blocks are whole periods of lanes (whole rows in row mode), so every block starts at lane 0 as the
/// float kernels expect. A period longer than the stack block (very wide C) uses a pooled buffer.
/// </remarks>
[SkipLocalsInit]
internal readonly struct ChannelVectorHalfKernel<TFloat> : IChannelVectorKernel<Half, float>
    where TFloat : IChannelVectorKernel<float, float>
{
    /// <summary>2048 floats = 8 KiB of stack per buffer; the backward pass uses two.</summary>
    private const int StackBlock = 2048;

    /// <inheritdoc/>
    public static int Width => TFloat.Width;

    /// <inheritdoc/>
    public static int MinimumPeriod => TFloat.MinimumPeriod;

    /// <inheritdoc/>
    public static double WeightScaleOf(float scaledRoot) => TFloat.WeightScaleOf(scaledRoot);

    /// <inheritdoc/>
    public static void AddSums(ReadOnlySpan<Half> x, in ChannelLanes lanes, Span<double> sums)
    {
        var block = BlockLength(lanes);
        float[]? rented = null;
        Span<float> buffer = block <= StackBlock ? stackalloc float[StackBlock] : (rented = ArrayPool<float>.Shared.Rent(block));
        for (var start = 0; start < x.Length; start += block)
        {
            var values = Convert(x, start, block, buffer);
            TFloat.AddSums(values, lanes, sums);
        }

        Return(rented);
    }

    /// <inheritdoc/>
    public static void AddSquares(ReadOnlySpan<Half> x, in ChannelLanes lanes, ReadOnlySpan<double> means, Span<double> squares)
    {
        var block = BlockLength(lanes);
        float[]? rented = null;
        Span<float> buffer = block <= StackBlock ? stackalloc float[StackBlock] : (rented = ArrayPool<float>.Shared.Rent(block));
        for (var start = 0; start < x.Length; start += block)
        {
            var values = Convert(x, start, block, buffer);
            TFloat.AddSquares(values, lanes, means, squares);
        }

        Return(rented);
    }

    /// <inheritdoc/>
    public static void Forward<TEnergy>(ReadOnlySpan<Half> x, Span<Half> y, in ChannelLanes lanes, ReadOnlySpan<float> gate, in EnergyConstants energy)
        where TEnergy : IEnergy
    {
        var block = BlockLength(lanes);
        float[]? rented = null;
        Span<float> buffer = block <= StackBlock ? stackalloc float[StackBlock] : (rented = ArrayPool<float>.Shared.Rent(block));
        for (var start = 0; start < x.Length; start += block)
        {
            // The block is read in full before any of it is written: y may be x itself.
            var values = Convert(x, start, block, buffer);
            TFloat.Forward<TEnergy>(values, values, lanes, gate, energy);
            TensorPrimitives.ConvertToHalf(values, y.Slice(start, values.Length));
        }

        Return(rented);
    }

    /// <inheritdoc/>
    public static void AddGradientSums<TEnergy>(ReadOnlySpan<Half> x, ReadOnlySpan<Half> g, in ChannelLanes lanes, ReadOnlySpan<float> gate, in EnergyConstants energy, Span<double> weighted, Span<double> weightedSquares)
        where TEnergy : IEnergy
    {
        var block = BlockLength(lanes);
        float[]? rented = null;
        Span<float> buffer = block <= StackBlock ? stackalloc float[2 * StackBlock] : (rented = ArrayPool<float>.Shared.Rent(2 * block));
        var xBuffer = buffer[..block];
        var gBuffer = buffer.Slice(block, block);
        for (var start = 0; start < x.Length; start += block)
        {
            var values = Convert(x, start, block, xBuffer);
            var gradients = Convert(g, start, block, gBuffer);
            TFloat.AddGradientSums<TEnergy>(values, gradients, lanes, gate, energy, weighted, weightedSquares);
        }

        Return(rented);
    }

    /// <inheritdoc/>
    public static void Backward<TEnergy>(ReadOnlySpan<Half> x, ReadOnlySpan<Half> g, Span<Half> dx, in ChannelLanes lanes, ReadOnlySpan<float> gate, ReadOnlySpan<float> gradient, in EnergyConstants energy)
        where TEnergy : IEnergy
    {
        var block = BlockLength(lanes);
        float[]? rented = null;
        Span<float> buffer = block <= StackBlock ? stackalloc float[2 * StackBlock] : (rented = ArrayPool<float>.Shared.Rent(2 * block));
        var xBuffer = buffer[..block];
        var gBuffer = buffer.Slice(block, block);
        for (var start = 0; start < x.Length; start += block)
        {
            // Both blocks are read before dx is written: dx may be x or g itself.
            var values = Convert(x, start, block, xBuffer);
            var gradients = Convert(g, start, block, gBuffer);
            TFloat.Backward<TEnergy>(values, gradients, values, lanes, gate, gradient, energy);
            TensorPrimitives.ConvertToHalf(values, dx.Slice(start, values.Length));
        }

        Return(rented);
    }

    /// <summary>The largest whole number of periods (rows in row mode) that fits the stack block, at least one.</summary>
    private static int BlockLength(in ChannelLanes lanes)
    {
        var unit = lanes.RowWise ? lanes.Channels : lanes.Period;
        return Math.Max(1, StackBlock / unit) * unit;
    }

    private static Span<float> Convert(ReadOnlySpan<Half> source, int start, int block, Span<float> buffer)
    {
        var length = Math.Min(block, source.Length - start);
        var values = buffer[..length];
        TensorPrimitives.ConvertToSingle(source.Slice(start, length), values);
        return values;
    }

    private static void Return(float[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}
