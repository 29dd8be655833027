using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace SimAM.Kernels;

/// <summary>
/// Software prefetch of the data the next plane (or batch of planes) will touch. The reduction pass of
/// a plane is the one that meets memory; the elementwise pass after it runs from L1 and is compute
/// bound, so the hardware prefetcher, which follows misses, sits idle while it runs. Touching the next
/// plane's input and output lines from inside that pass overlaps the two: memory streams in while the
/// gate is computed, the next reduction pass finds its input in cache, and the next elementwise pass
/// finds its output lines already owned instead of stalling on them.
/// </summary>
internal static unsafe class Prefetch
{
    /// <summary>Bytes per cache line on every x86 core the kernels target.</summary>
    private const int LineBytes = 64;

    /// <summary>
    /// Whether element <paramref name="index"/> (a multiple of the vector width) is the first of a
    /// 64-byte group: narrower vectors prefetch once per line rather than once per vector, which at 128
    /// bits cost more than it saved. Constant true at 512 bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool StartsLine<TF, TD, TOps>(nuint index)
        where TF : struct
        where TD : struct
        where TOps : ISimdOps<TF, TD> =>
        TOps.Count * sizeof(float) >= LineBytes || (index & ((LineBytes / sizeof(float)) - 1)) == 0;

    /// <summary>
    /// Asks for the cache line holding <paramref name="origin"/>[<paramref name="index"/>] without
    /// waiting for it. A prefetch never faults, so the address may lie past the end of the tensor, and
    /// a stale address (should the GC move an unpinned buffer meanwhile) only wastes the hint.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Line(ref float origin, nuint index)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0((byte*)Unsafe.AsPointer(ref origin) + (index * sizeof(float)));
        }
    }

    /// <summary>As <see cref="Line(ref float, nuint)"/> for any element type, at a signed element offset.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Line<T>(ref T origin, nint index)
        where T : unmanaged
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0((byte*)Unsafe.AsPointer(ref Unsafe.Add(ref origin, index)));
        }
    }
}
