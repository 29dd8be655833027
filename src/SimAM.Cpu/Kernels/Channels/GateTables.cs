using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SimAM.Kernels.Channels;

/// <summary>
/// Three consecutive tables of one span (the gate's μ_high, r′, μ_low·r′, or the gradient's P, −D, −B),
/// as references the vector loads index by lane.
/// </summary>
internal readonly ref struct GateTables
{
    private readonly ref float _first;
    private readonly ref float _second;
    private readonly ref float _third;

    public GateTables(ReadOnlySpan<float> tables, int tableLength)
    {
        _first = ref MemoryMarshal.GetReference(tables);
        _second = ref Unsafe.Add(ref _first, tableLength);
        _third = ref Unsafe.Add(ref _first, 2 * tableLength);
    }

    public ref float First => ref _first;

    public ref float Second => ref _second;

    public ref float Third => ref _third;
}
