using System.CommandLine;
using SimAM.Cli.Npy;

namespace SimAM.Cli.Commands;

/// <summary><c>simam forward</c>: y = SimAM(x) from one .npy file to another.</summary>
internal static class ForwardCommand
{
    /// <summary>Creates the command.</summary>
    /// <param name="context">Where it writes.</param>
    /// <returns>The command.</returns>
    public static Command Create(CliContext context)
    {
        var input = CommonOptions.RequiredPath("--input", "The input tensor x: a .npy file, float32 or float64, shape [N, C, spatial...] (with --layout nhwc: [N, spatial..., C]).");
        var output = CommonOptions.RequiredPath("--output", "Where to write y (same dtype and shape as x). Written only when complete.");
        var lambda = CommonOptions.Lambda();
        var threads = CommonOptions.Threads();
        var layout = CommonOptions.Layout();
        var variant = CommonOptions.Variant();
        var backend = CommonOptions.Backend();
        var device = CommonOptions.Device();
        var command = new Command(
            "forward",
            "Applies SimAM attention, y = x * sigmoid((x - mean)^2 / (4 (var + lambda)) + 1/2) per (n, c) plane.\n" +
            "Example: simam forward --input x.npy --output y.npy --lambda 1e-4")
        {
            input, output, lambda, threads, layout, variant, backend, device,
        };
        command.SetAction(parse => Run(
            context,
            parse.GetRequiredValue(input),
            parse.GetRequiredValue(output),
            parse.GetValue(lambda),
            EngineChoice.Parse(parse.GetRequiredValue(backend), parse.GetValue(device), parse.GetRequiredValue(layout), parse.GetRequiredValue(variant), parse.GetValue(threads))));
        return command;
    }

    private static int Run(CliContext context, string inputPath, string outputPath, double lambda, EngineChoice choice)
    {
        TensorFiles.EnsureNotAnInput(outputPath, inputPath);
        var x = TensorFiles.ReadTensor(inputPath, layout: choice.Layout);
        choice.EnsureSupports(x.DType, inputPath);
        var y = EngineCalls.Forward(x, lambda, choice, inputPath);
        TensorFiles.WriteNpy(outputPath, y);
        context.Out.WriteLine(
            $"forward: {inputPath} {NpyHeader.FormatShape(x.Shape)} {NpyHeader.Descr(x.DType)} -> {outputPath}");
        return ExitCodes.Success;
    }
}
