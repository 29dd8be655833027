using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using SimAM.Cli.Npy;
using SimAM.Gam;
using SimAM.Gam.IO;

namespace SimAM.Cli.Commands.Gam;

/// <summary>
/// <c>simam gam backward</c>: dx = ∂L/∂x, and optionally ∂L/∂θ for every learnable parameter, from x and g = ∂L/∂y
/// (the forward pass with activations, then the backward pass).
/// </summary>
internal static class GamBackwardCommand
{
    /// <summary>Creates the command.</summary>
    /// <param name="context">Where it writes.</param>
    /// <returns>The command.</returns>
    public static Command Create(CliContext context)
    {
        var module = new GamModuleOptions();
        var input = CommonOptions.RequiredPath("--input", "The forward input x: a .npy file, float32 or float64, shape [N, C, H, W].");
        var gradOutput = CommonOptions.RequiredPath("--grad-output", "The gradient g = dL/dy: same dtype and shape as x.");
        var output = CommonOptions.RequiredPath("--output", "Where to write dx = dL/dx (same dtype and shape as x). Written only when complete.");
        var paramGrads = CommonOptions.OptionalPath(
            "--param-grads",
            "Also write dL/dw for every learnable parameter under its PyTorch state_dict name (.safetensors; F32 for float32 x, " +
                "F64 for float64). Written together with --output: both files or neither.");
        var command = module.CreateCommand(
            "backward",
            "Computes the gradients of GAM for g = dL/dy: the forward pass in --mode keeping its activations, then the backward pass " +
            "(train: through the batch statistics, as after PyTorch's module.train(); eval: through BatchNorm with the running statistics). " +
            "The weight file is only read: running statistics that train mode updates are not saved.\n" +
            "Example: simam gam backward --weights gam.safetensors --input x.npy --grad-output g.npy --output dx.npy --param-grads grads.safetensors --mode train",
            input,
            gradOutput,
            output,
            paramGrads);
        command.SetAction(parse => Run(
            context,
            module.Parse(parse),
            parse.GetRequiredValue(input),
            parse.GetRequiredValue(gradOutput),
            parse.GetRequiredValue(output),
            parse.GetValue(paramGrads)));
        return command;
    }

    private static int Run(CliContext context, GamModuleChoice choice, string inputPath, string gradPath, string outputPath, string? paramGradsPath)
    {
        TensorFiles.EnsureNotAnInput(outputPath, inputPath, gradPath, choice.WeightsPath);
        if (paramGradsPath is not null)
        {
            TensorFiles.EnsureOutputNotAnInput("--param-grads", paramGradsPath, [inputPath, gradPath, choice.WeightsPath]);
            if (AtomicFile.SameFile(paramGradsPath, outputPath))
            {
                throw new CliException($"{paramGradsPath}: --param-grads and --output name the same file");
            }
        }

        var weights = choice.LoadWeights();
        var x = TensorFiles.ReadTensor(inputPath, rank: 4);
        var g = TensorFiles.ReadMatching(gradPath, x, inputPath, rank: 4);
        var dx = NpyArray.Allocate(x.Header);
        var gradients = new GamGradients(weights);
        var activations = new GamActivations();
        choice.Run(weights, inputPath, module =>
        {
            // The backward pass needs only x and the activations, not y: dx holds y until the backward pass overwrites it.
            if (x.DType == NpyDType.Float32)
            {
                module.Forward(x.Float32, dx.Float32, x.Shape, choice.Mode, activations);
                module.Backward(x.Float32, g.Float32, dx.Float32, x.Shape, choice.Mode, activations, gradients);
            }
            else
            {
                module.Forward(x.Float64, dx.Float64, x.Shape, choice.Mode, activations);
                module.Backward(x.Float64, g.Float64, dx.Float64, x.Shape, choice.Mode, activations, gradients);
            }
        });

        var type = x.DType == NpyDType.Float32 ? GamTensorType.F32 : GamTensorType.F64;
        (string, Action<Stream>)[] files = paramGradsPath is null
            ? [(outputPath, stream => NpyWriter.Write(stream, dx))]
            : [(outputPath, stream => NpyWriter.Write(stream, dx)), (paramGradsPath, stream => SaveGradients(stream, gradients, type, paramGradsPath))];
        TensorFiles.WriteAll(files);

        var grads = paramGradsPath is null
            ? string.Empty
            : string.Create(CultureInfo.InvariantCulture, $", {paramGradsPath} ({gradients.Parameters.Count} parameter gradients, {type})");
        context.Out.WriteLine(
            $"gam backward ({choice.ModeName}): {inputPath} {NpyHeader.FormatShape(x.Shape)} {NpyHeader.Descr(x.DType)}, {gradPath} -> {outputPath}{grads}");
        return ExitCodes.Success;
    }

    /// <summary>Writes the parameter gradients; a value a safetensors file cannot hold (NaN, infinity) is a one-line error before any byte is written.</summary>
    private static void SaveGradients(Stream stream, GamGradients gradients, GamTensorType type, string path)
    {
        try
        {
            gradients.SaveSafeTensors(stream, type);
        }
        catch (InvalidOperationException exception)
        {
            throw new CliException($"{path}: {exception.Message} Neither output was written.", exception);
        }
    }
}
