using System;

namespace SimAM.Kernels.Channels;

/// <summary>
/// The channel-vector kernels without SIMD: the portable fallback (<see cref="SimAmKernel.Scalar"/>) and
/// the last step of the vector kernels for runs shorter than four values. Same tables and same algorithm
/// (double sums, μ split in two floats, the same fused multiply-adds), with the runtime's exact 2^t and a
/// true division.
/// </summary>
internal readonly struct ChannelVectorScalarKernel : IChannelVectorKernel<float, float>
{
    private const float NegativeHalfLog2E = (float)(-0.5 * FastSigmoid.Log2E);

    /// <inheritdoc/>
    public static int Width => 1;

    /// <inheritdoc/>
    public static int MinimumPeriod => 1;

    /// <inheritdoc/>
    public static double WeightScaleOf(float scaledRoot) => WeightScale.Of(scaledRoot);

    /// <inheritdoc/>
    public static void AddDeviations(ReadOnlySpan<float> x, in ChannelLanes lanes, ReadOnlySpan<double> origins, Span<double> sums, Span<double> squares)
    {
        var period = lanes.Period;
        for (int i = 0, lane = 0; i < x.Length; i++, lane = Next(lane, period))
        {
            var deviation = x[i] - origins[lane];
            sums[lane] += deviation;
            squares[lane] += deviation * deviation;
        }
    }

    /// <inheritdoc/>
    public static void Forward<TEnergy>(ReadOnlySpan<float> x, Span<float> y, in ChannelLanes lanes, ReadOnlySpan<float> gate, in EnergyConstants energy, int prefetchAhead, bool streaming)
        where TEnergy : IEnergy
    {
        var tables = new Tables(gate, lanes.TableLength);
        var period = lanes.Period;
        for (int i = 0, lane = 0; i < x.Length; i++, lane = Next(lane, period))
        {
            var value = x[i];
            var t = Exponent<TEnergy>(tables.Scaled(value, lane), energy, out _);
            y[i] = value / (1f + float.Exp2(t));
        }
    }

    /// <inheritdoc/>
    public static void AddGradientSums<TEnergy>(ReadOnlySpan<float> x, ReadOnlySpan<float> g, in ChannelLanes lanes, ReadOnlySpan<float> gate, in EnergyConstants energy, Span<double> weighted, Span<double> weightedSquares)
        where TEnergy : IEnergy
    {
        var tables = new Tables(gate, lanes.TableLength);
        var period = lanes.Period;
        for (int i = 0, lane = 0; i < x.Length; i++, lane = Next(lane, period))
        {
            var a = Weight<TEnergy>(x[i], g[i], tables, lane, energy, out var z, out _);
            var product = a * z;
            weighted[lane] += product;
            weightedSquares[lane] += product * z;
        }
    }

    /// <inheritdoc/>
    public static void Backward<TEnergy>(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> dx, in ChannelLanes lanes, ReadOnlySpan<float> gate, ReadOnlySpan<float> gradient, in EnergyConstants energy, bool streaming)
        where TEnergy : IEnergy
    {
        var tables = new Tables(gate, lanes.TableLength);
        var slopes = new Tables(gradient, lanes.TableLength);
        var period = lanes.Period;
        for (int i = 0, lane = 0; i < x.Length; i++, lane = Next(lane, period))
        {
            var gradOutput = g[i];
            var a = Weight<TEnergy>(x[i], gradOutput, tables, lane, energy, out var z, out var s);
            // Fused as in the vector kernels: the three terms can be much larger than their sum.
            var slope = MathF.FusedMultiplyAdd(slopes.First[lane], a, slopes.Second[lane]);
            dx[i] = MathF.FusedMultiplyAdd(gradOutput, s, MathF.FusedMultiplyAdd(z, slope, slopes.Third[lane]));
        }
    }

    private static int Next(int lane, int period) => lane + 1 == period ? 0 : lane + 1;

    private static float Exponent<TEnergy>(float z, in EnergyConstants energy, out float d)
        where TEnergy : IEnergy
    {
        if (!TEnergy.IsExact)
        {
            d = 1f;
            return MathF.FusedMultiplyAdd(-z, z, NegativeHalfLog2E);
        }

        var q = z * z;
        d = MathF.Max(1f - ((float)energy.Shrink * q), (float)EnergyConstants.Floor);
        return NegativeHalfLog2E - ((float)energy.Boost * (q / d));
    }

    private static float Weight<TEnergy>(float x, float g, in Tables tables, int lane, in EnergyConstants energy, out float z, out float s)
        where TEnergy : IEnergy
    {
        z = tables.Scaled(x, lane);
        var t = Exponent<TEnergy>(z, energy, out var d);
        var e = float.Exp2(t);
        s = 1f / (1f + e);
        // x·σ, σ a power of two (WeightScale): exact, where g·x alone could overflow. The slope as the vector kernels
        // form it (FastSigmoid.SlopeSwitch).
        var slope = s > FastSigmoid.SlopeSwitch ? e * s * s : s * (1 - s);
        var a = (g * (x * WeightScale.Of(tables.Second[lane]))) * slope;
        return TEnergy.IsExact ? a / (d * d) : a;
    }

    private readonly ref struct Tables(ReadOnlySpan<float> tables, int tableLength)
    {
        public ReadOnlySpan<float> First { get; } = tables[..tableLength];

        public ReadOnlySpan<float> Second { get; } = tables.Slice(tableLength, tableLength);

        public ReadOnlySpan<float> Third { get; } = tables.Slice(2 * tableLength, tableLength);

        public float Scaled(float x, int lane) => MathF.FusedMultiplyAdd(x - First[lane], Second[lane], Third[lane]);
    }
}
