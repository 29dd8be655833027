using System.CommandLine;
using SimAM.Cli.Npy;

namespace SimAM.Cli.Commands;

/// <summary>
/// <c>simam forward</c> (y = SimAM(x) from one .npy file to another) and <c>simam backward</c> (dx = ∂L/∂x from x and
/// g = ∂L/∂y): the same options and steps, the backward pass with one more input.
/// </summary>
internal static class PassCommands
{
    /// <summary>Creates <c>simam forward</c>.</summary>
    /// <param name="context">Where it writes.</param>
    /// <returns>The command.</returns>
    public static Command Forward(CliContext context) => Create(
        context,
        "forward",
        "Applies SimAM attention, y = x * sigmoid((x - mean)^2 / (4 (var + lambda)) + 1/2) per (n, c) plane.\n" +
        "Example: simam forward --input x.npy --output y.npy --lambda 1e-4",
        "The input tensor x",
        gradHelp: null,
        "Where to write y (same dtype and shape as x). Written only when complete.");

    /// <summary>Creates <c>simam backward</c>.</summary>
    /// <param name="context">Where it writes.</param>
    /// <returns>The command.</returns>
    public static Command Backward(CliContext context) => Create(
        context,
        "backward",
        "Computes the gradient of SimAM: dx = dL/dx given x and g = dL/dy (matches PyTorch autograd on the reference module).\n" +
        "Example: simam backward --input x.npy --grad-output g.npy --output dx.npy",
        "The forward input x",
        "The gradient g = dL/dy: same dtype and shape as x.",
        "Where to write dx = dL/dx (same dtype and shape as x). Written only when complete.");

    private static Command Create(CliContext context, string name, string description, string inputName, string? gradHelp, string outputHelp)
    {
        var input = CommonOptions.RequiredPath("--input", inputName + ": a .npy file, float32 or float64, shape [N, C, spatial...] (with --layout nhwc: [N, spatial..., C]).");
        var gradOutput = gradHelp is null ? null : CommonOptions.RequiredPath("--grad-output", gradHelp);
        var output = CommonOptions.RequiredPath("--output", outputHelp);
        var lambda = CommonOptions.Lambda();
        var threads = CommonOptions.Threads();
        var layout = CommonOptions.Layout();
        var variant = CommonOptions.Variant();
        var backend = CommonOptions.Backend();
        var device = CommonOptions.Device();
        var command = new Command(name, description) { input };
        if (gradOutput is not null)
        {
            command.Add(gradOutput);
        }

        foreach (var option in new Option[] { output, lambda, threads, layout, variant, backend, device })
        {
            command.Add(option);
        }

        command.SetAction(parse => Run(
            context,
            name,
            parse.GetRequiredValue(input),
            gradOutput is null ? null : parse.GetRequiredValue(gradOutput),
            parse.GetRequiredValue(output),
            parse.GetValue(lambda),
            EngineChoice.Parse(parse.GetRequiredValue(backend), parse.GetValue(device), parse.GetRequiredValue(layout), parse.GetRequiredValue(variant), parse.GetValue(threads))));
        return command;
    }

    private static int Run(CliContext context, string name, string inputPath, string? gradPath, string outputPath, double lambda, EngineChoice choice)
    {
        if (gradPath is null)
        {
            TensorFiles.EnsureNotAnInput(outputPath, inputPath);
        }
        else
        {
            TensorFiles.EnsureNotAnInput(outputPath, inputPath, gradPath);
        }

        var x = TensorFiles.ReadTensor(inputPath, layout: choice.Layout);
        choice.EnsureSupports(x.DType, inputPath);
        var result = gradPath is null
            ? EngineCalls.Forward(x, lambda, choice, inputPath)
            : EngineCalls.Backward(x, TensorFiles.ReadMatching(gradPath, x, inputPath, layout: choice.Layout), lambda, choice, inputPath);
        TensorFiles.WriteNpy(outputPath, result);
        context.Out.WriteLine(
            $"{name}: {inputPath} {NpyHeader.FormatShape(x.Shape)} {NpyHeader.Descr(x.DType)} -> {outputPath}");
        return ExitCodes.Success;
    }
}
