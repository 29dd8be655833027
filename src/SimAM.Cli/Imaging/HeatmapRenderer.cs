using System;
using System.Collections.Generic;
using System.Globalization;

namespace SimAM.Cli.Imaging;

/// <summary>
/// Lays out labelled maps in a grid on one shared colour scale (so that tiles compare), with a title
/// and a vertical colour bar labelled with the minimum, middle and maximum value.
/// </summary>
internal static class HeatmapRenderer
{
    /// <summary>Font pixels are drawn as this many image pixels.</summary>
    public const int TextScale = 2;

    private const int Margin = 16;
    private const int Gap = 12;
    private const int LabelGap = 4;
    private const int BarWidth = 20;
    private const int MaxColumns = 8;

    private static readonly Rgb s_frame = new(160, 160, 160);

    /// <summary>Draws <paramref name="tiles"/>.</summary>
    /// <param name="tiles">The maps, all of one size; at least one.</param>
    /// <param name="title">The line above the grid.</param>
    /// <param name="tileSize">The drawn size of a tile's longer side: small maps are enlarged by a whole factor up to it, larger maps shrunk to it.</param>
    /// <returns>The picture.</returns>
    /// <exception cref="ArgumentException">There are no tiles, or they differ in size.</exception>
    public static RgbImage Render(IReadOnlyList<HeatmapTile> tiles, string title, int tileSize = 128)
    {
        if (tiles.Count == 0)
        {
            throw new ArgumentException("At least one tile is needed.", nameof(tiles));
        }

        var (height, width) = (tiles[0].Height, tiles[0].Width);
        var (min, max) = (double.PositiveInfinity, double.NegativeInfinity);
        foreach (var tile in tiles)
        {
            if (tile.Height != height || tile.Width != width || tile.Values.Length != height * width)
            {
                throw new ArgumentException("All tiles must have the same size.", nameof(tiles));
            }

            foreach (var v in tile.Values)
            {
                if (double.IsFinite(v))
                {
                    min = Math.Min(min, v);
                    max = Math.Max(max, v);
                }
            }
        }

        if (min > max)
        {
            (min, max) = (0, 1); // no finite value at all: any scale will do
        }

        var (drawnWidth, drawnHeight) = DrawnSize(width, height, tileSize);
        var textHeight = BitmapFont.GlyphHeight * TextScale;
        var columns = Columns(tiles.Count);
        var rows = (tiles.Count + columns - 1) / columns;
        var cellWidth = Math.Max(drawnWidth, BitmapFont.MeasureWidth("c000", TextScale)) + Gap;
        var cellHeight = textHeight + LabelGap + drawnHeight + Gap;

        var gridTop = Margin + textHeight + Gap;
        var gridBottom = gridTop + (rows * cellHeight) - Gap;
        var barLeft = Margin + (columns * cellWidth) + 4;
        var barTop = gridTop + textHeight + LabelGap;
        var barHeight = gridBottom - barTop;
        var labels = new[] { Format(max, min, max), Format((min + max) / 2, min, max), Format(min, min, max) };
        var labelWidth = 0;
        foreach (var label in labels)
        {
            labelWidth = Math.Max(labelWidth, BitmapFont.MeasureWidth(label, TextScale));
        }

        var imageWidth = Math.Max(barLeft + BarWidth + 6 + labelWidth + Margin, Margin + BitmapFont.MeasureWidth(title, TextScale) + Margin);
        var image = new RgbImage(imageWidth, gridBottom + Margin, Rgb.White);
        BitmapFont.Draw(image, title, Margin, Margin, TextScale, Rgb.Ink);

        for (var i = 0; i < tiles.Count; i++)
        {
            var left = Margin + (i % columns * cellWidth);
            var top = gridTop + (i / columns * cellHeight);
            BitmapFont.Draw(image, tiles[i].Label, left, top, TextScale, Rgb.Ink);
            DrawTile(image, tiles[i], left, top + textHeight + LabelGap, drawnWidth, drawnHeight, min, max);
        }

        DrawColourBar(image, barLeft, barTop, barHeight, labels, textHeight);
        return image;
    }

    /// <summary>Gets the grid's column count: up to 4 in one row, then a near-square grid of at most <see cref="MaxColumns"/> columns.</summary>
    /// <param name="tiles">The number of tiles.</param>
    /// <returns>The columns.</returns>
    public static int Columns(int tiles) =>
        tiles <= 8 ? Math.Min(tiles, 4) : Math.Min(MaxColumns, (int)Math.Ceiling(Math.Sqrt(tiles)));

    /// <summary>Gets the drawn size of a <paramref name="width"/> × <paramref name="height"/> map whose longer side is scaled to about <paramref name="tileSize"/>.</summary>
    /// <param name="width">Map columns.</param>
    /// <param name="height">Map rows.</param>
    /// <param name="tileSize">The target for the longer side.</param>
    /// <returns>The drawn width and height in pixels.</returns>
    public static (int Width, int Height) DrawnSize(int width, int height, int tileSize)
    {
        var longer = Math.Max(width, height);
        if (longer <= tileSize)
        {
            // A whole enlargement factor keeps every value a crisp square.
            var factor = tileSize / longer;
            return (width * factor, height * factor);
        }

        return (Math.Max(1, width * tileSize / longer), Math.Max(1, height * tileSize / longer));
    }

    private static void DrawTile(RgbImage image, HeatmapTile tile, int left, int top, int drawnWidth, int drawnHeight, double min, double max)
    {
        image.FillRectangle(left - 1, top - 1, drawnWidth + 2, drawnHeight + 2, s_frame);
        var range = max - min;
        for (var y = 0; y < drawnHeight; y++)
        {
            var sourceRow = (int)((long)y * tile.Height / drawnHeight);
            for (var x = 0; x < drawnWidth; x++)
            {
                var sourceColumn = (int)((long)x * tile.Width / drawnWidth);
                var value = tile.Values[(sourceRow * tile.Width) + sourceColumn];
                image[left + x, top + y] = Colormap.Viridis(range > 0 ? (value - min) / range : 0.5);
            }
        }
    }

    private static void DrawColourBar(RgbImage image, int left, int top, int height, string[] labels, int textHeight)
    {
        image.FillRectangle(left - 1, top - 1, BarWidth + 2, height + 2, s_frame);
        for (var y = 0; y < height; y++)
        {
            var colour = Colormap.Viridis(height == 1 ? 1 : 1.0 - ((double)y / (height - 1)));
            image.FillRectangle(left, top + y, BarWidth, 1, colour);
        }

        var labelLeft = left + BarWidth + 6;
        BitmapFont.Draw(image, labels[0], labelLeft, top, TextScale, Rgb.Ink);
        BitmapFont.Draw(image, labels[1], labelLeft, top + ((height - textHeight) / 2), TextScale, Rgb.Ink);
        BitmapFont.Draw(image, labels[2], labelLeft, top + height - textHeight, TextScale, Rgb.Ink);
    }

    /// <summary>Formats a colour-bar value with enough decimals to tell the ends of the range apart.</summary>
    private static string Format(double value, double min, double max)
    {
        var range = max - min;
        var decimals = range > 0 ? Math.Clamp((int)Math.Ceiling(-Math.Log10(range)) + 2, 2, 8) : 4;
        return value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
