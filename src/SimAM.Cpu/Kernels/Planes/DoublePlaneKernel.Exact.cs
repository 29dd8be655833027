using System;
using System.Numerics.Tensors;

namespace SimAM.Kernels.Planes;

/// <summary>
/// The exact variant of <see cref="DoublePlaneKernel"/>, as <see cref="TensorPrimitives"/> calls over stack blocks (the
/// sigmoid accurate to double's last bits). Also the kernel behind small exact-variant planes of float and Half.
/// </summary>
internal readonly partial struct DoublePlaneKernel
{
    private static void ExactForward(ReadOnlySpan<double> x, Span<double> y, in GateCoefficients gate, in EnergyConstants energy)
    {
        Span<double> scratch = stackalloc double[4 * BlockLength];
        for (var start = 0; start < x.Length; start += BlockLength)
        {
            var block = x.Slice(start, Math.Min(BlockLength, x.Length - start));
            var s = Sigmoids(block, gate, energy, scratch, out _, out _);
            TensorPrimitives.Multiply(block, s, y.Slice(start, block.Length));
        }
    }

    private static BackwardSums ExactSums(ReadOnlySpan<double> x, ReadOnlySpan<double> g, in GateCoefficients gate, in EnergyConstants energy)
    {
        Span<double> scratch = stackalloc double[4 * BlockLength];
        double weighted = 0, weightedSquares = 0;
        for (var start = 0; start < x.Length; start += BlockLength)
        {
            var block = x.Slice(start, Math.Min(BlockLength, x.Length - start));
            var a = Weights(block, g.Slice(start, block.Length), gate, energy, scratch, out var u, out _);
            TensorPrimitives.Multiply(a, u, a);
            weighted += TensorPrimitives.Sum<double>(a);
            TensorPrimitives.Multiply(a, u, a);
            weightedSquares += TensorPrimitives.Sum<double>(a);
        }

        // In the units of BackwardCoefficients: sums of a' = 2r·a (see BackwardCoefficients).
        var twoRoot = 2 * gate.Root;
        return new BackwardSums(twoRoot * weighted, twoRoot * weightedSquares);
    }

    private static void ExactBackward(ReadOnlySpan<double> x, ReadOnlySpan<double> g, Span<double> dx, in GateCoefficients gate, in EnergyConstants energy, in BackwardCoefficients coefficients)
    {
        Span<double> scratch = stackalloc double[4 * BlockLength];
        var boost = energy.Boost;
        for (var start = 0; start < x.Length; start += BlockLength)
        {
            var block = x.Slice(start, Math.Min(BlockLength, x.Length - start));
            var gradOutput = g.Slice(start, block.Length);
            var a = Weights(block, gradOutput, gate, energy, scratch, out var u, out var s);

            // dx = g·s + β²·(u·(2r·a′ − D) − B); a′ becomes the slope, then u·slope − B.
            TensorPrimitives.Multiply(a, 2 * gate.Root, a);
            TensorPrimitives.Subtract(a, coefficients.Slope, a);
            TensorPrimitives.Multiply(a, u, a);
            TensorPrimitives.Subtract(a, coefficients.Offset, a);
            TensorPrimitives.Multiply(a, boost, a);
            TensorPrimitives.MultiplyAdd(gradOutput, s, a, dx.Slice(start, block.Length));
        }
    }

    /// <summary>s = sigmoid(E) of a block, with u = (x − μ)·r and d = max(1 − 4α·u², floor) left in the scratch.</summary>
    private static Span<double> Sigmoids(ReadOnlySpan<double> x, in GateCoefficients gate, in EnergyConstants energy, Span<double> scratch, out Span<double> u, out Span<double> d)
    {
        var length = x.Length;
        u = scratch[..length];
        d = scratch.Slice(BlockLength, length);
        var s = scratch.Slice(2 * BlockLength, length);
        TensorPrimitives.Subtract(x, gate.Mean, u);
        TensorPrimitives.Multiply(u, gate.Root, u);
        TensorPrimitives.Multiply(u, u, s);

        // In u units κ·log2(e) = 4α and E = ½ + β²·u²/d.
        TensorPrimitives.Multiply(s, -energy.Shrink * FastSigmoid.Log2E, d);
        TensorPrimitives.Add(d, 1.0, d);
        TensorPrimitives.Max(d, EnergyConstants.Floor, d);
        TensorPrimitives.Divide(s, d, s);
        TensorPrimitives.Multiply(s, energy.Boost, s);
        TensorPrimitives.Add(s, 0.5, s);
        TensorPrimitives.Sigmoid<double>(s, s);
        return s;
    }

    /// <summary>a′ = g·x·s(1 − s)/d² of a block (in the scratch's fourth slot), with u and s.</summary>
    private static Span<double> Weights(ReadOnlySpan<double> x, ReadOnlySpan<double> g, in GateCoefficients gate, in EnergyConstants energy, Span<double> scratch, out Span<double> u, out Span<double> s)
    {
        s = Sigmoids(x, gate, energy, scratch, out u, out var d);
        var a = scratch.Slice(3 * BlockLength, x.Length);
        TensorPrimitives.Subtract(1.0, s, a);
        TensorPrimitives.Multiply(a, s, a);
        TensorPrimitives.Multiply(a, x, a);
        TensorPrimitives.Multiply(a, g, a);
        TensorPrimitives.Divide(a, d, a);
        TensorPrimitives.Divide(a, d, a);
        return a;
    }
}
