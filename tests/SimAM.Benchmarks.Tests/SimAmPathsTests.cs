using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using SimAM.Benchmarks.Paths;
using Xunit;

namespace SimAM.Benchmarks.Tests;

/// <summary>
/// <c>simam-paths</c>: its arguments are checked before anything is measured (--help and --json with the other
/// sub-commands, <see cref="CommandStartTests"/>), and a run on two tiny shapes (quick timing, no warm-up: well under a
/// second) checks every path, prints one table row per shape and writes every median and ratio.
/// </summary>
public class SimAmPathsTests
{
    [Theory]
    [InlineData("--shape", "8,256")]
    [InlineData("--shape", "1,2,1")]
    [InlineData("--shape", "1,2,3,4,5,6")]
    [InlineData("--shape", "1,0,4")]
    [InlineData("--shape", "1,x,4")]
    [InlineData("--shape", "1024,1024,1024")]
    [InlineData("--warmup", "-1")]
    [InlineData("--json")]
    [InlineData("--no-such-option")]
    public void Bad_arguments_exit_with_2_before_measuring(params string[] args)
    {
        var output = new StringWriter();
        Assert.Equal(2, SimAmPaths.Run(args, output));
        Assert.Empty(output.ToString());
    }

    [Fact]
    public void A_quick_run_prints_a_row_per_shape_and_writes_every_median_and_ratio()
    {
        var path = Path.Combine(Path.GetTempPath(), $"simam-paths-{Guid.NewGuid():N}.json");
        try
        {
            var output = new StringWriter();
            Assert.Equal(0, SimAmPaths.Run(["--quick", "--warmup", "0", "--shape", "2,3,4,5", "--shape", "1,2,7", "--json", path], output));

            var rows = output.ToString().Split('\n').Where(l => l.StartsWith("| [", StringComparison.Ordinal)).ToArray();
            Assert.Equal(2, rows.Length);
            Assert.StartsWith("| [2,3,4,5] |", rows[0], StringComparison.Ordinal);
            Assert.All(rows, r => Assert.Equal(14, r.Count(ch => ch == '|')));

            using var json = JsonDocument.Parse(File.ReadAllText(path));
            var results = json.RootElement.GetProperty("results").EnumerateArray().ToArray();
            Assert.Equal(2, results.Length);
            foreach (var result in results)
            {
                Assert.Equal(17, result.GetProperty("medians_ms").EnumerateObject().Count());
                Assert.All(result.GetProperty("medians_ms").EnumerateObject(), m => Assert.True(m.Value.GetDouble() > 0, m.Name));
                Assert.Equal(9, result.GetProperty("ratios").EnumerateObject().Count());
                Assert.Equal(7, result.GetProperty("check_errors").EnumerateObject().Count());
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
