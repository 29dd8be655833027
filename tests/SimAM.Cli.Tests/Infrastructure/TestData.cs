using System;

namespace SimAM.Cli.Tests.Infrastructure;

public static class TestData
{
    public static float[] Floats(int count, int seed, float scale = 1f, float offset = 0f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = offset + (scale * ((random.NextSingle() * 2f) - 1f));
        }

        return values;
    }

    public static double[] Doubles(int count, int seed)
    {
        var random = new Random(seed);
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (random.NextDouble() * 2) - 1;
        }

        return values;
    }
}
