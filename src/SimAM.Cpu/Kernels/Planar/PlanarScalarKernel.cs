using System;
using SimAM.Kernels.ChannelVectors;

namespace SimAM.Kernels.Planar;

/// <summary>
/// The planar kernel without SIMD: <see cref="ScalarPlaneKernel"/> for the fast variant, and the exact
/// variant in plain float code (runtime 2^t, true division) — the portable fallback and the last step of
/// the vector kernels for spans shorter than four values.
/// </summary>
internal readonly struct PlanarScalarKernel : IPlanarKernel<float>
{
    private const float NegativeHalfLog2E = (float)(-0.5 * FastSigmoid.Log2E);

    /// <inheritdoc/>
    public static ChunkMoments Moments(ReadOnlySpan<float> x) => ScalarPlaneKernel.Moments(x);

    /// <inheritdoc/>
    public static PlaneStatistics ForwardPlane<TEnergy>(ReadOnlySpan<float> x, Span<float> y, double lambda, in EnergyConstants energy)
        where TEnergy : IEnergy => PlanarPlane<float, PlanarScalarKernel>.Forward<TEnergy>(x, y, lambda, energy);

    /// <inheritdoc/>
    public static PlaneStatistics BackwardPlane<TEnergy>(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> dx, PlaneStatistics? given, double lambda, in EnergyConstants energy)
        where TEnergy : IEnergy => PlanarPlane<float, PlanarScalarKernel>.Backward<TEnergy>(x, g, dx, given, lambda, energy);

    /// <inheritdoc/>
    public static void Forward<TEnergy>(ReadOnlySpan<float> x, Span<float> y, in GateCoefficients gate, in EnergyConstants energy)
        where TEnergy : IEnergy
    {
        if (!TEnergy.IsExact)
        {
            ScalarPlaneKernel.Forward(x, y, gate, 0);
            return;
        }

        var constants = new Constants(gate, energy);
        for (var i = 0; i < x.Length; i++)
        {
            var value = x[i];
            y[i] = value / (1f + float.Exp2(constants.Exponent(constants.Scaled(value), out _)));
        }
    }

    /// <inheritdoc/>
    public static BackwardSums BackwardSums<TEnergy>(ReadOnlySpan<float> x, ReadOnlySpan<float> g, in GateCoefficients gate, in EnergyConstants energy)
        where TEnergy : IEnergy
    {
        if (!TEnergy.IsExact)
        {
            return ScalarPlaneKernel.BackwardSums(x, g, gate);
        }

        var constants = new Constants(gate, energy);
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

    /// <inheritdoc/>
    public static void Backward<TEnergy>(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> dx, in GateCoefficients gate, in EnergyConstants energy, in BackwardCoefficients coefficients)
        where TEnergy : IEnergy
    {
        if (!TEnergy.IsExact)
        {
            ScalarPlaneKernel.Backward(x, g, dx, gate, coefficients, 0);
            return;
        }

        var constants = new Constants(gate, energy);
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

    private readonly struct Constants
    {
        private readonly float _meanHigh;
        private readonly float _root;
        private readonly float _low;
        private readonly float _shrink;
        private readonly float _boost;

        public Constants(in GateCoefficients gate, in EnergyConstants energy)
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
