using System;
using System.CommandLine;
using System.Globalization;
using SimAM.Gam;

namespace SimAM.Cli.Commands.Gam;

/// <summary><c>simam gam init</c>: fresh weights with PyTorch's default initialisation, saved as .safetensors.</summary>
internal static class GamInitCommand
{
    /// <summary>Creates the command.</summary>
    /// <param name="context">Where it writes.</param>
    /// <returns>The command.</returns>
    public static Command Create(CliContext context)
    {
        var channels = new Option<int>("--channels") { Description = "C, the input channels.", Required = true, HelpName = "C" };
        var rate = new Option<int>("--rate") { Description = "The reduction rate: the hidden width is m = floor(C / rate) (default 4).", DefaultValueFactory = _ => 4, HelpName = "r" };
        var groups = new Option<int>("--groups") { Description = "Groups of both 7x7 convolutions (default 1; the grouped variant uses the rate).", DefaultValueFactory = _ => 1, HelpName = "g" };
        var seed = new Option<int>("--seed") { Description = "Seed of the random initialisation (default 0): the same seed gives the same file.", DefaultValueFactory = _ => 0, HelpName = "S" };
        var output = CommonOptions.RequiredPath("--output", "Where to write the weights (.safetensors, float32). Written only when complete.");
        var command = new Command(
            "init",
            "Creates GAM weights with PyTorch's default initialisation (uniform +-1/sqrt(fan_in) for the linear and convolution layers, identity BatchNorms).\n" +
            "Example: simam gam init --channels 64 --rate 4 --seed 1 --output gam.safetensors")
        {
            channels, rate, groups, seed, output,
        };
        command.SetAction(parse => Run(
            context, parse.GetRequiredValue(channels), parse.GetValue(rate), parse.GetValue(groups), parse.GetValue(seed), parse.GetRequiredValue(output)));
        return command;
    }

    private static int Run(CliContext context, int channels, int rate, int groups, int seed, string outputPath)
    {
        GamWeights weights;
        try
        {
            weights = GamWeights.CreateDefault(channels, rate, groups, seed: seed);
        }
        catch (ArgumentException exception)
        {
            throw new CliException($"cannot create GAM weights with --channels {channels} --rate {rate} --groups {groups}: {exception.Message.Split(" (Parameter")[0]}", exception);
        }

        TensorFiles.Write(outputPath, stream => weights.SaveSafeTensors(stream));
        context.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"gam init: C = {weights.Channels}, m = {weights.Hidden}, out = {weights.OutChannels}, groups = {weights.Groups}, seed {seed} -> {outputPath}"));
        return ExitCodes.Success;
    }
}
