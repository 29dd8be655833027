using System;
using System.Diagnostics;
using System.Linq;
using System.Runtime.CompilerServices;
using SimAM.Backends;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Gpu.Tests;

/// <summary>
/// The timing quoted in docs/gpu.md: forward on [8, 256, 56, 56] through OpenCL and through the CPU engine on the
/// same machine. Opt-in (SIMAM_GPU_TIMING=1) because it is a measurement, not a check. On POCL it measures
/// POCL on the CPU, which says nothing about GPUs.
/// </summary>
[Collection(OpenClTestGroup.Name)]
public sealed class ForwardTimingTests(OpenClFixture fixture, ITestOutputHelper output)
{
    private const int Runs = 9;

    [TimingFact]
    public void Forward_on_8x256x56x56()
    {
        int[] shape = [8, 256, 56, 56];
        var x = TestData.Normal(Shapes.Count(shape), 1);
        var y = new float[x.Length];
        var backend = fixture[OpenClFixture.Auto];
        using var cpu = new CpuBackend();
        using var xt = backend.Upload(x);
        using var yt = backend.CreateTensor(x.Length);

        var spans = Median(() => backend.Forward(x, y, shape));
        var device = Median(() =>
        {
            backend.Forward(xt, yt, shape);
            backend.Finish();
        });
        var engine = Median(() => cpu.Forward(x, y, shape));

        var gigabytes = 2.0 * x.Length * sizeof(float) / 1e9;
        output.WriteLine($"forward [8, 256, 56, 56], median of {Runs} after 2 warm-up runs, {Environment.ProcessorCount} cores");
        output.WriteLine($"{backend.Name}, host spans (upload + kernel + download): {spans:F1} ms");
        output.WriteLine($"{backend.Name}, device tensors (kernel only): {device:F1} ms ({gigabytes / (device / 1e3):F2} GB/s read + write)");
        output.WriteLine($"{cpu.Name}: {engine:F1} ms ({gigabytes / (engine / 1e3):F2} GB/s)");
    }

    private static double Median(Action action)
    {
        action();
        action();
        var times = new double[Runs];
        for (var i = 0; i < Runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return times.Order().ElementAt(Runs / 2);
    }
}

/// <summary>Runs only when SIMAM_GPU_TIMING=1 and an OpenCL device exists.</summary>
public sealed class TimingFactAttribute : FactAttribute
{
    public TimingFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        Skip = OpenClEnvironment.SkipReason
            ?? (Environment.GetEnvironmentVariable("SIMAM_GPU_TIMING") == "1" ? null : "a measurement: set SIMAM_GPU_TIMING=1 to run it");
    }
}
