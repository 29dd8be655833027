using System;

namespace SimAM.Kernels.Planes;

/// <summary>The exact variant of <see cref="ScalarPlaneKernel"/> in plain float code (runtime 2^t, true division).</summary>
internal readonly partial struct ScalarPlaneKernel
{
    private const float NegativeHalfLog2E = (float)(-0.5 * FastSigmoid.Log2E);

    private static void ExactForward(ReadOnlySpan<float> x, Span<float> y, in GateCoefficients gate, in EnergyConstants energy)
    {
        var constants = new ExactConstants(gate, energy);
        for (var i = 0; i < x.Length; i++)
        {
            var value = x[i];
            y[i] = value / (1f + float.Exp2(constants.Exponent(constants.Scaled(value), out _)));
        }
    }

    private static BackwardSums ExactSums(ReadOnlySpan<float> x, ReadOnlySpan<float> g, in GateCoefficients gate, in EnergyConstants energy)
    {
        var constants = new ExactConstants(gate, energy);
        double weighted = 0, weightedSquares = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var product = constants.Weight(x[i], g[i], out var z, out _) * z;
            weighted += product;
            weightedSquares += product * z;
        }

        // Back from z = u·√log2(e) to u, and from a° = σ·a to sums of a' = 2r·a, the units of BackwardCoefficients
        // (dividing by the power of two σ is exact).
        var twoRoot = 2 * gate.Root / constants.WeightScale;
        return new BackwardSums(twoRoot * weighted / EnergyConstants.RootLog2E, twoRoot * weightedSquares / FastSigmoid.Log2E);
    }

    private static void ExactBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> dx, in GateCoefficients gate, in EnergyConstants energy, in BackwardCoefficients coefficients)
    {
        var constants = new ExactConstants(gate, energy);
        var slope = (float)(2 * gate.Root * energy.Boost / EnergyConstants.RootLog2E / constants.WeightScale);
        var curvature = (float)(coefficients.Slope * energy.Boost / EnergyConstants.RootLog2E);
        var offset = (float)(coefficients.Offset * energy.Boost);
        for (var i = 0; i < x.Length; i++)
        {
            var gradient = g[i];
            var a = constants.Weight(x[i], gradient, out var z, out var s);
            dx[i] = (gradient * s) + (z * ((slope * a) - curvature)) - offset;
        }
    }

    private readonly struct ExactConstants
    {
        private readonly float _meanHigh;
        private readonly float _root;
        private readonly float _low;
        private readonly float _shrink;
        private readonly float _boost;

        public ExactConstants(in GateCoefficients gate, in EnergyConstants energy)
        {
            _meanHigh = (float)gate.Mean;
            var scaledRoot = gate.Root * EnergyConstants.RootLog2E;
            _root = (float)scaledRoot;
            _low = (float)(-(gate.Mean - _meanHigh) * scaledRoot);
            _shrink = (float)energy.Shrink;
            _boost = (float)energy.Boost;
            WeightScale = SimAM.Kernels.WeightScale.Of(_root);
        }

        /// <summary>Gets σ, the power of two x is scaled by in the backward weight (<see cref="SimAM.Kernels.WeightScale"/>).</summary>
        public float WeightScale { get; }

        public float Scaled(float x) => ((x - _meanHigh) * _root) + _low;

        public float Exponent(float z, out float d)
        {
            var q = z * z;
            d = MathF.Max(1f - (_shrink * q), (float)EnergyConstants.Floor);
            return NegativeHalfLog2E - (_boost * (q / d));
        }

        public float Weight(float x, float g, out float z, out float s)
        {
            z = Scaled(x);
            s = 1f / (1f + float.Exp2(Exponent(z, out var d)));
            return g * (x * WeightScale) * (s * (1 - s)) / (d * d);
        }
    }
}
