using BenchmarkDotNet.Attributes;
using SimAM.Benchmarks.Infrastructure;

namespace SimAM.Benchmarks.Suites;

/// <summary>
/// [1, 3, 1024, 1024]: three planes on two cores cannot be shared evenly plane by plane; the engine
/// splits each plane's reductions into fixed chunks instead. This suite shows what that buys.
/// </summary>
[BytesMoved(Streams = 2)]
public class ThreadScalingBenchmarks
{
    private TensorBuffers _buffers = null!;
    private SimAmOptions _options = null!;

    public static TensorShape Shape { get; } = new(1, 3, 1024, 1024);

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _buffers = new TensorBuffers(Shape);
        _options = new SimAmOptions { MaxDegreeOfParallelism = Threads };
    }

    [Benchmark(Description = "SimAM.Cpu forward 1x3x1024x1024")]
    public void Forward() => SimAm.Forward(_buffers.Input, _buffers.Output, Shape.Dimensions, SimAm.DefaultLambda, _options);
}
