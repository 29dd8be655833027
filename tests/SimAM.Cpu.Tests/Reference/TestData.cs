using System;

namespace SimAM.Tests.Reference;

/// <summary>Reproducible test tensors.</summary>
public static class TestData
{
    public static float[] Normal(int length, int seed, float scale = 1f, float offset = 0f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = offset + (scale * Gaussian(random));
        }

        return values;
    }

    public static double[] NormalDouble(int length, int seed, double scale = 1, double offset = 0)
    {
        var random = new Random(seed);
        var values = new double[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = offset + (scale * Gaussian(random));
        }

        return values;
    }

    public static float Gaussian(Random random)
    {
        // Box–Muller; 1 − NextDouble() avoids log(0).
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }
}
