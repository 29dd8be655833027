using System.CommandLine;

namespace SimAM.Cli.Commands.Gam;

/// <summary><c>simam gam</c>: the GAM module's commands (forward, backward, init, bench).</summary>
internal static class GamCommand
{
    /// <summary>Creates the command and its subcommands.</summary>
    /// <param name="context">Where they write.</param>
    /// <returns>The command.</returns>
    public static Command Create(CliContext context) => new(
        "gam",
        "GAM, the Global Attention Mechanism (Liu, Shao, Hoffmann, 2021): a channel MLP and two 7x7 convolutions with " +
        "BatchNorm, with weights from PyTorch (.safetensors or .npz).\n" +
        "Example: simam gam init --channels 64 --output gam.safetensors && simam gam forward --weights gam.safetensors --input x.npy --output y.npy")
    {
        GamForwardCommand.Create(context),
        GamBackwardCommand.Create(context),
        GamInitCommand.Create(context),
        GamBenchCommand.Create(context),
    };
}
