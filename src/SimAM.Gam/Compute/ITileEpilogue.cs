using System;

namespace SimAM.Gam.Compute;

/// <summary>What happens to a finished convolution tile while it is still in the L1 cache.</summary>
/// <typeparam name="T">float or double.</typeparam>
internal interface ITileEpilogue<T>
{
    /// <summary>Consumes the tile of block <paramref name="block"/> of <paramref name="group"/> at positions [tileStart, tileStart + tile width).</summary>
    void Apply(int group, int block, int tileStart, Span<T> tile);
}
