using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace SimAM.Gam.Compute;

/// <summary>
/// The logistic sigmoid of a span through TensorPrimitives, in pieces that TensorPrimitives runs from their first value:
/// on a span longer than eight of its vectors it aligns its loads to the memory address, and a vector holding an input
/// beyond the range of its vectorised exponential (|x| of several hundred, in double) takes the scalar route as a whole,
/// so that which outputs went that way, and their last bits, depended on where the span lay in memory: another
/// workspace (a second module, a second concurrent caller) gave train-mode outputs a rounding apart.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
internal static class Logistic<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>, IExponentialFunctions<T>
{
    /// <summary>The values one call takes: eight vectors of the widest width TensorPrimitives uses here.</summary>
    private static readonly int Piece = 8 * (Vector512.IsHardwareAccelerated ? Vector512<T>.Count : Vector256.IsHardwareAccelerated ? Vector256<T>.Count : Vector128<T>.Count);

    /// <summary>values = 1 / (1 + e^−values), in place.</summary>
    public static void InPlace(Span<T> values)
    {
        for (var start = 0; start < values.Length; start += Piece)
        {
            var piece = values.Slice(start, Math.Min(Piece, values.Length - start));
            TensorPrimitives.Sigmoid(piece, piece);
        }
    }
}
