using System;
using System.CommandLine;
using System.Globalization;
using SimAM.Cli.Imaging;
using SimAM.Cli.Npy;

namespace SimAM.Cli.Commands;

/// <summary>
/// <c>simam heatmap</c>: a PNG of the attention weight sigmoid(E) SimAM applies to each pixel, for the
/// first channels of one sample of an [N, C, H, W] tensor (or of a built-in demo tensor).
/// </summary>
internal static class HeatmapCommand
{
    /// <summary>Creates the command.</summary>
    /// <param name="context">Where it writes.</param>
    /// <returns>The command.</returns>
    public static Command Create(CliContext context)
    {
        var input = CommonOptions.OptionalPath("--input", "The tensor x: a .npy file, float32 or float64, shape [N, C, H, W]. Not with --demo.");
        var demo = new Option<bool>("--demo")
        {
            Description = "Use a built-in synthetic input (shapes and blobs on noise, 8 channels of 64x64) instead of --input.",
        };
        var output = CommonOptions.RequiredPath("--output", "Where to write the PNG. Written only when complete.");
        var lambda = CommonOptions.Lambda();
        var sample = CommonOptions.Number("--sample", "Which sample n of the batch to draw.", 0, "n", min: 0);
        var channels = CommonOptions.Number(
            "--channels", "How many channels to draw, from channel 0 (fewer if the tensor has fewer).", 16, "count", min: 1);

        var command = new Command(
            "heatmap",
            "Draws the per-pixel attention weight sigmoid(E) = y / x of one sample's first channels as a PNG grid with a colour bar.\n" +
            "Example: simam heatmap --input x.npy --output map.png --sample 0 --channels 16   (or: simam heatmap --demo --output map.png)")
        {
            input, demo, output, lambda, sample, channels,
        };
        command.Validators.Add(result =>
        {
            var hasInput = result.GetValue(input) is not null;
            var isDemo = result.GetValue(demo);
            if (hasInput == isDemo)
            {
                result.AddError("give either --input FILE or --demo.");
            }
        });
        command.SetAction(parse => Run(
            context,
            parse.GetValue(input),
            parse.GetRequiredValue(output),
            parse.GetValue(lambda),
            parse.GetValue(sample),
            parse.GetValue(channels)));
        return command;
    }

    /// <summary>
    /// Computes the attention weight of every pixel of sample <paramref name="sample"/>'s first
    /// <paramref name="channels"/> channels, from the plane statistics the engine's forward pass reports.
    /// </summary>
    /// <param name="x">A rank-4 tensor [N, C, H, W].</param>
    /// <param name="sample">The sample n.</param>
    /// <param name="channels">How many channels, at most C.</param>
    /// <param name="lambda">λ.</param>
    /// <returns>One tile per channel, labelled <c>c0</c>, <c>c1</c>, ...</returns>
    /// <exception cref="ArgumentException">The engine rejects the shape or λ.</exception>
    public static HeatmapTile[] AttentionWeights(NpyArray x, int sample, int channels, double lambda)
    {
        var (c, h, w) = (x.Shape[1], x.Shape[2], x.Shape[3]);
        var plane = h * w;
        var start = sample * c * plane;
        var length = channels * plane;
        int[] shape = [1, channels, h, w];
        var statistics = new PlaneStatistics[channels];
        var values = new double[length];
        if (x.DType == NpyDType.Float32)
        {
            var slice = x.Float32.AsSpan(start, length);
            SimAm.Forward(slice, new float[length], shape, statistics, (float)lambda);
            lambda = (float)lambda;
            for (var i = 0; i < length; i++)
            {
                values[i] = slice[i];
            }
        }
        else
        {
            var slice = x.Float64.AsSpan(start, length);
            SimAm.Forward(slice, new double[length], shape, statistics, lambda);
            slice.CopyTo(values);
        }

        var tiles = new HeatmapTile[channels];
        for (var channel = 0; channel < channels; channel++)
        {
            var weights = new double[plane];
            for (var i = 0; i < plane; i++)
            {
                weights[i] = statistics[channel].Weight(values[(channel * plane) + i], lambda);
            }

            tiles[channel] = new HeatmapTile("c" + channel.ToString(CultureInfo.InvariantCulture), weights, h, w);
        }

        return tiles;
    }

    private static int Run(CliContext context, string? inputPath, string outputPath, double lambda, int sample, int channels)
    {
        NpyArray x;
        string source;
        if (inputPath is null)
        {
            x = NpyArray.FromFloat32(DemoTensor.Create(), DemoTensor.Shape);
            source = "demo";
        }
        else
        {
            TensorFiles.EnsureNotAnInput(outputPath, inputPath);
            x = TensorFiles.ReadTensor(inputPath, rank: 4);
            source = inputPath;
        }

        if (sample >= x.Shape[0])
        {
            throw new CliException($"{source}: --sample {sample} is out of range; the tensor has N = {x.Shape[0]} samples");
        }

        channels = Math.Min(channels, x.Shape[1]);
        HeatmapTile[] tiles;
        try
        {
            tiles = AttentionWeights(x, sample, channels, lambda);
        }
        catch (ArgumentException exception)
        {
            throw CliException.FromEngine(source, exception);
        }

        var title = string.Create(
            CultureInfo.InvariantCulture,
            $"SimAM weight sigmoid(E)   sample {sample}   {x.Shape[2]}x{x.Shape[3]}   λ={lambda:G4}");
        var image = HeatmapRenderer.Render(tiles, title);
        TensorFiles.Write(outputPath, stream => PngWriter.Write(stream, image));
        context.Out.WriteLine($"heatmap: {source} sample {sample}, {channels} channels -> {outputPath} ({image.Width}x{image.Height})");
        return ExitCodes.Success;
    }
}
