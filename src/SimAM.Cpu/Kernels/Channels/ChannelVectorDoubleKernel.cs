using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace SimAM.Kernels.Channels;

/// <summary>
/// The double-precision channel-vector kernel: every step is a <see cref="TensorPrimitives"/> call over a
/// stretch of lanes (vectorised at whatever width the runtime picks, the sigmoid accurate to double's
/// last bits), on blocks small enough for stack scratch. The period is at least 256 lanes so that each
/// call has enough values to amortise itself even when C is tiny.
/// </summary>
[SkipLocalsInit]
internal readonly struct ChannelVectorDoubleKernel : IChannelVectorKernel<double, double>
{
    private const int BlockLength = 256;

    /// <inheritdoc/>
    public static int Width => 1;

    /// <inheritdoc/>
    public static int MinimumPeriod => BlockLength;

    /// <inheritdoc/>
    public static double WeightScaleOf(double scaledRoot) => 1;

    /// <inheritdoc/>
    public static void AddDeviations(ReadOnlySpan<double> x, in ChannelLanes lanes, ReadOnlySpan<double> origins, Span<double> sums, Span<double> squares)
    {
        Span<double> deviations = stackalloc double[BlockLength];
        for (var walk = new LaneWalk(x.Length, lanes.Period); walk.Next(out var start, out var lane, out var length);)
        {
            var d = deviations[..length];
            var first = sums.Slice(lane, length);
            var second = squares.Slice(lane, length);
            TensorPrimitives.Subtract(x.Slice(start, length), origins.Slice(lane, length), d);
            TensorPrimitives.Add(first, d, first);
            TensorPrimitives.MultiplyAdd(d, d, second, second);
        }
    }

    /// <inheritdoc/>
    public static void Forward<TEnergy>(ReadOnlySpan<double> x, Span<double> y, in ChannelLanes lanes, ReadOnlySpan<double> gate, in EnergyConstants energy, int prefetchAhead, bool streaming)
        where TEnergy : IEnergy
    {
        Span<double> scratch = stackalloc double[2 * BlockLength];
        var tableLength = lanes.TableLength;
        for (var walk = new LaneWalk(x.Length, lanes.Period); walk.Next(out var start, out var lane, out var length);)
        {
            var z = scratch[..length];
            var s = scratch.Slice(BlockLength, length);
            var block = x.Slice(start, length);
            Sigmoids<TEnergy>(block, gate, tableLength, lane, energy, z, s, default);
            TensorPrimitives.Multiply(block, s, y.Slice(start, length));
        }
    }

    /// <inheritdoc/>
    public static void AddGradientSums<TEnergy>(ReadOnlySpan<double> x, ReadOnlySpan<double> g, in ChannelLanes lanes, ReadOnlySpan<double> gate, in EnergyConstants energy, Span<double> weighted, Span<double> weightedSquares)
        where TEnergy : IEnergy
    {
        Span<double> scratch = stackalloc double[4 * BlockLength];
        var tableLength = lanes.TableLength;
        for (var walk = new LaneWalk(x.Length, lanes.Period); walk.Next(out var start, out var lane, out var length);)
        {
            Weights<TEnergy>(x.Slice(start, length), g.Slice(start, length), gate, tableLength, lane, energy, scratch, out var z, out var a);

            // a ← a·z, then a·z², each added into its lanes.
            TensorPrimitives.Multiply(a, z, a);
            var first = weighted.Slice(lane, length);
            TensorPrimitives.Add(first, a, first);
            var second = weightedSquares.Slice(lane, length);
            TensorPrimitives.MultiplyAdd(a, z, second, second);
        }
    }

    /// <inheritdoc/>
    public static void Backward<TEnergy>(ReadOnlySpan<double> x, ReadOnlySpan<double> g, Span<double> dx, in ChannelLanes lanes, ReadOnlySpan<double> gate, ReadOnlySpan<double> gradient, in EnergyConstants energy, bool streaming)
        where TEnergy : IEnergy
    {
        Span<double> scratch = stackalloc double[4 * BlockLength];
        var tableLength = lanes.TableLength;
        for (var walk = new LaneWalk(x.Length, lanes.Period); walk.Next(out var start, out var lane, out var length);)
        {
            var gradOutput = g.Slice(start, length);
            Weights<TEnergy>(x.Slice(start, length), gradOutput, gate, tableLength, lane, energy, scratch, out var z, out var a);
            var s = scratch.Slice(BlockLength, length);
            var d = scratch.Slice(2 * BlockLength, length);

            // dx = g·s + z·(P·a′ − D) − B; d is free again and holds the slope, then z·slope − B.
            TensorPrimitives.MultiplyAdd(a, gradient.Slice(lane, length), gradient.Slice(tableLength + lane, length), d);
            TensorPrimitives.MultiplyAdd(z, d, gradient.Slice((2 * tableLength) + lane, length), d);
            TensorPrimitives.MultiplyAdd(gradOutput, s, d, dx.Slice(start, length));
        }
    }

    /// <summary>z and s = sigmoid(E) of a block; d receives 1 − κz² (clamped) for the exact variant when given.</summary>
    private static void Sigmoids<TEnergy>(ReadOnlySpan<double> x, ReadOnlySpan<double> gate, int tableLength, int lane, in EnergyConstants energy, Span<double> z, Span<double> s, Span<double> d)
        where TEnergy : IEnergy
    {
        var length = x.Length;
        TensorPrimitives.Subtract(x, gate.Slice(lane, length), z);
        TensorPrimitives.MultiplyAdd(z, gate.Slice(tableLength + lane, length), gate.Slice((2 * tableLength) + lane, length), z);
        TensorPrimitives.Multiply(z, z, s);
        if (TEnergy.IsExact)
        {
            // E = ½ + β²·z² / (log2(e)·d), d = max(1 − κ·z², floor). The forward pass needs neither z nor
            // d afterwards and passes no d: z holds it.
            var denominator = d.IsEmpty ? z : d;

            TensorPrimitives.Multiply(s, -energy.Shrink, denominator);
            TensorPrimitives.Add(denominator, 1.0, denominator);
            TensorPrimitives.Max(denominator, EnergyConstants.Floor, denominator);
            TensorPrimitives.Divide(s, denominator, s);
            TensorPrimitives.Multiply(s, energy.Boost / FastSigmoid.Log2E, s);
        }
        else
        {
            TensorPrimitives.Multiply(s, 1 / FastSigmoid.Log2E, s);
        }

        TensorPrimitives.Add(s, 0.5, s);

        // A NaN lane (a non-finite plane's value, NaN-filled later) sends TensorPrimitives' exponential down its
        // special-value path for the whole vector, which rounds the other lanes' results differently (by an ulp, and
        // only once the JIT has optimised it): a plane's bits would depend on its neighbours'. E ≥ ½ in every finite
        // lane, so the largest number of E and ½ changes only NaN lanes.
        TensorPrimitives.MaxNumber(s, 0.5, s);
        TensorPrimitives.Sigmoid<double>(s, s);
    }

    /// <summary>
    /// z, s, d and a′ = g·x·s(1 − s) (÷ d² in the exact variant) of a block, in the four quarters of <paramref name="scratch"/>
    /// (<see cref="BlockLength"/> values each, in that order).
    /// </summary>
    private static void Weights<TEnergy>(ReadOnlySpan<double> x, ReadOnlySpan<double> g, ReadOnlySpan<double> gate, int tableLength, int lane, in EnergyConstants energy, Span<double> scratch, out Span<double> z, out Span<double> a)
        where TEnergy : IEnergy
    {
        var length = x.Length;
        z = scratch[..length];
        var s = scratch.Slice(BlockLength, length);
        var d = scratch.Slice(2 * BlockLength, length);
        a = scratch.Slice(3 * BlockLength, length);
        Sigmoids<TEnergy>(x, gate, tableLength, lane, energy, z, s, d);
        TensorPrimitives.Subtract(1.0, s, a);
        TensorPrimitives.Multiply(a, s, a);
        TensorPrimitives.Multiply(a, x, a);
        TensorPrimitives.Multiply(a, g, a);
        if (TEnergy.IsExact)
        {
            TensorPrimitives.Divide(a, d, a);
            TensorPrimitives.Divide(a, d, a);
        }
    }

    /// <summary>Cuts a run into stretches that neither cross the table period nor exceed the scratch blocks.</summary>
    private struct LaneWalk(int length, int period)
    {
        private int _start;
        private int _lane;

        public bool Next(out int start, out int lane, out int count)
        {
            start = _start;
            lane = _lane;
            count = Math.Min(Math.Min(length - _start, period - _lane), BlockLength);
            if (count <= 0)
            {
                return false;
            }

            _start += count;
            _lane += count;
            if (_lane == period)
            {
                _lane = 0;
            }

            return true;
        }
    }
}
