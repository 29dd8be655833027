using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using SimAM.Benchmarks.Infrastructure;
using SimAM.Cli.Benchmarking;

namespace SimAM.Benchmarks.Suites;

/// <summary>
/// Forward pass against the streaming floor (read x, write y with non-temporal stores: the least any forward pass
/// moves, the baseline), the ordinary copy, and the obvious alternatives, on the same buffers. The floor of a shape is
/// the fastest of the four copies (serial or parallel, ordinary or non-temporal stores); which wins depends on the
/// tensor against the cache and on the machine.
/// </summary>
[BytesMoved(Streams = 2)]
public class ForwardBenchmarks
{
    private TensorBuffers _buffers = null!;
    private float[][] _scratch = null!;

    [ParamsSource(nameof(Shapes))]
    public TensorShape Shape { get; set; } = null!;

    public static IEnumerable<TensorShape> Shapes => TensorShape.Standard;

    [GlobalSetup]
    public void Setup()
    {
        _buffers = new TensorBuffers(Shape);
        _scratch = Baselines.CreateScratch(Shape.PlaneSize);
    }

    [Benchmark(Baseline = true, Description = "non-temporal copy (floor)")]
    public void StreamingCopy() => Baselines.StreamingCopy(_buffers.Input, _buffers.Output);

    [Benchmark(Description = "non-temporal copy, serial")]
    public void StreamingCopySerial() => Baselines.StreamingCopy(_buffers.Input, _buffers.Output, parallel: false);

    [Benchmark(Description = "memcpy")]
    public void Memcpy() => Baselines.Memcpy(_buffers.Input, _buffers.Output);

    [Benchmark(Description = "memcpy, serial")]
    public void MemcpySerial() => Baselines.Memcpy(_buffers.Input, _buffers.Output, parallel: false);

    [Benchmark(Description = "SimAM.Cpu")]
    public void Engine() => SimAm.Forward(_buffers.Input, _buffers.Output, Shape.Dimensions);

    [Benchmark(Description = "TensorPrimitives chain")]
    public void Chain() => Baselines.TensorPrimitivesChain(_buffers.Input, _buffers.Output, Shape.PlaneSize, SimAm.DefaultLambda, _scratch);

    [Benchmark(Description = "scalar port")]
    public void Scalar() => Baselines.ScalarPort(_buffers.Input, _buffers.Output, Shape.PlaneSize, SimAm.DefaultLambda);
}
