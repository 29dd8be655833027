using System;

namespace SimAM.Cli.Imaging;

/// <summary>An 8-bit RGB raster, rows top to bottom, three bytes per pixel: what <see cref="PngWriter"/> encodes.</summary>
internal sealed class RgbImage
{
    private readonly byte[] _pixels;

    /// <summary>Initializes a new instance of the <see cref="RgbImage"/> class filled with <paramref name="background"/>.</summary>
    /// <param name="width">Width in pixels, at least 1.</param>
    /// <param name="height">Height in pixels, at least 1.</param>
    /// <param name="background">The initial colour of every pixel.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is below 1 or the image would exceed 2^28 pixels.</exception>
    public RgbImage(int width, int height, Rgb background)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)width * height, 1L << 28, nameof(width));
        Width = width;
        Height = height;
        _pixels = new byte[width * height * 3];
        FillRectangle(0, 0, width, height, background);
    }

    /// <summary>Gets the width in pixels.</summary>
    public int Width { get; }

    /// <summary>Gets the height in pixels.</summary>
    public int Height { get; }

    /// <summary>Gets one row of pixels as R, G, B bytes.</summary>
    /// <param name="y">The row, 0 at the top.</param>
    /// <returns>The row's <c>3 × Width</c> bytes.</returns>
    public ReadOnlySpan<byte> Row(int y) => _pixels.AsSpan(y * Width * 3, Width * 3);

    /// <summary>Gets the colour of a pixel.</summary>
    /// <param name="x">The column.</param>
    /// <param name="y">The row.</param>
    /// <returns>The colour.</returns>
    public Rgb this[int x, int y]
    {
        get
        {
            var i = ((y * Width) + x) * 3;
            return new Rgb(_pixels[i], _pixels[i + 1], _pixels[i + 2]);
        }

        set
        {
            var i = ((y * Width) + x) * 3;
            _pixels[i] = value.R;
            _pixels[i + 1] = value.G;
            _pixels[i + 2] = value.B;
        }
    }

    /// <summary>Fills a rectangle, clipped to the image.</summary>
    /// <param name="x">Left column.</param>
    /// <param name="y">Top row.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="colour">The fill colour.</param>
    public void FillRectangle(int x, int y, int width, int height, Rgb colour)
    {
        for (var row = Math.Max(y, 0); row < Math.Min(y + height, Height); row++)
        {
            for (var column = Math.Max(x, 0); column < Math.Min(x + width, Width); column++)
            {
                this[column, row] = colour;
            }
        }
    }
}

/// <summary>An 8-bit RGB colour.</summary>
/// <param name="R">Red.</param>
/// <param name="G">Green.</param>
/// <param name="B">Blue.</param>
internal readonly record struct Rgb(byte R, byte G, byte B)
{
    /// <summary>Gets white.</summary>
    public static Rgb White { get; } = new(255, 255, 255);

    /// <summary>Gets near-black, for text.</summary>
    public static Rgb Ink { get; } = new(20, 20, 20);
}
