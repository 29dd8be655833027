using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace SimAM.Kernels.Planes;

/// <summary>
/// The double-precision kernel: sums in double, the sigmoid from <see cref="TensorPrimitives.Sigmoid{T}(ReadOnlySpan{T}, Span{T})"/>
/// (vectorised and accurate to double's last bits) over blocks small enough to stay on the stack. The blocks are
/// written before they are read, so they are not zeroed: clearing 2 KiB per call cost more than a 9-value plane's
/// math (the small-plane backward pass of the float kernels runs here).
/// </summary>
[SkipLocalsInit]
internal readonly partial struct DoublePlaneKernel : IPlaneKernel<double>
{
    // 2 KiB of stack per block: enough to amortise the TensorPrimitives call, small enough for any thread.
    private const int BlockLength = 256;

    /// <inheritdoc/>
    public static ChunkMoments Moments(ReadOnlySpan<double> x)
    {
        // The mean of double values is not exact even when they are all equal (their sum rounds), and a
        // constant plane of large values then showed a variance of its rounding error: 1e37 everywhere came out
        // as 0.68·x instead of sigmoid(½)·x. Correcting the mean by the mean deviation from it (the corrected
        // two-pass algorithm) makes it exact for a constant plane, so its variance is exactly 0.
        var mean = TensorPrimitives.Sum(x) / x.Length;
        Span<double> scratch = stackalloc double[BlockLength];
        mean += SumCentred(x, mean, scratch, squared: false) / x.Length;
        var sumOfSquares = SumCentred(x, mean, scratch, squared: true);
        return new ChunkMoments(x.Length, mean, sumOfSquares);
    }

    /// <summary>Σ(x − mean), or Σ(x − mean)², block by block through <paramref name="scratch"/>.</summary>
    private static double SumCentred(ReadOnlySpan<double> x, double mean, Span<double> scratch, bool squared)
    {
        var sum = 0.0;
        for (var start = 0; start < x.Length; start += BlockLength)
        {
            var block = x.Slice(start, Math.Min(BlockLength, x.Length - start));
            var centred = scratch[..block.Length];
            TensorPrimitives.Subtract(block, mean, centred);
            sum += squared ? TensorPrimitives.SumOfSquares<double>(centred) : TensorPrimitives.Sum<double>(centred);
        }

        return sum;
    }

    /// <inheritdoc/>
    public static void Forward<TVariant>(ReadOnlySpan<double> x, Span<double> y, in GateCoefficients gate, in EnergyConstants energy, int prefetchAhead, bool streaming)
        where TVariant : IEnergy
    {
        if (TVariant.IsExact)
        {
            ExactForward(x, y, gate, energy);
            return;
        }

        Span<double> gates = stackalloc double[BlockLength];
        for (var start = 0; start < x.Length; start += BlockLength)
        {
            var block = x.Slice(start, Math.Min(BlockLength, x.Length - start));
            var s = Sigmoids(block, gate, gates);
            TensorPrimitives.Multiply(block, s, y.Slice(start, block.Length));
        }
    }

    /// <inheritdoc/>
    public static BackwardSums BackwardSums<TVariant>(ReadOnlySpan<double> x, ReadOnlySpan<double> g, in GateCoefficients gate, in EnergyConstants energy)
        where TVariant : IEnergy
    {
        if (TVariant.IsExact)
        {
            return ExactSums(x, g, gate, energy);
        }

        Span<double> gates = stackalloc double[BlockLength];
        double weightedU = 0, weightedUSquared = 0;
        for (var start = 0; start < x.Length; start += BlockLength)
        {
            var block = x.Slice(start, Math.Min(BlockLength, x.Length - start));
            AddWeighted(block, g.Slice(start, block.Length), Sigmoids(block, gate, gates), gate, ref weightedU, ref weightedUSquared);
        }

        return new BackwardSums(weightedU, weightedUSquared);
    }

    /// <summary>Adds a'·u and a'·u² of a block whose sigmoids are <paramref name="s"/> into the running sums, in order.</summary>
    internal static void AddWeighted(ReadOnlySpan<double> x, ReadOnlySpan<double> g, ReadOnlySpan<double> s, in GateCoefficients gate, ref double weightedU, ref double weightedUSquared)
    {
        for (var i = 0; i < x.Length; i++)
        {
            var u = (x[i] - gate.Mean) * gate.Root;
            var product = g[i] * (x[i] * 2 * gate.Root * s[i] * (1 - s[i])) * u;
            weightedU += product;
            weightedUSquared += product * u;
        }
    }

    /// <inheritdoc/>
    public static void Backward<TVariant>(ReadOnlySpan<double> x, ReadOnlySpan<double> g, Span<double> dx, in GateCoefficients gate, in EnergyConstants energy, in BackwardCoefficients coefficients, int prefetchAhead, bool streaming)
        where TVariant : IEnergy
    {
        if (TVariant.IsExact)
        {
            ExactBackward(x, g, dx, gate, energy, coefficients);
            return;
        }

        Span<double> gates = stackalloc double[BlockLength];
        for (var start = 0; start < x.Length; start += BlockLength)
        {
            var block = x.Slice(start, Math.Min(BlockLength, x.Length - start));
            Gradients(block, g.Slice(start, block.Length), Sigmoids(block, gate, gates), dx.Slice(start, block.Length), gate, coefficients);
        }
    }

    /// <summary>dx = g·s + u·(a' − D) − B for a block whose sigmoids are <paramref name="s"/>.</summary>
    internal static void Gradients(ReadOnlySpan<double> x, ReadOnlySpan<double> g, ReadOnlySpan<double> s, Span<double> dx, in GateCoefficients gate, in BackwardCoefficients coefficients)
    {
        for (var i = 0; i < x.Length; i++)
        {
            var value = x[i];
            var gradient = g[i];
            var u = (value - gate.Mean) * gate.Root;
            var scaledA = gradient * (value * 2 * gate.Root * s[i] * (1 - s[i]));
            dx[i] = (gradient * s[i]) + (u * (scaledA - coefficients.Slope)) - coefficients.Offset;
        }
    }

    /// <summary>s = sigmoid(u² + ½) of a block, into <paramref name="scratch"/> (at least the block's length).</summary>
    internal static Span<double> Sigmoids(ReadOnlySpan<double> block, in GateCoefficients gate, Span<double> scratch)
    {
        var s = scratch[..block.Length];
        for (var i = 0; i < block.Length; i++)
        {
            var u = (block[i] - gate.Mean) * gate.Root;
            s[i] = (u * u) + 0.5;
        }

        TensorPrimitives.Sigmoid<double>(s, s);
        return s;
    }
}
