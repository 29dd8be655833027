using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using SimAM.Benchmarks.Infrastructure;
using SimAM.Cli.Benchmarking;

namespace SimAM.Benchmarks.Suites;

/// <summary>Backward pass against the 3-stream floor (read x and g, write dx).</summary>
[BytesMoved(Streams = 3)]
public class BackwardBenchmarks
{
    private TensorBuffers _buffers = null!;
    private float[] _gradInput = null!;

    [ParamsSource(nameof(Shapes))]
    public TensorShape Shape { get; set; } = null!;

    public static IEnumerable<TensorShape> Shapes => TensorShape.Standard;

    [GlobalSetup]
    public void Setup()
    {
        _buffers = new TensorBuffers(Shape);
        _gradInput = new float[Shape.ElementCount];
    }

    [Benchmark(Baseline = true, Description = "3-stream (floor)")]
    public void ThreeStream() => Baselines.ThreeStream(_buffers.Input, _buffers.GradOutput, _gradInput);

    [Benchmark(Description = "SimAM.Cpu, saved statistics")]
    public void EngineWithStatistics() =>
        SimAm.Backward(_buffers.Input, _buffers.GradOutput, _gradInput, Shape.Dimensions, _buffers.Statistics);

    [Benchmark(Description = "SimAM.Cpu, recomputed statistics")]
    public void EngineRecomputing() =>
        SimAm.Backward(_buffers.Input, _buffers.GradOutput, _gradInput, Shape.Dimensions);
}
