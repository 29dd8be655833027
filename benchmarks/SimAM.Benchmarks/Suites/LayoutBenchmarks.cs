using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using SimAM.Benchmarks.Infrastructure;

namespace SimAM.Benchmarks.Suites;

/// <summary>
/// Channels first (NCHW) against channels last (NHWC) on the same bytes: forward, and backward with the statistics
/// its forward pass saved. NCHW is each category's baseline, so Ratio reads NHWC time / NCHW time. The NHWC calls
/// read the same random buffers as [N, d1, ..., dk, C] (the values' order does not change the work), with their
/// own saved statistics.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class LayoutBenchmarks
{
    private const string Forward = "forward";
    private const string Backward = "backward";

    private TensorBuffers _buffers = null!;
    private float[] _gradInput = null!;
    private int[] _channelsLast = null!;
    private PlaneStatistics[] _channelsLastStatistics = null!;
    private SimAmOptions _channelsLastOptions = null!;

    [ParamsSource(nameof(Shapes))]
    public TensorShape Shape { get; set; } = null!;

    public static IEnumerable<TensorShape> Shapes => TensorShape.Standard;

    [GlobalSetup]
    public void Setup()
    {
        _buffers = new TensorBuffers(Shape);
        _gradInput = new float[Shape.ElementCount];
        _channelsLast = Shape.ChannelsLastDimensions;
        _channelsLastOptions = new SimAmOptions { Layout = SimAmLayout.ChannelsLast };
        _channelsLastStatistics = new PlaneStatistics[Shape.PlaneCount];
        SimAm.Forward(_buffers.Input, _buffers.Output, _channelsLast, _channelsLastStatistics, SimAm.DefaultLambda, _channelsLastOptions);
    }

    [Benchmark(Baseline = true, Description = "forward NCHW")]
    [BenchmarkCategory(Forward)]
    [BytesMoved(Streams = 2)]
    public void ForwardChannelsFirst() => SimAm.Forward(_buffers.Input, _buffers.Output, Shape.Dimensions);

    [Benchmark(Description = "forward NHWC")]
    [BenchmarkCategory(Forward)]
    [BytesMoved(Streams = 2)]
    public void ForwardChannelsLast() =>
        SimAm.Forward(_buffers.Input, _buffers.Output, _channelsLast, SimAm.DefaultLambda, _channelsLastOptions);

    [Benchmark(Baseline = true, Description = "backward NCHW, saved statistics")]
    [BenchmarkCategory(Backward)]
    [BytesMoved(Streams = 3)]
    public void BackwardChannelsFirst() =>
        SimAm.Backward(_buffers.Input, _buffers.GradOutput, _gradInput, Shape.Dimensions, _buffers.Statistics);

    [Benchmark(Description = "backward NHWC, saved statistics")]
    [BenchmarkCategory(Backward)]
    [BytesMoved(Streams = 3)]
    public void BackwardChannelsLast() =>
        SimAm.Backward(_buffers.Input, _buffers.GradOutput, _gradInput, _channelsLast, _channelsLastStatistics, SimAm.DefaultLambda, _channelsLastOptions);
}
