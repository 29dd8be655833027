using System;
using SimAM.Validation;

namespace SimAM;

/// <summary>
/// The closed form of the math, evaluated the plain way in float64, one value at a time: no SIMD, no
/// threads, no approximation. It exists to verify the fast paths (the CLI's <c>selftest</c> uses it)
/// and for anyone who wants to check the formula; it is orders of magnitude slower than <see cref="SimAm"/>.
/// </summary>
public static class SimAmReference
{
    /// <summary>y = x·sigmoid((x − μ)² / (4 (v + λ)) + ½) per plane, in float64.</summary>
    /// <param name="input">The tensor x.</param>
    /// <param name="output">Receives y; may be <paramref name="input"/> itself, but must not partially overlap it.</param>
    /// <param name="shape">[N, C, d1, ..., dk].</param>
    /// <param name="lambda">The regulariser λ &gt; 0.</param>
    /// <exception cref="ArgumentException">The shape or a span length is invalid, or the buffers partially overlap.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive, or λ is not finite and positive.</exception>
    public static void Forward(ReadOnlySpan<double> input, Span<double> output, ReadOnlySpan<int> shape, double lambda = SimAm.DefaultLambda)
    {
        var geometry = CallValidation.Forward(input, output, shape, -1, lambda, SimAmOptions.Default);
        var size = geometry.PlaneSize;
        for (var start = 0; start < input.Length; start += size)
        {
            var plane = input.Slice(start, size);
            var (mean, k) = MeanAndScale(plane, lambda);
            for (var i = 0; i < size; i++)
            {
                var c = plane[i] - mean;
                output[start + i] = plane[i] / (1 + Math.Exp(-((k * c * c) + 0.5)));
            }
        }
    }

    /// <summary>∂L/∂x by the math document's closed form (checked against PyTorch autograd), in float64.</summary>
    /// <param name="input">The forward pass's input x.</param>
    /// <param name="gradOutput">∂L/∂y.</param>
    /// <param name="gradInput">Receives ∂L/∂x; may be <paramref name="input"/> or <paramref name="gradOutput"/> itself, but must not partially overlap either.</param>
    /// <param name="shape">[N, C, d1, ..., dk].</param>
    /// <param name="lambda">The regulariser λ &gt; 0.</param>
    /// <exception cref="ArgumentException">The shape or a span length is invalid, or the buffers partially overlap.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive, or λ is not finite and positive.</exception>
    public static void Backward(ReadOnlySpan<double> input, ReadOnlySpan<double> gradOutput, Span<double> gradInput, ReadOnlySpan<int> shape, double lambda = SimAm.DefaultLambda)
    {
        var geometry = CallValidation.Backward(input, gradOutput, gradInput, shape, -1, lambda, SimAmOptions.Default);

        var size = geometry.PlaneSize;
        for (var start = 0; start < input.Length; start += size)
        {
            var x = input.Slice(start, size);
            var g = gradOutput.Slice(start, size);
            var (mean, k) = MeanAndScale(x, lambda);
            double r1 = 0, r2 = 0;
            for (var i = 0; i < size; i++)
            {
                var c = x[i] - mean;
                var s = 1 / (1 + Math.Exp(-((k * c * c) + 0.5)));
                var a = g[i] * x[i] * s * (1 - s);
                r1 += a * c;
                r2 += a * c * c;
            }

            for (var i = 0; i < size; i++)
            {
                var c = x[i] - mean;
                var s = 1 / (1 + Math.Exp(-((k * c * c) + 0.5)));
                var a = g[i] * x[i] * s * (1 - s);
                gradInput[start + i] = (g[i] * s) + (2 * k * a * c) - (2 * k / size * r1) - (8 * k * k / (size - 1) * r2 * c);
            }
        }
    }

    private static (double Mean, double Scale) MeanAndScale(ReadOnlySpan<double> plane, double lambda)
    {
        var sum = 0.0;
        foreach (var v in plane)
        {
            sum += v;
        }

        var mean = sum / plane.Length;
        var squares = 0.0;
        foreach (var v in plane)
        {
            squares += (v - mean) * (v - mean);
        }

        return (mean, 1 / (4 * ((squares / (plane.Length - 1)) + lambda)));
    }
}
