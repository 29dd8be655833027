using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Reflection;

namespace SimAM.Cli.Commands;

/// <summary>The command tree of <c>simam</c> and how one command line is parsed and run.</summary>
internal static class SimamCommandLine
{
    /// <summary>Gets the tool's version: the informational version of this assembly, without build metadata.</summary>
    public static string Version { get; } =
        (typeof(SimamCommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0")
        .Split('+')[0];

    /// <summary>Builds the root command with every subcommand.</summary>
    /// <param name="context">Where the commands write.</param>
    /// <returns>The root command.</returns>
    /// <remarks>
    /// The root is a <see cref="Command"/> named <c>simam</c> with the two options <see cref="RootCommand"/> adds,
    /// because a <see cref="RootCommand"/> takes its name from the process (<c>SimAM.Cli</c>, or the test host
    /// in-process), and the usage line in the help should read <c>simam</c> however the tool is started.
    /// </remarks>
    public static Command Create(CliContext context) => new(
        "simam",
        "simam: SimAM attention (Yang et al., ICML 2021) on .npy tensors with the SimAM.Cpu SIMD engine.\n" +
        "Example: simam bench --quick")
    {
        PassCommands.Forward(context),
        PassCommands.Backward(context),
        BenchCommand.Create(context),
        HeatmapCommand.Create(context),
        SelfTestCommand.Create(context),
        Gam.GamCommand.Create(context),
        new HelpOption(),

        // The stock action prints the entry assembly's version, which is the test host when the tool runs
        // in-process; print this assembly's.
        new VersionOption { Action = new PrintVersionAction(context) },
    };

    /// <summary>Parses and runs one command line.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="context">Where to write.</param>
    /// <returns>The exit code.</returns>
    public static int Invoke(string[] args, CliContext context)
    {
        var result = Create(context).Parse(args);
        if (result.Action is ParseErrorAction)
        {
            // One line per problem and a pointer to the help, instead of the whole help text.
            foreach (var error in result.Errors)
            {
                context.Error.WriteLine($"error: {error.Message}");
            }

            var command = result.CommandResult.Parent is null ? "simam" : $"simam {result.CommandResult.Command.Name}";
            context.Error.WriteLine($"Run '{command} --help' for usage.");
            return ExitCodes.BadInput;
        }

        // The default exception handler is off so that every command's exceptions reach the one error policy.
        return context.Execute(() => result.Invoke(new InvocationConfiguration
        {
            Output = context.Out,
            Error = context.Error,
            EnableDefaultExceptionHandler = false,
        }));
    }

    private sealed class PrintVersionAction(CliContext context) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            context.Out.WriteLine(Version);
            return ExitCodes.Success;
        }
    }
}
