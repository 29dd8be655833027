using System.CommandLine;

namespace SimAM.Cli.Commands.Gam;

/// <summary>
/// The options that say which GAM module runs and how, shared by <c>gam forward</c> and <c>gam backward</c>:
/// <c>--weights</c>, <c>--mode</c>, <c>--channel-gate</c>, <c>--shuffle-groups</c> and <c>--threads</c>.
/// </summary>
internal sealed class GamModuleOptions
{
    private readonly Option<string> _weights =
        CommonOptions.RequiredPath("--weights", "The module's weights: a .safetensors or .npz file with PyTorch's state_dict names.");
    private readonly Option<string> _mode = GamOptionParsing.Mode();
    private readonly Option<string> _gate = GamOptionParsing.ChannelGate();
    private readonly Option<int> _shuffle = GamOptionParsing.ShuffleGroups();
    private readonly Option<int?> _threads = CommonOptions.Threads();

    /// <summary>
    /// Creates a command whose options are, in this order: <c>--weights</c>, <paramref name="files"/>, then
    /// <c>--mode</c>, <c>--channel-gate</c>, <c>--shuffle-groups</c> and <c>--threads</c>.
    /// </summary>
    /// <param name="name">The command's name.</param>
    /// <param name="description">The command's help text.</param>
    /// <param name="files">The command's own options, listed after <c>--weights</c>.</param>
    /// <returns>The command, without an action.</returns>
    public Command CreateCommand(string name, string description, params Option[] files)
    {
        var command = new Command(name, description) { _weights };
        foreach (var file in files)
        {
            command.Add(file);
        }

        command.Add(_mode);
        command.Add(_gate);
        command.Add(_shuffle);
        command.Add(_threads);
        return command;
    }

    /// <summary>Reads the options' values.</summary>
    /// <param name="parse">The parsed command line.</param>
    /// <returns>The weight file, mode and module options.</returns>
    /// <exception cref="CliException">A mode or gate is not one of the values allowed.</exception>
    public GamModuleChoice Parse(ParseResult parse) => new(
        parse.GetRequiredValue(_weights),
        GamOptionParsing.ParseMode(parse.GetRequiredValue(_mode)),
        GamOptionParsing.Options(
            GamOptionParsing.ParseChannelGate(parse.GetRequiredValue(_gate)), parse.GetValue(_shuffle), parse.GetValue(_threads)));
}
