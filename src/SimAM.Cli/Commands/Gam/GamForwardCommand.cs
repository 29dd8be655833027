using System.CommandLine;
using SimAM.Cli.Npy;

namespace SimAM.Cli.Commands.Gam;

/// <summary><c>simam gam forward</c>: y = GAM(x) with PyTorch weights, from one .npy file to another.</summary>
internal static class GamForwardCommand
{
    /// <summary>Creates the command.</summary>
    /// <param name="context">Where it writes.</param>
    /// <returns>The command.</returns>
    public static Command Create(CliContext context)
    {
        var module = new GamModuleOptions();
        var input = CommonOptions.RequiredPath("--input", "The input tensor x: a .npy file, float32 or float64, shape [N, C, H, W].");
        var output = CommonOptions.RequiredPath("--output", "Where to write y (same dtype and shape as x). Written only when complete.");
        var command = module.CreateCommand(
            "forward",
            "Applies GAM: y = x1 * sigmoid(BN(conv7x7(ReLU(BN(conv7x7(x1)))))) with x1 = x * MLP(x) over each pixel's channels.\n" +
            "Example: simam gam forward --weights gam.safetensors --input x.npy --output y.npy",
            input,
            output);
        command.SetAction(parse => Run(context, module.Parse(parse), parse.GetRequiredValue(input), parse.GetRequiredValue(output)));
        return command;
    }

    private static int Run(CliContext context, GamModuleChoice choice, string inputPath, string outputPath)
    {
        TensorFiles.EnsureNotAnInput(outputPath, inputPath, choice.WeightsPath);
        var weights = choice.LoadWeights();
        var x = TensorFiles.ReadTensor(inputPath, rank: 4);
        var y = NpyArray.Allocate(x.Header);
        choice.Run(weights, inputPath, module =>
        {
            if (x.DType == NpyDType.Float32)
            {
                module.Forward(x.Float32, y.Float32, x.Shape, choice.Mode);
            }
            else
            {
                module.Forward(x.Float64, y.Float64, x.Shape, choice.Mode);
            }
        });

        TensorFiles.WriteNpy(outputPath, y);
        context.Out.WriteLine(
            $"gam forward ({choice.ModeName}): {inputPath} {NpyHeader.FormatShape(x.Shape)} {NpyHeader.Descr(x.DType)} -> {outputPath}");
        return ExitCodes.Success;
    }
}
