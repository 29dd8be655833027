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

        return constants.Coefficients.Sums(weighted, weightedSquares);
    }

    private static void ExactBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> dx, in GateCoefficients gate, in EnergyConstants energy, in BackwardCoefficients coefficients)
    {
        var constants = new ExactConstants(gate, energy);
        var slope = constants.Coefficients.Slope(energy);
        var negativeCurvature = ExactCoefficients.NegativeCurvature(coefficients, energy);
        var negativeOffset = ExactCoefficients.NegativeOffset(coefficients, energy);
        for (var i = 0; i < x.Length; i++)
        {
            var gradient = g[i];
            var a = constants.Weight(x[i], gradient, out var z, out var s);
            dx[i] = (gradient * s) + (z * ((slope * a) + negativeCurvature)) + negativeOffset;
        }
    }

    /// <summary>A plane's exact constants, rounded by <see cref="ExactCoefficients"/> as the vector kernels round them.</summary>
    private readonly struct ExactConstants(in GateCoefficients gate, in EnergyConstants energy)
    {
        private readonly float _shrink = (float)energy.Shrink;
        private readonly float _boost = (float)energy.Boost;

        public ExactCoefficients Coefficients { get; } = new(gate);

        /// <summary>Gets σ, the power of two x is scaled by in the backward weight (<see cref="SimAM.Kernels.WeightScale"/>).</summary>
        public float WeightScale => Coefficients.WeightScale;

        public float Scaled(float x) => ((x - Coefficients.MeanHigh) * Coefficients.Root) + Coefficients.Low;

        public float Exponent(float z, out float d)
        {
            var q = z * z;
            d = MathF.Max(1f - (_shrink * q), (float)EnergyConstants.Floor);
            return NegativeHalfLog2E - (_boost * (q / d));
        }

        public float Weight(float x, float g, out float z, out float s)
        {
            // The slope as e·s², not s(1 − s) from a rounded s (see ExactEnergyVectors.Weight).
            z = Scaled(x);
            var e = float.Exp2(Exponent(z, out var d));
            s = 1f / (1f + e);
            return g * (x * WeightScale) * (e * s * s) / (d * d);
        }
    }
}
