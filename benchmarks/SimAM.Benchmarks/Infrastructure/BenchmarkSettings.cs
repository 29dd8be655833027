using System;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace SimAM.Benchmarks.Infrastructure;

/// <summary>The suite's configuration: medians, ratios to the floor, GB/s and allocations in one table.</summary>
public static class BenchmarkSettings
{
    public static IConfig Create(string[] args)
    {
        var config = DefaultConfig.Instance
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(new ThroughputColumn())
            .AddColumn(StatisticColumn.Median)
            .AddExporter(MarkdownExporter.GitHub)
            .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Value))
            .WithOptions(ConfigOptions.JoinSummary);

        // A job given on the command line (for example --job Dry in CI) replaces the default one.
        if (!args.Any(a => a.Equals("--job", StringComparison.OrdinalIgnoreCase) || a.Equals("-j", StringComparison.Ordinal)))
        {
            config = config.AddJob(Job.Default.WithWarmupCount(4).WithIterationCount(15).WithLaunchCount(1).AsDefault());
        }

        return config;
    }
}
