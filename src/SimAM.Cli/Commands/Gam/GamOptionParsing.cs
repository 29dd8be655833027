using System;
using System.CommandLine;
using System.Globalization;
using SimAM.Gam;

namespace SimAM.Cli.Commands.Gam;

/// <summary>The options the GAM commands share, and how their values become <see cref="GamOptions"/> and <see cref="GamMode"/>.</summary>
internal static class GamOptionParsing
{
    /// <summary>Creates <c>--mode eval|train</c>.</summary>
    /// <returns>The option.</returns>
    public static Option<string> Mode() => new("--mode")
    {
        Description = "eval: BatchNorm with the running statistics (folded into the convolutions); train: with the batch's statistics, as PyTorch's module.train().",
        DefaultValueFactory = _ => "eval",
        HelpName = "eval|train",
    };

    /// <summary>Creates <c>--channel-gate identity|sigmoid</c>.</summary>
    /// <returns>The option.</returns>
    public static Option<string> ChannelGate() => new("--channel-gate")
    {
        Description = "What the channel MLP's output passes through: identity (the widely copied module, default) or sigmoid (the paper).",
        DefaultValueFactory = _ => "identity",
        HelpName = "identity|sigmoid",
    };

    /// <summary>Creates <c>--shuffle-groups N</c>.</summary>
    /// <returns>The option.</returns>
    public static Option<int> ShuffleGroups()
    {
        var option = new Option<int>("--shuffle-groups")
        {
            Description = "Channel shuffle of the spatial map with N groups before the final product (0 = none, the default; the grouped variant uses 4).",
            DefaultValueFactory = _ => 0,
            HelpName = "N",
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is var value && value < 0)
            {
                result.AddError($"--shuffle-groups must be 0 or more; got {value.ToString(CultureInfo.InvariantCulture)}.");
            }
        });
        return option;
    }

    /// <summary>Parses a <c>--mode</c> value.</summary>
    /// <param name="text">The value.</param>
    /// <returns>The mode.</returns>
    /// <exception cref="CliException">The value is not eval or train.</exception>
    public static GamMode ParseMode(string text) => text.ToUpperInvariant() switch
    {
        "EVAL" => GamMode.Eval,
        "TRAIN" => GamMode.Train,
        _ => throw new CliException($"--mode must be eval or train; got '{text}'"),
    };

    /// <summary>Spells a mode as <c>--mode</c> takes it.</summary>
    /// <param name="mode">The mode.</param>
    /// <returns><c>eval</c> or <c>train</c>.</returns>
    public static string Name(GamMode mode) => mode == GamMode.Eval ? "eval" : "train";

    /// <summary>Parses a <c>--channel-gate</c> value.</summary>
    /// <param name="text">The value.</param>
    /// <returns>The gate.</returns>
    /// <exception cref="CliException">The value is not identity or sigmoid.</exception>
    public static GamChannelGate ParseChannelGate(string text) => text.ToUpperInvariant() switch
    {
        "IDENTITY" => GamChannelGate.Identity,
        "SIGMOID" => GamChannelGate.Sigmoid,
        _ => throw new CliException($"--channel-gate must be identity or sigmoid; got '{text}'"),
    };

    /// <summary>Builds the module options from the parsed values.</summary>
    /// <param name="gate">The channel gate.</param>
    /// <param name="shuffleGroups">The shuffle groups.</param>
    /// <param name="threads">The thread limit, or <see langword="null"/> for all cores.</param>
    /// <returns>The options.</returns>
    public static GamOptions Options(GamChannelGate gate, int shuffleGroups, int? threads) => new()
    {
        ChannelGate = gate,
        ShuffleGroups = shuffleGroups,
        MaxDegreeOfParallelism = threads ?? -1,
    };

    /// <summary>Loads a weight file, or fails with one line naming the file and the tensor.</summary>
    /// <param name="path">The .safetensors or .npz file.</param>
    /// <returns>The weights.</returns>
    /// <exception cref="CliException">The file cannot be read or is not a valid GAM weight file.</exception>
    public static GamWeights LoadWeights(string path)
    {
        try
        {
            return GamWeights.Load(path);
        }
        catch (GamWeightsFormatException exception)
        {
            throw new CliException(exception.Message, exception);
        }
        catch (Exception exception) when (CliException.ForFile(path, exception) is { } error)
        {
            throw error;
        }
    }
}
