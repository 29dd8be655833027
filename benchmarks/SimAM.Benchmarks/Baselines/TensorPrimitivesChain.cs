using System;
using System.Numerics.Tensors;
using System.Threading.Tasks;

namespace SimAM.Benchmarks.Baselines;

/// <summary>
/// SimAM as a careful user writes it with TensorPrimitives: one vectorised call per step of the
/// formula, planes in parallel, intermediate results kept in the output buffer (no allocation).
/// Each step streams the plane once more, which is what the fused kernel avoids.
/// </summary>
public static class TensorPrimitivesChain
{
    public static void Forward(float[] input, float[] output, int planeCount, int planeSize, float lambda)
    {
        Parallel.For(0, planeCount, plane =>
        {
            var x = input.AsSpan(plane * planeSize, planeSize);
            var d = output.AsSpan(plane * planeSize, planeSize);
            var mean = TensorPrimitives.Sum<float>(x) / planeSize;           // Sum
            TensorPrimitives.Subtract(x, mean, d);                            // Subtract
            TensorPrimitives.Multiply(d, d, d);                               // Multiply (square)
            var variance = TensorPrimitives.Sum<float>(d) / (planeSize - 1);  // Sum
            TensorPrimitives.Multiply(d, 1f / (4 * (variance + lambda)), d);  // Multiply by k
            TensorPrimitives.Add(d, 0.5f, d);                                 // Add ½
            TensorPrimitives.Sigmoid<float>(d, d);                            // Sigmoid
            TensorPrimitives.Multiply(x, d, d);                               // Multiply by x
        });
    }
}
