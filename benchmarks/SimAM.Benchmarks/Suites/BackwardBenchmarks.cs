using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using SimAM.Benchmarks.Infrastructure;
using SimAM.Cli.Benchmarking;

namespace SimAM.Benchmarks.Suites;

/// <summary>
/// Backward pass against the 3-stream floor (read x and g, write dx): dx = x + g with non-temporal stores (the
/// baseline) or ordinary ones (TensorPrimitives.Add), serial or parallel.
/// </summary>
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

    [Benchmark(Baseline = true, Description = "3-stream, non-temporal (floor)")]
    public void StreamingThreeStream() => Baselines.StreamingThreeStream(_buffers.Input, _buffers.GradOutput, _gradInput);

    [Benchmark(Description = "3-stream, non-temporal, serial")]
    public void StreamingThreeStreamSerial() => Baselines.StreamingThreeStream(_buffers.Input, _buffers.GradOutput, _gradInput, parallel: false);

    [Benchmark(Description = "3-stream (TensorPrimitives.Add)")]
    public void ThreeStream() => Baselines.ThreeStream(_buffers.Input, _buffers.GradOutput, _gradInput);

    [Benchmark(Description = "3-stream (TensorPrimitives.Add), serial")]
    public void ThreeStreamSerial() => Baselines.ThreeStream(_buffers.Input, _buffers.GradOutput, _gradInput, parallel: false);

    [Benchmark(Description = "SimAM.Cpu, saved statistics")]
    public void EngineWithStatistics() =>
        SimAm.Backward(_buffers.Input, _buffers.GradOutput, _gradInput, Shape.Dimensions, _buffers.Statistics);

    [Benchmark(Description = "SimAM.Cpu, recomputed statistics")]
    public void EngineRecomputing() =>
        SimAm.Backward(_buffers.Input, _buffers.GradOutput, _gradInput, Shape.Dimensions);
}
