using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using SimAM.Benchmarks.Suites;

namespace SimAM.Benchmarks.Gam;

/// <summary>GFLOP/s of a GAM benchmark: the case's FLOPs (channel MLP and both 7×7 convolutions) ÷ the median time.</summary>
public sealed class GigaFlopsColumn : IColumn
{
    public string Id => nameof(GigaFlopsColumn);

    public string ColumnName => "GFLOP/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 1;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Multiply-adds of the channel MLP and both 7x7 convolutions, 2 FLOPs each, per second, from the median time";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var gamCase = benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<GamCase>().FirstOrDefault();
        return summary[benchmarkCase]?.ResultStatistics is { } statistics && gamCase is not null
            ? (gamCase.Flops / statistics.Median).ToString("F1", CultureInfo.InvariantCulture)
            : "NA";
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
