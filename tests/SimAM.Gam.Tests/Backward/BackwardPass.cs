using System;
using System.Linq;
using SimAM.Gam.Tests.Infrastructure;

namespace SimAM.Gam.Tests.Backward;

/// <summary>What one forward pass (keeping activations) and one backward pass of it give.</summary>
/// <typeparam name="T">float or double.</typeparam>
/// <param name="Y">y.</param>
/// <param name="GradInput">∂L/∂x.</param>
/// <param name="Gradients">The parameter gradients, from zero.</param>
/// <param name="Activations">What the forward pass kept.</param>
public sealed record BackwardResult<T>(T[] Y, T[] GradInput, GamGradients Gradients, GamActivations Activations);

/// <summary>Forward and backward passes, output gradients and comparisons of gradients for the backward tests.</summary>
public static class BackwardPass
{
    public static BackwardResult<double> Run(GamModule module, double[] x, double[] gradOutput, int[] shape, GamMode mode)
    {
        var activations = new GamActivations();
        var y = new double[x.Length];
        module.Forward(x, y, shape, mode, activations);
        var gradients = new GamGradients(module.Weights);
        var dx = new double[x.Length];
        module.Backward(x, gradOutput, dx, shape, mode, activations, gradients);
        return new(y, dx, gradients, activations);
    }

    public static BackwardResult<float> Run(GamModule module, float[] x, float[] gradOutput, int[] shape, GamMode mode)
    {
        var activations = new GamActivations();
        var y = new float[x.Length];
        module.Forward(x, y, shape, mode, activations);
        var gradients = new GamGradients(module.Weights);
        var dx = new float[x.Length];
        module.Backward(x, gradOutput, dx, shape, mode, activations, gradients);
        return new(y, dx, gradients, activations);
    }

    /// <summary>∂L/∂y drawn from <paramref name="seed"/>: float values in (−1, 1), so that a·g1 + b·g2 with a = 0.5, b = −2 is exact in double.</summary>
    public static float[] GradOutput(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)((2 * random.NextDouble()) - 1)).ToArray();
    }

    /// <summary>Asserts that two sets of gradients hold the same bits in every tensor.</summary>
    public static void AssertIdentical(GamGradients expected, GamGradients actual, string context)
    {
        for (var i = 0; i < expected.Parameters.Count; i++)
        {
            Bits.AssertIdentical(expected.Parameters[i].Values, actual.Parameters[i].Values, $"{context}: {expected.Parameters[i].Name}");
        }
    }

    /// <summary>
    /// Asserts |actual − expected| ≤ bound·scale element-wise, the scale being the largest magnitude in <paramref name="scales"/>
    /// (the tensors the two sides were computed from); returns the worst error relative to that scale.
    /// </summary>
    public static double AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double bound, string context, params double[][] scales)
    {
        var scale = Math.Max(Accuracy.MaxAbs(expected), Accuracy.MaxAbs(actual));
        foreach (var values in scales)
        {
            scale = Math.Max(scale, Accuracy.MaxAbs(values));
        }

        return Accuracy.AssertClose(actual, expected, bound, scale, context);
    }

    /// <summary>a·u + b·v element-wise.</summary>
    public static double[] Combine(double a, ReadOnlySpan<double> u, double b, ReadOnlySpan<double> v)
    {
        var result = new double[u.Length];
        for (var i = 0; i < u.Length; i++)
        {
            result[i] = (a * u[i]) + (b * v[i]);
        }

        return result;
    }

    /// <summary>a·u element-wise.</summary>
    public static double[] Scale(double a, ReadOnlySpan<double> u)
    {
        var result = new double[u.Length];
        for (var i = 0; i < u.Length; i++)
        {
            result[i] = a * u[i];
        }

        return result;
    }
}
