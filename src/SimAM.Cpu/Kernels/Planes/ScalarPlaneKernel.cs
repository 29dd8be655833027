using System;

namespace SimAM.Kernels.Planes;

/// <summary>
/// The float kernel without SIMD: the portable fallback, and the tail of the vector kernels for planes
/// shorter than four values. Same algorithm as the vector kernels (double sums, μ split into two
/// floats), with the runtime's exact <see cref="MathF.Exp"/> and a true division.
/// </summary>
internal readonly partial struct ScalarPlaneKernel : IPlaneKernel<float>
{
    /// <inheritdoc/>
    public static ChunkMoments Moments(ReadOnlySpan<float> x)
    {
        var sum = 0.0;
        foreach (var value in x)
        {
            sum += value;
        }

        var mean = sum / x.Length;
        var sumOfSquares = 0.0;
        foreach (var value in x)
        {
            var centred = value - mean;
            sumOfSquares += centred * centred;
        }

        return new ChunkMoments(x.Length, mean, sumOfSquares);
    }

    /// <inheritdoc/>
    public static void Forward<TVariant>(ReadOnlySpan<float> x, Span<float> y, in GateCoefficients gate, in EnergyConstants energy, int prefetchAhead, bool streaming)
        where TVariant : IEnergy
    {
        if (TVariant.IsExact)
        {
            ExactForward(x, y, gate, energy);
            return;
        }

        var constants = new ScalarGate(gate);
        for (var i = 0; i < x.Length; i++)
        {
            var value = x[i];
            y[i] = value * ScalarGate.Sigmoid(constants.Centred(value));
        }
    }

    /// <inheritdoc/>
    public static BackwardSums BackwardSums<TVariant>(ReadOnlySpan<float> x, ReadOnlySpan<float> g, in GateCoefficients gate, in EnergyConstants energy)
        where TVariant : IEnergy
    {
        if (TVariant.IsExact)
        {
            return ExactSums(x, g, gate, energy);
        }

        if (x.Length < SmallPlaneBackward.Limit)
        {
            return SmallPlaneBackward.BackwardSums(x, g, gate);
        }

        var constants = new ScalarGate(gate);
        double weightedU = 0, weightedUSquared = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var u = constants.Centred(x[i]);
            ScalarGate.Sigmoid(u, out _, out var slope);
            var product = constants.ScaledWeight(x[i], g[i], slope) * u;
            weightedU += product;
            weightedUSquared += product * u;
        }

        return new BackwardSums(weightedU, weightedUSquared);
    }

    /// <inheritdoc/>
    public static void Backward<TVariant>(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> dx, in GateCoefficients gate, in EnergyConstants energy, in BackwardCoefficients coefficients, int prefetchAhead, bool streaming)
        where TVariant : IEnergy
    {
        if (TVariant.IsExact)
        {
            ExactBackward(x, g, dx, gate, energy, coefficients);
            return;
        }

        if (x.Length < SmallPlaneBackward.Limit)
        {
            SmallPlaneBackward.Backward(x, g, dx, gate, coefficients);
            return;
        }

        var constants = new ScalarGate(gate);
        var slope = (float)coefficients.Slope;
        var offset = (float)coefficients.Offset;
        for (var i = 0; i < x.Length; i++)
        {
            var value = x[i];
            var gradient = g[i];
            var u = constants.Centred(value);
            ScalarGate.Sigmoid(u, out var s, out var gateSlope);
            var scaledA = constants.ScaledWeight(value, gradient, gateSlope);
            dx[i] = (gradient * s) + (u * (scaledA - slope)) - offset;
        }
    }

    /// <summary>The same centring and scaling as the vector kernels (see their Centring and ScaledWeight).</summary>
    private readonly struct ScalarGate
    {
        private readonly float _negativeHigh;
        private readonly float _negativeLow;
        private readonly float _root;
        private readonly float _twoRoot;

        public ScalarGate(in GateCoefficients gate)
        {
            _root = (float)gate.Root;
            _twoRoot = (float)(2 * gate.Root);
            var product = gate.Mean * _root;
            var high = (float)product;
            _negativeHigh = -high;
            _negativeLow = -(float)(product - high);
        }

        // u = fma(x, r, −(μr)_hi) − (μr)_lo: x − μ is never formed in float, so it cannot overflow.
        public float Centred(float value) => MathF.FusedMultiplyAdd(value, _root, _negativeHigh) + _negativeLow;

        public float ScaledWeight(float value, float gradient, float slope) => gradient * (value * _twoRoot * slope);

        public static float Sigmoid(float u) => 1f / (1f + MathF.Exp(-((u * u) + 0.5f)));

        /// <summary>s and its slope s(1 − s) = e·s², formed from e so a small slope keeps its precision.</summary>
        public static void Sigmoid(float u, out float s, out float slope)
        {
            var e = MathF.Exp(-((u * u) + 0.5f));
            s = 1f / (1f + e);
            slope = e * s * s;
        }
    }
}
