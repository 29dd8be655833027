using System;

namespace SimAM.Gpu.Tests;

internal static class Shapes
{
    public static int Count(ReadOnlySpan<int> shape)
    {
        var count = 1;
        foreach (var d in shape)
        {
            count *= d;
        }

        return count;
    }

    public static int PlaneSize(ReadOnlySpan<int> shape) => Count(shape) / (shape[0] * shape[1]);

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
