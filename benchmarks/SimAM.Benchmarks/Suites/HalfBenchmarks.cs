using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using SimAM.Benchmarks.Infrastructure;

namespace SimAM.Benchmarks.Suites;

/// <summary>
/// Forward on float against Half tensors of the same shape and values (the Half input is the float input rounded).
/// float is the baseline, so Ratio reads Half time / float time; GB/s counts 2 bytes per Half value, so a Half pass
/// at the float pass's GB/s takes half its time.
/// </summary>
public class HalfBenchmarks
{
    private TensorBuffers _buffers = null!;
    private Half[] _input = null!;
    private Half[] _output = null!;

    [ParamsSource(nameof(Shapes))]
    public TensorShape Shape { get; set; } = null!;

    public static IEnumerable<TensorShape> Shapes => TensorShape.Standard;

    [GlobalSetup]
    public void Setup()
    {
        _buffers = new TensorBuffers(Shape);
        _input = new Half[Shape.ElementCount];
        _output = new Half[Shape.ElementCount];
        TensorPrimitives.ConvertToHalf(_buffers.Input, _input);
    }

    [Benchmark(Baseline = true, Description = "forward float")]
    [BytesMoved(Streams = 2, ElementSize = sizeof(float))]
    public void SinglePrecision() => SimAm.Forward(_buffers.Input, _buffers.Output, Shape.Dimensions);

    [Benchmark(Description = "forward Half")]
    [BytesMoved(Streams = 2, ElementSize = 2)]
    public void HalfPrecision() =>
        SimAm.Forward((ReadOnlySpan<Half>)_input, (Span<Half>)_output, Shape.Dimensions, SimAm.DefaultLambda, null);
}
