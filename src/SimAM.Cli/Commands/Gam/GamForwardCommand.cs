using System;
using System.CommandLine;
using SimAM.Cli.Npy;
using SimAM.Gam;

namespace SimAM.Cli.Commands.Gam;

/// <summary><c>simam gam forward</c>: y = GAM(x) with PyTorch weights, from one .npy file to another.</summary>
internal static class GamForwardCommand
{
    /// <summary>Creates the command.</summary>
    /// <param name="context">Where it writes.</param>
    /// <returns>The command.</returns>
    public static Command Create(CliContext context)
    {
        var weights = CommonOptions.RequiredPath("--weights", "The module's weights: a .safetensors or .npz file with PyTorch's state_dict names.");
        var input = CommonOptions.RequiredPath("--input", "The input tensor x: a .npy file, float32 or float64, shape [N, C, H, W].");
        var output = CommonOptions.RequiredPath("--output", "Where to write y (same dtype and shape as x). Written only when complete.");
        var mode = GamOptionParsing.Mode();
        var gate = GamOptionParsing.ChannelGate();
        var shuffle = GamOptionParsing.ShuffleGroups();
        var threads = CommonOptions.Threads();
        var command = new Command(
            "forward",
            "Applies GAM: y = x1 * sigmoid(BN(conv7x7(ReLU(BN(conv7x7(x1)))))) with x1 = x * MLP(x) over each pixel's channels.\n" +
            "Example: simam gam forward --weights gam.safetensors --input x.npy --output y.npy")
        {
            weights, input, output, mode, gate, shuffle, threads,
        };
        command.SetAction(parse => Run(
            context,
            parse.GetRequiredValue(weights),
            parse.GetRequiredValue(input),
            parse.GetRequiredValue(output),
            GamOptionParsing.ParseMode(parse.GetRequiredValue(mode)),
            GamOptionParsing.Options(
                GamOptionParsing.ParseChannelGate(parse.GetRequiredValue(gate)), parse.GetValue(shuffle), parse.GetValue(threads))));
        return command;
    }

    private static int Run(CliContext context, string weightsPath, string inputPath, string outputPath, GamMode mode, GamOptions options)
    {
        TensorFiles.EnsureNotAnInput(outputPath, inputPath, weightsPath);
        var weights = GamOptionParsing.LoadWeights(weightsPath);
        var x = TensorFiles.ReadTensor(inputPath, rank: 4);
        var y = NpyArray.Allocate(x.Header);
        try
        {
            var module = new GamModule(weights, options);
            if (x.DType == NpyDType.Float32)
            {
                module.Forward(x.Float32, y.Float32, x.Shape, mode);
            }
            else
            {
                module.Forward(x.Float64, y.Float64, x.Shape, mode);
            }
        }
        catch (ArgumentException exception)
        {
            throw new CliException($"{inputPath} with {weightsPath}: {CliException.FromEngine(inputPath, exception).Message}", exception);
        }

        TensorFiles.WriteNpy(outputPath, y);
        context.Out.WriteLine(
            $"gam forward ({mode.ToString().ToLowerInvariant()}): {inputPath} {NpyHeader.FormatShape(x.Shape)} {NpyHeader.Descr(x.DType)} -> {outputPath}");
        return ExitCodes.Success;
    }
}
