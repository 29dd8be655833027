using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using SimAM.Benchmarks.Suites;

namespace SimAM.Benchmarks.Gam;

/// <summary>
/// The GAM suite's own settings: a GFLOP/s column, and the ONNX Runtime benchmarks only when
/// <see cref="GamBenchmarks.ModelsVariable"/> names the exported models (otherwise they are left out, not failed).
/// </summary>
public sealed class GamBenchmarkConfig : ManualConfig
{
    public GamBenchmarkConfig()
    {
        AddColumn(new GigaFlopsColumn());
        AddFilter(new SimpleFilter(b =>
            b.Descriptor.WorkloadMethod.Name != nameof(GamBenchmarks.OnnxRuntime) || GamBenchmarks.ModelsDirectory is not null));
    }
}
