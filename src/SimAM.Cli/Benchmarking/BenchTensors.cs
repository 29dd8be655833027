using System;
using System.Diagnostics.CodeAnalysis;
using System.Numerics.Tensors;

namespace SimAM.Cli.Benchmarking;

/// <summary>
/// The tensors every SimAM benchmark times on, made the same way wherever they are measured (<c>simam bench</c>, the
/// benchmarks' <c>simam-paths</c>): uniform values in [-1, 1) from a seed, optionally rounded to float16 numbers, and
/// the permutations between channels first [N, C, S] and channels last [N, S, C].
/// </summary>
internal static class BenchTensors
{
    /// <summary>Uniform values in [-1, 1) from <paramref name="seed"/>.</summary>
    /// <param name="length">The value count.</param>
    /// <param name="seed">The generator's seed.</param>
    /// <returns>The values.</returns>
    [SuppressMessage("Security", "CA5394:Do not use insecure randomness", Justification = "Benchmark data, not security.")]
    public static float[] Random(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = (random.NextSingle() * 2f) - 1f;
        }

        return values;
    }

    /// <summary>Rounds every value to the nearest float16 number, in place: float32 and float16 paths then compute on the same numbers.</summary>
    /// <param name="values">The values.</param>
    public static void RoundToHalf(float[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(Half)values[i];
        }
    }

    /// <summary>The values as float16.</summary>
    /// <param name="values">The values.</param>
    /// <returns>A new array.</returns>
    public static Half[] ToHalf(float[] values)
    {
        var result = new Half[values.Length];
        TensorPrimitives.ConvertToHalf(values, result);
        return result;
    }

    /// <summary>[N, C, S] to [N, S, C]: the same logical tensor with its channels last.</summary>
    /// <param name="values">The channels-first tensor.</param>
    /// <param name="samples">N.</param>
    /// <param name="channels">C.</param>
    /// <returns>A new array.</returns>
    public static float[] ToChannelsLast(float[] values, int samples, int channels) =>
        Permute(values, samples, channels, toChannelsLast: true);

    /// <summary>[N, S, C] back to [N, C, S].</summary>
    /// <param name="values">The channels-last tensor.</param>
    /// <param name="samples">N.</param>
    /// <param name="channels">C.</param>
    /// <returns>A new array.</returns>
    public static float[] ToChannelsFirst(float[] values, int samples, int channels) =>
        Permute(values, samples, channels, toChannelsLast: false);

    private static float[] Permute(float[] values, int samples, int channels, bool toChannelsLast)
    {
        var size = values.Length / (samples * channels);
        var result = new float[values.Length];
        for (var sample = 0; sample < samples; sample++)
        {
            for (var channel = 0; channel < channels; channel++)
            {
                var first = ((sample * channels) + channel) * size;
                for (var i = 0; i < size; i++)
                {
                    var last = (((sample * size) + i) * channels) + channel;
                    if (toChannelsLast)
                    {
                        result[last] = values[first + i];
                    }
                    else
                    {
                        result[first + i] = values[last];
                    }
                }
            }
        }

        return result;
    }
}
