using System;
using System.Threading.Tasks;

namespace SimAM.Benchmarks.Baselines;

/// <summary>
/// The reference module ported line by line to scalar float code (planes in parallel, so the comparison
/// with the engine is about the kernel, not the thread count).
/// </summary>
public static class ScalarPort
{
    public static void Forward(float[] input, float[] output, int planeCount, int planeSize, float lambda)
    {
        Parallel.For(0, planeCount, plane =>
        {
            var start = plane * planeSize;
            var sum = 0f;
            for (var i = 0; i < planeSize; i++)
            {
                sum += input[start + i];
            }

            var mean = sum / planeSize;
            var squares = 0f;
            for (var i = 0; i < planeSize; i++)
            {
                var c = input[start + i] - mean;
                squares += c * c;
            }

            var denominator = 4 * ((squares / (planeSize - 1)) + lambda);
            for (var i = 0; i < planeSize; i++)
            {
                var c = input[start + i] - mean;
                var energy = (c * c / denominator) + 0.5f;
                output[start + i] = input[start + i] / (1 + MathF.Exp(-energy));
            }
        });
    }
}
