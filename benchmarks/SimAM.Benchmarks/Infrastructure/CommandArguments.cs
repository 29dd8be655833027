using System;
using System.Globalization;
using System.IO;
using SimAM.Cli.Commands;

namespace SimAM.Benchmarks.Infrastructure;

/// <summary>The argument steps the sub-commands (gam-compare, simam-compare, simam-paths) share; errors are <see cref="ArgumentException"/>s their usage text follows.</summary>
internal static class CommandArguments
{
    /// <summary>A shape given as comma-separated integers (brackets allowed), e.g. 8,256,56,56.</summary>
    public static int[] ParseShape(string text)
    {
        var parts = text.Trim('[', ']').Split(',', StringSplitOptions.TrimEntries);
        var shape = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]))
            {
                throw new ArgumentException($"--shape {text}: expected comma-separated positive integers, as 8,256,56,56");
            }
        }

        return shape;
    }

    /// <summary>
    /// The start every sub-command shares: parses <paramref name="args"/>, prints the usage for --help, and refuses a bad
    /// argument (with the usage) or a --json file in a folder that does not exist, before anything is measured.
    /// </summary>
    /// <returns>The exit code to end with (0 after --help, 2 for bad arguments), or null to go on with <paramref name="parsed"/>.</returns>
    public static int? Start<TArguments>(string command, string usage, string[] args, TextWriter output, out TArguments parsed)
        where TArguments : class, ICommandArguments<TArguments>
    {
        parsed = null!;
        try
        {
            parsed = TArguments.Parse(args);
        }
        catch (ArgumentException exception)
        {
            Console.Error.WriteLine($"{command}: {exception.Message}");
            Console.Error.WriteLine(usage);
            return 2;
        }

        if (parsed.Help)
        {
            output.WriteLine(usage);
            return 0;
        }

        try
        {
            TensorFiles.EnsureDirectoryExists(parsed.Json);
        }
        catch (CliException exception)
        {
            Console.Error.WriteLine($"{command}: --json {exception.Message}");
            return 2;
        }

        return null;
    }

    /// <summary>The value after option <paramref name="i"/>, moving <paramref name="i"/> onto it.</summary>
    public static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length)
        {
            throw new ArgumentException($"{args[i]} needs a value");
        }

        return args[++i];
    }
}

/// <summary>What <see cref="CommandArguments.Start{TArguments}"/> needs of a sub-command's parsed arguments.</summary>
/// <typeparam name="TSelf">The arguments type.</typeparam>
internal interface ICommandArguments<TSelf>
    where TSelf : ICommandArguments<TSelf>
{
    /// <summary>Gets a value indicating whether --help was given.</summary>
    bool Help { get; }

    /// <summary>Gets the --json file, or null.</summary>
    string? Json { get; }

    /// <summary>Parses the arguments after the command's name.</summary>
    /// <exception cref="ArgumentException">An argument is unknown, lacks its value or has a malformed one.</exception>
    static abstract TSelf Parse(string[] args);
}
