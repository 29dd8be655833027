using System;
using System.Buffers;
using System.Runtime.InteropServices;

namespace SimAM.Scheduling.Channels;

/// <summary>
/// One worker's working memory, rented from the shared pools for the length of a call (so steady-state
/// calls allocate nothing): per-lane double tables, the gate and gradient tables in the kernel's lane
/// type, and per-channel rows of C doubles. The arrays are pinned and every table starts on a 64-byte
/// boundary: the kernels load and store whole vectors of table lanes, and a vector that straddles two
/// cache lines costs two accesses.
/// </summary>
internal readonly unsafe struct ChannelScratch<TLane>
    where TLane : unmanaged
{
    private const int ChannelRows = 5;
    private const int LaneRows = 3;
    private const int Alignment = 64;

    private readonly double[] _doubles;
    private readonly TLane[] _tables;
    private readonly GCHandle _doublesHandle;
    private readonly GCHandle _tablesHandle;
    private readonly double* _doubleBase;
    private readonly TLane* _tableBase;
    private readonly int _channels;
    private readonly int _tableLength;

    private ChannelScratch(int channels, int tableLength)
    {
        _channels = channels;
        _tableLength = tableLength;
        _doubles = ArrayPool<double>.Shared.Rent((LaneRows * tableLength) + (ChannelRows * channels) + (Alignment / sizeof(double)));
        _tables = ArrayPool<TLane>.Shared.Rent((6 * tableLength) + (Alignment / sizeof(TLane)));
        _doublesHandle = GCHandle.Alloc(_doubles, GCHandleType.Pinned);
        _tablesHandle = GCHandle.Alloc(_tables, GCHandleType.Pinned);
        _doubleBase = (double*)Align(_doublesHandle.AddrOfPinnedObject());
        _tableBase = (TLane*)Align(_tablesHandle.AddrOfPinnedObject());
    }

    public static ChannelScratch<TLane> Rent(in ChannelPlan plan) => new(plan.Lanes.Channels, plan.Lanes.TableLength);

    /// <summary>Gets per-lane table <paramref name="index"/> (0 to 2) of doubles.</summary>
    public Span<double> Lanes(int index) => new(_doubleBase + (index * _tableLength), _tableLength);

    /// <summary>Gets per-channel row <paramref name="index"/> (0 to 4) of C doubles.</summary>
    public Span<double> Channel(int index) => new(_doubleBase + (LaneRows * _tableLength) + ((long)index * _channels), _channels);

    /// <summary>Gets the three gate tables.</summary>
    public Span<TLane> Gate => new(_tableBase, 3 * _tableLength);

    /// <summary>Gets the three gradient tables.</summary>
    public Span<TLane> Gradient => new(_tableBase + (3 * _tableLength), 3 * _tableLength);

    /// <summary>Rounds a pointer up to the next 64-byte boundary (the arrays are rented with that much slack).</summary>
    public static nint Align(nint address) => (address + Alignment - 1) & ~(nint)(Alignment - 1);

    public void Return()
    {
        _doublesHandle.Free();
        _tablesHandle.Free();
        ArrayPool<double>.Shared.Return(_doubles);
        ArrayPool<TLane>.Shared.Return(_tables);
    }
}
