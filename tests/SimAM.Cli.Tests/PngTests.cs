using System;
using System.IO;
using System.Linq;
using System.Text;
using SimAM.Cli.Imaging;
using SimAM.Cli.Npy;
using SimAM.Cli.Tests.Infrastructure;
using Xunit;

namespace SimAM.Cli.Tests;

/// <summary>The PNG writer and the heatmap, decoded back.</summary>
public sealed class PngTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Crc32_matches_the_standard_check_value_and_the_bitwise_definition()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute(Encoding.ASCII.GetBytes("123456789")));
        var random = new Random(7);
        for (var length = 0; length < 300; length += 7)
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(PngDecoder.BitwiseCrc32(data), Crc32.Compute(data));
            Assert.Equal(Crc32.Compute(data), Crc32.Append(Crc32.Compute(data.AsSpan(0, length / 3)), data.AsSpan(length / 3)));
        }
    }

    [Fact]
    public void A_small_image_round_trips_pixel_for_pixel()
    {
        var image = new RgbImage(3, 2, Rgb.White);
        image[0, 0] = new Rgb(255, 0, 0);
        image[1, 0] = new Rgb(0, 255, 0);
        image[2, 0] = new Rgb(0, 0, 255);
        image[1, 1] = new Rgb(1, 2, 3);

        var png = PngDecoder.Decode(PngWriter.Encode(image));

        Assert.Equal((3, 2), (png.Width, png.Height));
        Assert.Equal(["IHDR", "IDAT", "IEND"], png.Chunks);
        Assert.Equal(((byte)255, (byte)0, (byte)0), png[0, 0]);
        Assert.Equal(((byte)0, (byte)255, (byte)0), png[1, 0]);
        Assert.Equal(((byte)0, (byte)0, (byte)255), png[2, 0]);
        Assert.Equal(((byte)255, (byte)255, (byte)255), png[0, 1]);
        Assert.Equal(((byte)1, (byte)2, (byte)3), png[1, 1]);
    }

    [Fact]
    public void The_demo_heatmap_is_a_valid_png_with_tiles_colour_bar_and_labels()
    {
        var output = _dir.File("map.png");

        var result = Simam.Run("heatmap", "--demo", "--output", output);

        Assert.True(result.ExitCode == 0, result.ToString());
        var bytes = File.ReadAllBytes(output);
        Assert.InRange(bytes.Length, 1_000, 200_000);
        var png = PngDecoder.Decode(bytes);

        // 8 channels of 64×64 drawn at 2× in a 4 × 2 grid, plus the title row and the colour bar.
        Assert.Equal(4, HeatmapRenderer.Columns(8));
        Assert.InRange(png.Width, 4 * 128, 900);
        Assert.InRange(png.Height, 2 * 128, 500);
        Assert.Equal(((byte)255, (byte)255, (byte)255), png[0, 0]); // margin

        // Somewhere on the right the colour bar runs from viridis' yellow (top) to its purple (bottom).
        var (barX, top, bottom) = FindColourBar(png);
        Assert.Equal(Tuple(Colormap.Viridis(1)), png[barX, top]);
        Assert.Equal(Tuple(Colormap.Viridis(0)), png[barX, bottom]);

        // Labels are dark ink on white: the "c0" above the first tile at the left margin.
        Assert.True(HasInk(png, 16, 40, 20, 24), "no label ink above the first tile");
    }

    [Fact]
    public void A_heatmap_of_a_file_shows_each_plane_weight_from_the_engines_statistics()
    {
        // One sample, two 8×8 channels; a constant plane except one outlier pixel, which gets the highest weight.
        var x = new float[2 * 64];
        x[(0 * 64) + (3 * 8) + 5] = 10f;
        for (var i = 64; i < 128; i++)
        {
            x[i] = i % 3;
        }

        var input = _dir.File("x.npy");
        File.WriteAllBytes(input, NpyWriter.ToBytes(NpyArray.FromFloat32(x, [1, 2, 8, 8])));
        var output = _dir.File("map.png");

        var result = Simam.Run("heatmap", "--input", input, "--output", output, "--channels", "16");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("2 channels", result.Stdout, StringComparison.Ordinal);
        var tiles = Commands.HeatmapCommand.AttentionWeights(NpyArray.FromFloat32(x, [1, 2, 8, 8]), 0, 2, 1e-4);
        Assert.Equal(["c0", "c1"], Array.ConvertAll(tiles, t => t.Label));
        Assert.Equal(tiles.Max(t => t.Values.Max()), tiles[0].Values[(3 * 8) + 5]);

        // 8×8 maps are drawn 16× larger; the first tile's top-left corner is at (16, 60): a 16-pixel margin,
        // the title, a gap, the tile label and its gap. The outlier gets the top colour of the scale, the
        // rest of its (constant) plane the colour of its own weight on the shared scale.
        var png = PngDecoder.Decode(File.ReadAllBytes(output));
        Assert.Equal((128, 128), HeatmapRenderer.DrawnSize(8, 8, 128));
        Assert.Equal(Tuple(Colormap.Viridis(1)), png[16 + (5 * 16) + 8, 60 + (3 * 16) + 8]);
        var (min, max) = (tiles.Min(t => t.Values.Min()), tiles.Max(t => t.Values.Max()));
        Assert.Equal(Tuple(Colormap.Viridis((tiles[0].Values[0] - min) / (max - min))), png[16 + 8, 60 + 8]);
    }

    [Theory]
    [InlineData(new[] { 1, 2, 8 }, "expected a rank-4 tensor [N, C, H, W]; got shape (1, 2, 8)")]
    [InlineData(new[] { 1, 2, 2, 2, 2 }, "expected a rank-4 tensor [N, C, H, W]; got shape (1, 2, 2, 2, 2)")]
    public void Heatmap_needs_a_rank_4_tensor(int[] shape, string expected)
    {
        var count = 1;
        foreach (var d in shape)
        {
            count *= d;
        }

        var input = _dir.File("x.npy");
        File.WriteAllBytes(input, NpyWriter.ToBytes(NpyArray.FromFloat32(new float[count], shape)));

        var result = Simam.Run("heatmap", "--input", input, "--output", _dir.File("map.png"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([$"error: {input}: {expected}"], result.ErrorLines);
        Assert.Equal(["x.npy"], _dir.FileNames());
    }

    [Fact]
    public void Heatmap_sample_out_of_range_is_an_error()
    {
        var input = _dir.File("x.npy");
        File.WriteAllBytes(input, NpyWriter.ToBytes(NpyArray.FromFloat32(new float[2 * 3 * 16], [2, 3, 4, 4])));

        var result = Simam.Run("heatmap", "--input", input, "--output", _dir.File("map.png"), "--sample", "2");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([$"error: {input}: --sample 2 is out of range; the tensor has N = 2 samples"], result.ErrorLines);
    }

    [Theory]
    [InlineData("")]
    [InlineData("--demo --input x.npy")]
    public void Heatmap_needs_exactly_one_of_input_and_demo(string extra)
    {
        var result = Simam.Run(["heatmap", "--output", _dir.File("map.png"), .. extra.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: give either --input FILE or --demo.", result.ErrorLines);
    }

    private static (byte, byte, byte) Tuple(Rgb colour) => (colour.R, colour.G, colour.B);

    private static (int X, int Top, int Bottom) FindColourBar(PngDecoder png)
    {
        var yellow = Tuple(Colormap.Viridis(1));
        var purple = Tuple(Colormap.Viridis(0));
        for (var x = png.Width - 1; x >= png.Width / 2; x--)
        {
            var top = -1;
            for (var y = 0; y < png.Height; y++)
            {
                if (top < 0 && png[x, y] == yellow)
                {
                    top = y;
                }

                if (top >= 0 && png[x, y] == purple && y - top > 100)
                {
                    return (x, top, y);
                }
            }
        }

        Assert.Fail("no colour bar found");
        return default;
    }

    private static bool HasInk(PngDecoder png, int left, int top, int width, int height)
    {
        for (var y = top; y < top + height; y++)
        {
            for (var x = left; x < left + width; x++)
            {
                if (png[x, y] == (20, 20, 20))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
