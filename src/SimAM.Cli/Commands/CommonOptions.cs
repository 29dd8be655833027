using System.CommandLine;
using System.Globalization;

namespace SimAM.Cli.Commands;

/// <summary>The options several commands share, created fresh for each command.</summary>
internal static class CommonOptions
{
    /// <summary>Creates a required path option.</summary>
    /// <param name="name">The option name, e.g. <c>--input</c>.</param>
    /// <param name="description">The help text.</param>
    /// <returns>The option.</returns>
    public static Option<string> RequiredPath(string name, string description) =>
        new(name) { Description = description, Required = true, HelpName = "file" };

    /// <summary>Creates <c>--lambda</c>: the regulariser λ, default 1e-4 as in the reference module.</summary>
    /// <returns>The option.</returns>
    public static Option<double> Lambda() => new("--lambda")
    {
        Description = "The regulariser lambda > 0 (the reference module uses 1e-4, the paper's ImageNet models 0.1).",
        DefaultValueFactory = _ => 1e-4,
        HelpName = "value",
    };

    /// <summary>Creates <c>--threads</c>: the most threads the engine may use, default all cores.</summary>
    /// <returns>The option.</returns>
    public static Option<int?> Threads()
    {
        var option = new Option<int?>("--threads")
        {
            Description = "The most threads the engine may use (default: all cores). Results are identical for any value.",
            HelpName = "N",
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is { } value && value < 1)
            {
                result.AddError($"--threads must be 1 or more; got {value.ToString(CultureInfo.InvariantCulture)}.");
            }
        });
        return option;
    }

    /// <summary>Turns a <c>--threads</c> value into engine options.</summary>
    /// <param name="threads">The option's value, or <see langword="null"/> for all cores.</param>
    /// <returns>The options.</returns>
    public static SimAmOptions EngineOptions(int? threads) => new() { MaxDegreeOfParallelism = threads ?? -1 };
}
