using System;
using SimAM.Gam;

namespace SimAM.Cli.Commands.Gam;

/// <summary>The GAM module a command runs: its weight file, mode and options, and how its failures become one-line errors.</summary>
/// <param name="WeightsPath">The .safetensors or .npz file.</param>
/// <param name="Mode">eval or train.</param>
/// <param name="Options">The channel gate, shuffle groups and threads.</param>
internal sealed record GamModuleChoice(string WeightsPath, GamMode Mode, GamOptions Options)
{
    /// <summary>Gets the mode as the command line spells it.</summary>
    public string ModeName => GamOptionParsing.Name(Mode);

    /// <summary>Loads the weights, or fails with one line naming the file and the tensor.</summary>
    /// <returns>The weights.</returns>
    /// <exception cref="CliException">The file cannot be read or is not a valid GAM weight file.</exception>
    public GamWeights LoadWeights() => GamOptionParsing.LoadWeights(WeightsPath);

    /// <summary>
    /// Builds the module on <paramref name="weights"/> and runs <paramref name="call"/> with it; an argument the module
    /// refuses (a shape that does not fit the weights, shuffle groups that do not divide the channels) becomes one line
    /// naming the input and the weights.
    /// </summary>
    /// <param name="weights">The weights from <see cref="LoadWeights"/>.</param>
    /// <param name="inputPath">The file the input tensor came from.</param>
    /// <param name="call">The passes to run.</param>
    /// <exception cref="CliException">The module refuses an argument.</exception>
    public void Run(GamWeights weights, string inputPath, Action<GamModule> call)
    {
        try
        {
            call(new GamModule(weights, Options));
        }
        catch (ArgumentException exception)
        {
            throw new CliException($"{inputPath} with {WeightsPath}: {CliException.FromEngine(inputPath, exception).Message}", exception);
        }
    }
}
