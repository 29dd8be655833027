using System;
using System.Globalization;
using System.Text.Json;

namespace SimAM.Benchmarks.Infrastructure;

/// <summary>The formatting steps the sub-commands (gam-compare, simam-compare, simam-paths) share for their tables and JSON.</summary>
internal static class Reporting
{
    /// <summary>Formats with the invariant culture, so tables and files read the same on every machine.</summary>
    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Formats a ratio with two decimals and <paramref name="suffix"/>, or "n/a" where it is not finite: a baseline too
    /// fast for the clock (a median of 0 on a tensor of a few values) has no ratio.
    /// </summary>
    public static string Ratio(double value, string suffix = "") =>
        double.IsFinite(value) ? value.ToString("F2", CultureInfo.InvariantCulture) + suffix : "n/a";

    /// <summary>Writes <paramref name="value"/>, or null where it is not finite (JSON has no NaN).</summary>
    public static void WriteNumberOrNull(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
