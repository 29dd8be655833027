using System;
using System.Diagnostics.CodeAnalysis;

namespace SimAM.Cli.Imaging;

/// <summary>
/// A synthetic input for <c>simam heatmap --demo</c>: eight 64×64 channels, each a different shape (blobs,
/// a square, a ring, a stripe, a gradient with a spot, a bright and a dark square, a cross) on mild noise, so that the
/// command shows what SimAM attends to with no file at all.
/// </summary>
internal static class DemoTensor
{
    /// <summary>The channels of the demo tensor.</summary>
    public const int Channels = 8;

    /// <summary>The height and width of each channel.</summary>
    public const int Size = 64;

    /// <summary>Gets the shape [1, 8, 64, 64].</summary>
    public static int[] Shape => [1, Channels, Size, Size];

    /// <summary>Builds the tensor; the same values on every run.</summary>
    /// <returns>The values, row-major [1, 8, 64, 64].</returns>
    [SuppressMessage("Security", "CA5394:Do not use insecure randomness", Justification = "Reproducible picture noise, not security.")]
    public static float[] Create()
    {
        var random = new Random(2021);
        var values = new float[Channels * Size * Size];
        for (var c = 0; c < Channels; c++)
        {
            for (var y = 0; y < Size; y++)
            {
                for (var x = 0; x < Size; x++)
                {
                    var noise = 0.15 * (random.NextDouble() + random.NextDouble() - 1.0);
                    values[(((c * Size) + y) * Size) + x] = (float)(Pattern(c, x, y) + noise);
                }
            }
        }

        return values;
    }

    private static double Pattern(int channel, int x, int y)
    {
        double u = x - 31.5, v = y - 31.5;
        var r = Math.Sqrt((u * u) + (v * v));
        return channel switch
        {
            0 => Blob(x, y, 32, 32, 9),
            1 => Blob(x, y, 20, 22, 6) + (0.7 * Blob(x, y, 44, 42, 8)),
            2 => Square(x, y, 20, 20, 24),
            3 => Math.Exp(-Math.Pow((r - 20) / 3.0, 2)),
            4 => Math.Abs(x - y) < 4 ? 1 : 0,
            5 => (x / 63.0) + (1.5 * Blob(x, y, 16, 48, 4)),
            6 => Square(x, y, 12, 12, 14) - Square(x, y, 38, 38, 14), // a bright and a dark square: both stand out
            _ => (Math.Abs(u) < 3 || Math.Abs(v) < 3) && r < 24 ? 1 : 0,
        };
    }

    private static double Square(int x, int y, int left, int top, int size) =>
        x >= left && x < left + size && y >= top && y < top + size ? 1 : 0;

    private static double Blob(int x, int y, double cx, double cy, double sigma) =>
        Math.Exp(-(((x - cx) * (x - cx)) + ((y - cy) * (y - cy))) / (2 * sigma * sigma));
}
