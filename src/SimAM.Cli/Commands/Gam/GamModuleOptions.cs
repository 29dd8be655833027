using System.CommandLine;

namespace SimAM.Cli.Commands.Gam;

/// <summary>
/// The options that say which GAM module runs and how, shared by <c>gam forward</c> and <c>gam backward</c>:
/// <c>--weights</c>, <c>--mode</c>, <c>--channel-gate</c>, <c>--shuffle-groups</c> and <c>--threads</c>.
/// </summary>
internal sealed class GamModuleOptions
{
    private readonly Option<string> _mode = GamOptionParsing.Mode();
    private readonly Option<string> _gate = GamOptionParsing.ChannelGate();
    private readonly Option<int> _shuffle = GamOptionParsing.ShuffleGroups();
    private readonly Option<int?> _threads = CommonOptions.Threads();

    /// <summary>Gets <c>--weights</c>, which a command lists first.</summary>
    public Option<string> Weights { get; } =
        CommonOptions.RequiredPath("--weights", "The module's weights: a .safetensors or .npz file with PyTorch's state_dict names.");

    /// <summary>Adds the options after the files: <c>--mode</c>, <c>--channel-gate</c>, <c>--shuffle-groups</c>, <c>--threads</c>.</summary>
    /// <param name="command">The command.</param>
    public void AddSettings(Command command)
    {
        command.Add(_mode);
        command.Add(_gate);
        command.Add(_shuffle);
        command.Add(_threads);
    }

    /// <summary>Reads the options' values.</summary>
    /// <param name="parse">The parsed command line.</param>
    /// <returns>The weight file, mode and module options.</returns>
    /// <exception cref="CliException">A mode or gate is not one of the values allowed.</exception>
    public GamModuleChoice Parse(ParseResult parse) => new(
        parse.GetRequiredValue(Weights),
        GamOptionParsing.ParseMode(parse.GetRequiredValue(_mode)),
        GamOptionParsing.Options(
            GamOptionParsing.ParseChannelGate(parse.GetRequiredValue(_gate)), parse.GetValue(_shuffle), parse.GetValue(_threads)));
}
