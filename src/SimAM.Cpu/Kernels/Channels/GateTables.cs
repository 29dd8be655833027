using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SimAM.Kernels.Channels;

/// <summary>
/// Three consecutive tables of one span (the gate's μ_high, r′, μ_low·r′, or the gradient's P, −D, −B),
/// as references the vector loads index by lane. The tables live in pinned scratch (the runner's), so they are held
/// as pointers: an output step (<see cref="IVectorStep{TF}"/>) is a plain struct and carries them.
/// </summary>
internal readonly unsafe struct GateTables
{
    private readonly float* _first;
    private readonly int _tableLength;

    public GateTables(ReadOnlySpan<float> tables, int tableLength)
    {
        _first = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tables));
        _tableLength = tableLength;
    }

    public ref float First => ref *_first;

    public ref float Second => ref _first[_tableLength];

    public ref float Third => ref _first[2 * _tableLength];
}
