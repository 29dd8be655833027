using System;
using System.Numerics;
using SimAM.Gam.Compute.Lanes;

namespace SimAM.Gam.Compute;

/// <summary>
/// Stores a tile into padded planes: + shift (a bias, or a folded bias and BatchNorm), optional ReLU, padding zeroed.
/// The first convolution's epilogue in eval mode (with ReLU), and both convolutions' in train mode (raw, normalised later).
/// </summary>
internal readonly struct StorePlanesEpilogue<T, TV, TLanes>(PackedFilter<T> filter, T[] mask, T[] planes, int offset, int planeStride, bool relu)
    : ITileEpilogue<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TV : struct
    where TLanes : ILanes<T, TV>
{
    public void Apply(int group, int block, int tileStart, Span<T> tile) =>
        GamStages<T, TV, TLanes>.StoreTile(filter, mask, group, block, tile, planes.AsSpan(offset), planeStride, tileStart, relu);
}

/// <summary>The second convolution's epilogue in eval mode: sigmoid, shuffle and y = x1 ⊙ s, straight into the output.</summary>
internal readonly unsafe struct FinishEpilogue<T, TV, TLanes>(GamPlan<T> plan, T[] x1, int x1Offset, T* output, int outputLength)
    : ITileEpilogue<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TV : struct
    where TLanes : ILanes<T, TV>
{
    public void Apply(int group, int block, int tileStart, Span<T> tile) =>
        GamStages<T, TV, TLanes>.FinishTile(plan, group, block, tile, x1.AsSpan(x1Offset), new Span<T>(output, outputLength), tileStart);
}
