using System;

namespace SimAM.Cli.Imaging;

/// <summary>
/// A viridis-like colour scale: dark purple (low) through blue and green to yellow (high), perceptually
/// ordered and readable in greyscale. Linear interpolation between nine anchors of matplotlib's viridis.
/// </summary>
internal static class Colormap
{
    private static readonly Rgb[] s_anchors =
    [
        new(68, 1, 84),
        new(71, 44, 122),
        new(59, 81, 139),
        new(44, 113, 142),
        new(33, 144, 141),
        new(39, 173, 129),
        new(92, 200, 99),
        new(170, 220, 50),
        new(253, 231, 37),
    ];

    /// <summary>Maps <paramref name="t"/> in [0, 1] to a colour; values outside are clamped and NaN maps to 0.</summary>
    /// <param name="t">The normalised value.</param>
    /// <returns>The colour.</returns>
    public static Rgb Viridis(double t)
    {
        t = double.IsNaN(t) ? 0 : Math.Clamp(t, 0, 1);
        var position = t * (s_anchors.Length - 1);
        var index = Math.Min((int)position, s_anchors.Length - 2);
        var f = position - index;
        var a = s_anchors[index];
        var b = s_anchors[index + 1];
        return new Rgb(Lerp(a.R, b.R, f), Lerp(a.G, b.G, f), Lerp(a.B, b.B, f));
    }

    private static byte Lerp(byte a, byte b, double f) => (byte)Math.Round(a + ((b - a) * f));
}
