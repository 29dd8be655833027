using System.Linq;
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace SimAM.Benchmarks.Infrastructure;

/// <summary>
/// GB/s = bytes moved ÷ median time, where bytes moved = streams × elements × element size, from the method's
/// <see cref="BytesMovedAttribute"/>, else the class's, else 2 streams of floats.
/// </summary>
public sealed class ThroughputColumn : IColumn
{
    public string Id => nameof(ThroughputColumn);

    public string ColumnName => "GB/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Bytes moved (tensor bytes × streams read and written; 4 bytes per float, 2 per Half) per second, from the median time";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is not { } statistics)
        {
            return "NA";
        }

        var shape = benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<TensorShape>().FirstOrDefault()
            ?? benchmarkCase.Descriptor.Type.GetProperty("Shape", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as TensorShape;
        if (shape is null)
        {
            return "NA";
        }

        var moved = benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<BytesMovedAttribute>()
            ?? benchmarkCase.Descriptor.Type.GetCustomAttribute<BytesMovedAttribute>()
            ?? new BytesMovedAttribute();
        var bytes = (double)shape.ElementCount * moved.ElementSize * moved.Streams;
        return (bytes / statistics.Median).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
