using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using SimAM.Benchmarks.Infrastructure;
using SimAM.Benchmarks.Peers;
using SimAM.Cli.Benchmarking;

namespace SimAM.Benchmarks.Suites;

/// <summary>
/// Forward pass against the streaming floor (read x, write y with non-temporal stores: the least any forward pass
/// moves, the baseline), the ordinary copy, the obvious alternatives, and ONNX Runtime on the reference PyTorch module
/// exported to ONNX (the committed Models/simam_rank*.onnx in the build output), on the same buffers. The floor of a
/// shape is the fastest of the four copies (serial or parallel, ordinary or non-temporal stores); which wins depends
/// on the tensor against the cache and on the machine.
/// </summary>
[BytesMoved(Streams = 2)]
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "BenchmarkDotNet calls the [GlobalCleanup] method, which disposes the session.")]
public class ForwardBenchmarks
{
    // ORT's output against the engine's, relative to max |y|: float32 rounding of two orders of evaluation, a few ulps.
    private const double OrtTolerance = 1e-5;

    private TensorBuffers _buffers = null!;
    private float[][] _scratch = null!;
    private OrtSimAmSession? _session;

    [ParamsSource(nameof(Shapes))]
    public TensorShape Shape { get; set; } = null!;

    public static IEnumerable<TensorShape> Shapes => TensorShape.Standard;

    [GlobalSetup]
    public void Setup()
    {
        _buffers = new TensorBuffers(Shape);
        _scratch = Baselines.CreateScratch(Shape.PlaneSize);
    }

    [GlobalSetup(Target = nameof(OnnxRuntime))]
    public void SetupOnnxRuntime()
    {
        Setup();

        // Spinning off, as in simam-compare (by default), gam-compare and the GAM suite, so that this row measures what
        // they do. In simam-compare's rounds on 2 cores, spinning on made ORT much faster only on [1,64,56,56] (0.51 -> 0.22 ms),
        // within 10% or slower on the larger shapes, and its spinning threads held the cores the engine's next call needed
        // (docs/performance.md, "Peers").
        _session = new OrtSimAmSession(_buffers.Input, _buffers.Output, Shape.Dimensions, Environment.ProcessorCount, spinning: false);

        // A peer that computes something else would make the row meaningless: check it against the engine once.
        var expected = (float[])_buffers.Output.Clone();
        Array.Clear(_buffers.Output);
        _session.Run();
        double scale = 0, difference = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
            difference = Math.Max(difference, Math.Abs((double)expected[i] - _buffers.Output[i]));
        }

        if (!(difference <= OrtTolerance * scale))
        {
            throw new InvalidOperationException($"ONNX Runtime's output differs from SimAm.Forward's on {Shape} by {difference / scale:E1} of max |y|");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session?.Dispose();
        _session = null;
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

    /// <summary>ONNX Runtime (graph optimisations on, intra-op threads = cores, no spinning) on the same bound input and output buffers.</summary>
    [Benchmark(Description = "ONNX Runtime")]
    public void OnnxRuntime() => _session!.Run();
}
