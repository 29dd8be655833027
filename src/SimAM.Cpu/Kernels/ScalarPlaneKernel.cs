using System;

namespace SimAM.Kernels;

/// <summary>
/// The float kernel without SIMD: the portable fallback, and the tail of the vector kernels for planes
/// shorter than four values. Same algorithm as the vector kernels (double sums, μ split into two
/// floats), with the runtime's exact <see cref="MathF.Exp"/> and a true division.
/// </summary>
internal readonly struct ScalarPlaneKernel : IPlaneKernel<float>
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
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, in GateCoefficients gate)
    {
        var constants = new ScalarGate(gate);
        for (var i = 0; i < x.Length; i++)
        {
            var value = x[i];
            y[i] = value * ScalarGate.Sigmoid(constants.Centred(value));
        }
    }

    /// <inheritdoc/>
    public static BackwardSums BackwardSums(ReadOnlySpan<float> x, ReadOnlySpan<float> g, in GateCoefficients gate)
    {
        var constants = new ScalarGate(gate);
        double weightedU = 0, weightedUSquared = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var u = constants.Centred(x[i]);
            var s = ScalarGate.Sigmoid(u);
            var product = g[i] * x[i] * (s * (1 - s)) * u;
            weightedU += product;
            weightedUSquared += product * u;
        }

        return new BackwardSums(weightedU, weightedUSquared);
    }

    /// <inheritdoc/>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> dx, in GateCoefficients gate, in BackwardCoefficients coefficients)
    {
        var constants = new ScalarGate(gate);
        var twoRoot = (float)coefficients.TwoRoot;
        var slope = (float)coefficients.Slope;
        var offset = (float)coefficients.Offset;
        for (var i = 0; i < x.Length; i++)
        {
            var value = x[i];
            var gradient = g[i];
            var u = constants.Centred(value);
            var s = ScalarGate.Sigmoid(u);
            var a = gradient * value * (s * (1 - s));
            dx[i] = (gradient * s) + (u * ((twoRoot * a) - slope)) - offset;
        }
    }

    private readonly struct ScalarGate
    {
        private readonly float _meanHigh;
        private readonly float _meanLowTimesRoot;
        private readonly float _root;

        public ScalarGate(in GateCoefficients gate)
        {
            _meanHigh = (float)gate.Mean;
            _root = (float)gate.Root;
            _meanLowTimesRoot = (float)(gate.Mean - _meanHigh) * _root;
        }

        public float Centred(float value) => ((value - _meanHigh) * _root) - _meanLowTimesRoot;

        public static float Sigmoid(float u) => 1f / (1f + MathF.Exp(-((u * u) + 0.5f)));
    }
}
