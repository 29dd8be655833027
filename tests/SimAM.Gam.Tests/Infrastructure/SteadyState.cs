using System;
using System.Diagnostics;

namespace SimAM.Gam.Tests.Infrastructure;

/// <summary>What a call allocates on the calling thread once the process has reached steady state.</summary>
public static class SteadyState
{
    /// <summary>
    /// Runs <paramref name="step"/> for a second, then returns the bytes <paramref name="calls"/> more calls allocate
    /// on this thread. Steady state means after the tiered JIT has settled: until then a method can be recompiled
    /// on this thread (on-stack replacement of a loop, a tier-up), and the runtime allocates a few KB for that now
    /// and then (the engine's tests saw it in about one run of the whole suite in four, never with
    /// DOTNET_TieredCompilation=0). A second of calls takes every method past its call counts and the tiering delay.
    /// </summary>
    public static long AllocatedBytes(Action step, int calls)
    {
        var warmUp = Stopwatch.StartNew();
        while (warmUp.ElapsedMilliseconds < 1000)
        {
            step();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < calls; i++)
        {
            step();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
