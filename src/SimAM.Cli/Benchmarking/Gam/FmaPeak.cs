using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading.Tasks;
using SimAM.Gam.Compute.Lanes;

namespace SimAM.Cli.Benchmarking.Gam;

/// <summary>
/// The float32 FMA throughput of this machine as a register-only loop reaches it on every logical processor at once:
/// the ceiling the GEMM micro-kernels are measured against (no loads, no stores, twelve independent accumulators per
/// thread to cover the FMA latency), at the widest vector width the runtime accelerates.
/// </summary>
internal static class FmaPeak
{
    private const int Accumulators = 12;

    /// <summary>Measures the peak in GFLOP/s (2 FLOPs per lane per FMA): the best of a few short runs on all cores.</summary>
    /// <param name="runs">How many runs to take the best of.</param>
    /// <returns>The peak and the vector width it ran at.</returns>
    public static (double GigaFlops, string Width) Measure(int runs = 3)
    {
        var threads = Environment.ProcessorCount;
        var best = 0.0;
        for (var run = 0; run < runs; run++)
        {
            best = Math.Max(best, Once(threads));
        }

        return (best, WidthName);
    }

    private static string WidthName => Vector512.IsHardwareAccelerated ? "512-bit" : Vector256.IsHardwareAccelerated ? "256-bit" : Vector128.IsHardwareAccelerated ? "128-bit" : "scalar";

    private static double Once(int threads)
    {
        const long iterations = 4_000_000;
        var start = Stopwatch.GetTimestamp();
        var lanes = 0;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => lanes = Loop(iterations));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return threads * iterations * Accumulators * lanes * 2.0 / seconds / 1e9;
    }

    private static int Loop(long iterations)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Sink = Loop<Vector512<float>, Lanes512<float>>(iterations);
            return Vector512<float>.Count;
        }

        if (Vector256.IsHardwareAccelerated)
        {
            Sink = Loop<Vector256<float>, Lanes256<float>>(iterations);
            return Vector256<float>.Count;
        }

        if (Vector128.IsHardwareAccelerated)
        {
            Sink = Loop<Vector128<float>, Lanes128<float>>(iterations);
            return Vector128<float>.Count;
        }

        Sink = Loop<float, LanesScalar<float>>(iterations);
        return 1;
    }

    /// <summary>Gets or sets where the loops' results go, so that the JIT cannot drop them.</summary>
    private static object? Sink { get; set; }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static object Loop<TV, TLanes>(long iterations)
        where TV : struct
        where TLanes : ILanes<float, TV>
    {
        var m = TLanes.Broadcast(0.999999f);
        var c = TLanes.Broadcast(1e-7f);
        TV a0 = TLanes.Broadcast(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = TLanes.MultiplyAdd(a0, m, c);
            a1 = TLanes.MultiplyAdd(a1, m, c);
            a2 = TLanes.MultiplyAdd(a2, m, c);
            a3 = TLanes.MultiplyAdd(a3, m, c);
            a4 = TLanes.MultiplyAdd(a4, m, c);
            a5 = TLanes.MultiplyAdd(a5, m, c);
            a6 = TLanes.MultiplyAdd(a6, m, c);
            a7 = TLanes.MultiplyAdd(a7, m, c);
            a8 = TLanes.MultiplyAdd(a8, m, c);
            a9 = TLanes.MultiplyAdd(a9, m, c);
            a10 = TLanes.MultiplyAdd(a10, m, c);
            a11 = TLanes.MultiplyAdd(a11, m, c);
        }

        var sum = TLanes.Add(TLanes.Add(TLanes.Add(a0, a1), TLanes.Add(a2, a3)), TLanes.Add(TLanes.Add(a4, a5), TLanes.Add(a6, a7)));
        return TLanes.Add(sum, TLanes.Add(TLanes.Add(a8, a9), TLanes.Add(a10, a11)));
    }
}
