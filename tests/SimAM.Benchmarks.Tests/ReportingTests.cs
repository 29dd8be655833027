using System.IO;
using System.Text;
using System.Text.Json;
using SimAM.Benchmarks.Infrastructure;
using Xunit;

namespace SimAM.Benchmarks.Tests;

/// <summary>
/// The sub-commands' shared formatting: a baseline too fast for the clock (a median of 0 on a tensor of a few values) makes
/// a ratio infinite or NaN, which the tables print as "n/a" and the JSON writes as null, instead of "Infinityx" in a table
/// and an exception from the JSON writer after the whole run.
/// </summary>
public class ReportingTests
{
    [Theory]
    [InlineData(1.5, "x", "1.50x")]
    [InlineData(0.0, "", "0.00")]
    [InlineData(double.PositiveInfinity, "x", "n/a")]
    [InlineData(double.NaN, "", "n/a")]
    public void Ratios_print_with_two_decimals_or_as_not_available(double value, string suffix, string expected) =>
        Assert.Equal(expected, Reporting.Ratio(value, suffix));

    [Fact]
    public void Non_finite_numbers_are_written_as_null()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            Reporting.WriteNumberOrNull(json, "finite", 2.5);
            Reporting.WriteNumberOrNull(json, "infinite", double.PositiveInfinity);
            Reporting.WriteNumberOrNull(json, "nan", double.NaN);
            json.WriteEndObject();
        }

        Assert.Equal("""{"finite":2.5,"infinite":null,"nan":null}""", Encoding.UTF8.GetString(stream.ToArray()));
    }
}
