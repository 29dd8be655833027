using System;
using System.Globalization;

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
