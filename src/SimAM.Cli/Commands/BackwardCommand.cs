using System.CommandLine;
using SimAM.Cli.Npy;

namespace SimAM.Cli.Commands;

/// <summary><c>simam backward</c>: dx = ∂L/∂x from x and g = ∂L/∂y.</summary>
internal static class BackwardCommand
{
    /// <summary>Creates the command.</summary>
    /// <param name="context">Where it writes.</param>
    /// <returns>The command.</returns>
    public static Command Create(CliContext context)
    {
        var input = CommonOptions.RequiredPath("--input", "The forward input x: a .npy file, float32 or float64, shape [N, C, spatial...] (with --layout nhwc: [N, spatial..., C]).");
        var gradOutput = CommonOptions.RequiredPath("--grad-output", "The gradient g = dL/dy: same dtype and shape as x.");
        var output = CommonOptions.RequiredPath("--output", "Where to write dx = dL/dx (same dtype and shape as x). Written only when complete.");
        var lambda = CommonOptions.Lambda();
        var threads = CommonOptions.Threads();
        var layout = CommonOptions.Layout();
        var variant = CommonOptions.Variant();
        var backend = CommonOptions.Backend();
        var device = CommonOptions.Device();
        var command = new Command(
            "backward",
            "Computes the gradient of SimAM: dx = dL/dx given x and g = dL/dy (matches PyTorch autograd on the reference module).\n" +
            "Example: simam backward --input x.npy --grad-output g.npy --output dx.npy")
        {
            input, gradOutput, output, lambda, threads, layout, variant, backend, device,
        };
        command.SetAction(parse => Run(
            context,
            parse.GetRequiredValue(input),
            parse.GetRequiredValue(gradOutput),
            parse.GetRequiredValue(output),
            parse.GetValue(lambda),
            EngineChoice.Parse(parse.GetRequiredValue(backend), parse.GetValue(device), parse.GetRequiredValue(layout), parse.GetRequiredValue(variant), parse.GetValue(threads))));
        return command;
    }

    private static int Run(CliContext context, string inputPath, string gradPath, string outputPath, double lambda, EngineChoice choice)
    {
        TensorFiles.EnsureNotAnInput(outputPath, inputPath, gradPath);
        var x = TensorFiles.ReadTensor(inputPath, layout: choice.Layout);
        choice.EnsureSupports(x.DType, inputPath);
        var g = TensorFiles.ReadMatching(gradPath, x, inputPath, layout: choice.Layout);
        var dx = EngineCalls.Backward(x, g, lambda, choice, inputPath);
        TensorFiles.WriteNpy(outputPath, dx);
        context.Out.WriteLine(
            $"backward: {inputPath} {NpyHeader.FormatShape(x.Shape)} {NpyHeader.Descr(x.DType)} -> {outputPath}");
        return ExitCodes.Success;
    }
}
