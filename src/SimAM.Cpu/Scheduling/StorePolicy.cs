using System;
using System.Globalization;
using System.IO;
using System.Runtime.Intrinsics.X86;

namespace SimAM.Scheduling;

/// <summary>
/// Whether a call writes its output with non-temporal stores (<see cref="SimAmStores"/>). A non-temporal store
/// sends a full line to memory without reading it first, so a pass over tensors larger than the cache moves two
/// streams (read x, write y) instead of three (read x, read y's old lines, write y). Where the tensors fit in
/// the cache, an ordinary store is cheaper and leaves y where the next layer will read it.
/// </summary>
internal static class StorePolicy
{
    /// <summary>
    /// The most a call can count on keeping in the last-level cache. A core shares its complex's slice of the
    /// cache, 32 MiB on current x86 parts without stacked cache, while a processor (or a virtual machine, which may
    /// pass on the host's figure) reports the whole package: this project's build machine, a 2-core VM on a Zen 5
    /// host, reports 508 MiB. Measured there: a 12.6 MB tensor (25 MB with its output) copies faster with ordinary
    /// stores, a 25.7 MB one (51 MB) 1.3× faster with non-temporal ones.
    /// </summary>
    public const long LargestSliceBytes = 32L << 20;

    /// <summary>Gets the bytes of last-level cache a call can keep (see <see cref="LargestSliceBytes"/>).</summary>
    public static long CacheBytes { get; } = Math.Min(LastLevelCacheBytes() ?? LargestSliceBytes, LargestSliceBytes);

    /// <summary>
    /// Tells whether a call streams its output. <paramref name="bytes"/> is what it reads and writes (every input and
    /// the output); <paramref name="planesInL1"/> says that each plane is written right after its reduction, from L1:
    /// channels-first planes of one chunk (under 5120 values). Auto streams only such calls larger than the cache.
    /// Measured on the build machine (2-core Zen 5 VM, tensors of 25–51 MB, interleaved in one process): streaming made
    /// one-chunk planes 4–10% faster forward and 7–10% backward, but 1-Mi-value planes (whose gate pass reads x back
    /// from L3 or memory) 20–30% slower and channels-last tensors 15–20% slower, so those keep ordinary stores.
    /// An in-place call never streams, whatever <paramref name="stores"/> says: it reads every line it writes, so
    /// streaming saves it nothing, and the kernels may then assume that the output aliases no input.
    /// </summary>
    public static bool Streams(SimAmStores stores, long bytes, bool inPlace, bool planesInL1) => !inPlace && stores switch
    {
        SimAmStores.Cached => false,
        SimAmStores.Streaming => true,
        _ => planesInL1 && bytes > CacheBytes,
    };

    /// <summary>
    /// Makes a worker's non-temporal stores visible to other threads before it reports its work done: they are
    /// weakly ordered and may sit in write-combining buffers past later ordinary stores.
    /// </summary>
    public static void Fence()
    {
        if (Sse.IsSupported)
        {
            Sse.StoreFence();
        }
    }

    /// <summary>The largest data or unified cache Linux lists for processor 0, else what x86 CPUID reports, else null.</summary>
    private static long? LastLevelCacheBytes()
    {
        try
        {
            return FromSysfs() ?? FromCpuId();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return FromCpuId();
        }
    }

    private static long? FromSysfs()
    {
        const string root = "/sys/devices/system/cpu/cpu0/cache";
        if (!Directory.Exists(root))
        {
            return null;
        }

        long? best = null;
        var bestLevel = 0;
        foreach (var index in Directory.EnumerateDirectories(root, "index*"))
        {
            var type = File.ReadAllText(Path.Combine(index, "type")).Trim();
            var level = int.Parse(File.ReadAllText(Path.Combine(index, "level")).Trim(), CultureInfo.InvariantCulture);
            if (type is "Data" or "Unified" && level > bestLevel)
            {
                bestLevel = level;
                best = ParseSize(File.ReadAllText(Path.Combine(index, "size")).Trim());
            }
        }

        return best;
    }

    /// <summary>Sizes as sysfs writes them: "32768K", "1M" or plain bytes.</summary>
    private static long ParseSize(string text)
    {
        var unit = text[^1] switch
        {
            'K' => 1L << 10,
            'M' => 1L << 20,
            'G' => 1L << 30,
            _ => 1L,
        };
        return long.Parse(unit == 1 ? text : text[..^1], CultureInfo.InvariantCulture) * unit;
    }

    /// <summary>
    /// The deterministic cache leaves (0x8000001D where the processor has them, else 4; both describe each cache the
    /// same way), else the legacy L3 field of leaf 0x80000006.
    /// </summary>
    private static long? FromCpuId()
    {
        if (!X86Base.IsSupported)
        {
            return null;
        }

        var maxExtended = (uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax;
        var maxBasic = (uint)X86Base.CpuId(0, 0).Eax;
        var largest = maxExtended >= 0x8000001D ? Deterministic(unchecked((int)0x8000001D)) : null;
        largest ??= maxBasic >= 4 ? Deterministic(4) : null;
        if (largest is null && maxExtended >= 0x80000006)
        {
            var l3 = (uint)X86Base.CpuId(unchecked((int)0x80000006), 0).Edx >> 18;
            largest = l3 == 0 ? null : l3 * (512L << 10);
        }

        return largest;
    }

    private static long? Deterministic(int leaf)
    {
        long? largest = null;
        for (var sub = 0; sub < 16; sub++)
        {
            var (eax, ebx, ecx, _) = X86Base.CpuId(leaf, sub);
            var type = eax & 0x1F;
            if (type == 0)
            {
                break;
            }

            // Type 1 is data, 3 unified; ways × partitions × line size × sets.
            if (type is 1 or 3)
            {
                var bytes = (long)(((ebx >> 22) & 0x3FF) + 1) * (((ebx >> 12) & 0x3FF) + 1) * ((ebx & 0xFFF) + 1) * ((uint)ecx + 1L);
                largest = Math.Max(largest ?? 0, bytes);
            }
        }

        return largest;
    }
}
