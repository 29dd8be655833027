using System.Collections.Generic;

namespace SimAM.Cli.Benchmarking;

/// <summary>The median times of one shape, and the ratios the report shows.</summary>
/// <param name="Shape">The shape SimAM ran on, in memory order: [N, C, d1, ..., dk], or [N, d1, ..., dk, C] channels last.</param>
/// <param name="Elements">N·C·S values.</param>
/// <param name="ForwardMs">SimAm.Forward (or the backend's forward).</param>
/// <param name="BackwardMs">SimAm.Backward with the forward pass's saved statistics (or the backend's backward).</param>
/// <param name="MemcpyMs">Parallel copy of the tensor's bytes (<see cref="System.Span{T}.CopyTo"/>, ordinary stores).</param>
/// <param name="FloorMs">The streaming floor: the fastest of the copy and a read + non-temporal write, serial or parallel (the forward floor).</param>
/// <param name="ThreeStreamMs">The 3-stream floor: the fastest of dx = x + g with ordinary or non-temporal stores, serial or parallel (the backward floor).</param>
/// <param name="ChainMs">The TensorPrimitives chain (the straightforward forward, float32).</param>
/// <param name="ScalarMs">The scalar port of the reference module (float32).</param>
/// <param name="ElementSize">The bytes per value of the tensors SimAM ran on: 4 for float32, 2 for float16.</param>
internal sealed record BenchResult(
    IReadOnlyList<int> Shape,
    long Elements,
    double ForwardMs,
    double BackwardMs,
    double MemcpyMs,
    double FloorMs,
    double ThreeStreamMs,
    double ChainMs,
    double ScalarMs,
    int ElementSize = sizeof(float))
{
    /// <summary>Gets the tensor size in bytes (<see cref="Elements"/> × <see cref="ElementSize"/>).</summary>
    public long Bytes => Elements * ElementSize;

    /// <summary>Gets the tensor size in megabytes (10^6 bytes).</summary>
    public double Megabytes => Bytes / 1e6;

    /// <summary>Gets the forward throughput in GB/s: it moves 2× the tensor (read x, write y).</summary>
    public double ForwardGBps => GBps(2, ForwardMs);

    /// <summary>Gets the backward throughput in GB/s: it moves 3× the tensor (read x and g, write dx).</summary>
    public double BackwardGBps => GBps(3, BackwardMs);

    /// <summary>Gets the memcpy floor's throughput in GB/s (2× the tensor).</summary>
    public double MemcpyGBps => GBps(2, MemcpyMs);

    /// <summary>Gets the streaming floor's throughput in GB/s (2× the tensor).</summary>
    public double FloorGBps => GBps(2, FloorMs);

    /// <summary>Gets the 3-stream floor's throughput in GB/s (3× the tensor).</summary>
    public double ThreeStreamGBps => GBps(3, ThreeStreamMs);

    /// <summary>Gets the TensorPrimitives chain's throughput in GB/s, counted as a forward pass (2× the tensor).</summary>
    public double ChainGBps => GBps(2, ChainMs);

    /// <summary>Gets the forward time as a multiple of the streaming floor (1.0 would be the least any forward pass can take).</summary>
    public double ForwardOverFloor => ForwardMs / FloorMs;

    /// <summary>Gets the forward time as a multiple of the memcpy time (1.0 would be copy speed).</summary>
    public double ForwardOverMemcpy => ForwardMs / MemcpyMs;

    /// <summary>Gets the backward time as a multiple of the 3-stream time.</summary>
    public double BackwardOverThreeStream => BackwardMs / ThreeStreamMs;

    /// <summary>Gets how many times faster the engine's forward is than the TensorPrimitives chain.</summary>
    public double SpeedupOverChain => ChainMs / ForwardMs;

    /// <summary>Gets how many times faster the engine's forward is than the scalar port.</summary>
    public double SpeedupOverScalar => ScalarMs / ForwardMs;

    /// <summary>Gets the CPU engine's forward time on the same tensor, measured beside a GPU backend; 0 when not measured.</summary>
    public double EngineForwardMs { get; init; }

    /// <summary>Gets the CPU engine's backward time (with saved statistics), measured beside a GPU backend; 0 when not measured.</summary>
    public double EngineBackwardMs { get; init; }

    /// <summary>Gets a value indicating whether the CPU engine was timed beside a GPU backend (<see cref="EngineForwardMs"/>).</summary>
    public bool HasEngineTimes => EngineForwardMs > 0 && EngineBackwardMs > 0;

    /// <summary>Gets how many times faster the measured forward is than the CPU engine's.</summary>
    public double SpeedupOverEngineForward => EngineForwardMs / ForwardMs;

    /// <summary>Gets how many times faster the measured backward is than the CPU engine's.</summary>
    public double SpeedupOverEngineBackward => EngineBackwardMs / BackwardMs;

    private double GBps(int streams, double milliseconds) => streams * Bytes / (milliseconds * 1e6);
}
