using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using SimAM.Benchmarks.Infrastructure;
using SimAM.Benchmarks.Suites;
using Xunit;

namespace SimAM.Benchmarks.Tests;

/// <summary>
/// Runs the whole benchmark suite once with BenchmarkDotNet's Dry job, in process: it proves that every
/// benchmark runs on every shape (Dry timings mean nothing and are not looked at).
/// </summary>
public class BenchmarkSuiteDryRunTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_benchmark_runs_once_with_the_dry_job()
    {
        var config = ManualConfig.CreateEmpty()
            .AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance))
            .AddColumnProvider(DefaultConfig.Instance.GetColumnProviders().ToArray())
            .AddColumn(new ThroughputColumn())
            .AddLogger(NullLogger.Instance)
            .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.JoinSummary);

        var summaries = BenchmarkRunner.Run(
            [typeof(ForwardBenchmarks), typeof(BackwardBenchmarks), typeof(ThreadScalingBenchmarks), typeof(LayoutBenchmarks), typeof(HalfBenchmarks), typeof(GamBenchmarks)],
            config);

        var reports = summaries.SelectMany(s => s.Reports).ToArray();
        foreach (var report in reports)
        {
            output.WriteLine($"{report.BenchmarkCase.DisplayInfo}: {(report.Success ? "ran" : "FAILED")}");
        }

        Assert.All(summaries, s => Assert.False(s.HasCriticalValidationErrors, string.Join("; ", s.ValidationErrors.Select(e => e.Message))));
        // Per standard shape: forward 8 (four floor copies, the engine, the chain, the scalar port and ONNX Runtime, whose
        // models ship in the build output), backward 6 (four 3-stream floors, the engine with and without statistics), layout 4 (NCHW and NHWC, forward and backward), Half 2; thread scaling 2;
        // per GAM case: eval and train, and ONNX Runtime only when the exported models are there.
        var gam = GamBenchmarks.Cases.Count() * (GamBenchmarks.ModelsDirectory is null ? 2 : 3);
        var expected = (TensorShape.Standard.Length * (8 + 6 + 4 + 2)) + 2 + gam;
        Assert.Equal(expected, reports.Length);
        Assert.All(reports, r => Assert.True(r.Success, r.BenchmarkCase.DisplayInfo));
    }
}
