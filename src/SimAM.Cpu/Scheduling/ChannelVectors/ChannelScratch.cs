using System;
using System.Buffers;

namespace SimAM.Scheduling.ChannelVectors;

/// <summary>
/// One worker's working memory, rented from the shared pools for the length of a call (so steady-state
/// calls allocate nothing): per-channel rows of C doubles, per-lane double tables, and the gate and
/// gradient tables in the kernel's lane type.
/// </summary>
internal readonly struct ChannelScratch<TLane>
    where TLane : unmanaged
{
    private const int ChannelRows = 5;
    private const int LaneRows = 3;

    private readonly double[] _doubles;
    private readonly TLane[] _tables;
    private readonly int _channels;
    private readonly int _tableLength;

    private ChannelScratch(int channels, int tableLength)
    {
        _channels = channels;
        _tableLength = tableLength;
        _doubles = ArrayPool<double>.Shared.Rent((ChannelRows * channels) + (LaneRows * tableLength));
        _tables = ArrayPool<TLane>.Shared.Rent(6 * tableLength);
    }

    public static ChannelScratch<TLane> Rent(in ChannelPlan plan) => new(plan.Lanes.Channels, plan.Lanes.TableLength);

    /// <summary>Gets per-channel row <paramref name="index"/> (0 to 4) of C doubles.</summary>
    public Span<double> Channel(int index) => _doubles.AsSpan(index * _channels, _channels);

    /// <summary>Gets per-lane table <paramref name="index"/> (0 to 2) of doubles.</summary>
    public Span<double> Lanes(int index) => _doubles.AsSpan((ChannelRows * _channels) + (index * _tableLength), _tableLength);

    /// <summary>Gets the three gate tables.</summary>
    public Span<TLane> Gate => _tables.AsSpan(0, 3 * _tableLength);

    /// <summary>Gets the three gradient tables.</summary>
    public Span<TLane> Gradient => _tables.AsSpan(3 * _tableLength, 3 * _tableLength);

    public void Return()
    {
        ArrayPool<double>.Shared.Return(_doubles);
        ArrayPool<TLane>.Shared.Return(_tables);
    }
}
