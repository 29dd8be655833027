using System.Runtime.CompilerServices;
using SimAM.Gam.Compute.Lanes;

namespace SimAM.Gam.Compute;

/// <summary>
/// The GEMM micro-kernel every GAM product runs on: a block of <see cref="Rows"/> output channels by
/// <see cref="Vectors"/> vectors of consecutive positions, held in registers (12 accumulators) while the
/// reduction runs over input channels and kernel taps; the weights come from a packed panel
/// (<see cref="PackedFilter{T}"/>, one broadcast per row and step) and the inputs straight from the padded
/// planes (unaligned loads at the tap's offset; no im2col copy is ever made).
/// </summary>
/// <remarks>
/// Per step: <see cref="Vectors"/> loads, <see cref="Rows"/> broadcasts, twelve FMAs. Twelve independent
/// accumulators cover the FMA latency (4 cycles × 2 pipes + headroom) and leave registers for the operands at
/// every width, including the sixteen of AVX2 and SSE. The same kernel serves the 7×7 convolutions
/// and the channel MLP's linear layers (a plain GEMM over the positions), told apart only by the step offsets.
/// The sum over the reduction runs in one fixed order, whatever the tiling or threading around it.
/// </remarks>
internal static class MicroKernel
{
    /// <summary>Output channels per block (rows of the register tile).</summary>
    public const int Rows = 4;

    /// <summary>Vectors of positions per block (columns of the register tile).</summary>
    public const int Vectors = 3;

    /// <summary>Gets the number of positions one tile covers at a width.</summary>
    public static int Positions<T, TV, TLanes>()
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV> => Vectors * TLanes.Count;

    /// <summary>
    /// tile[r, j] = (accumulate ? partial[r, j] : 0) + Σ over steps k of panel[k, r] · input[offsets[k] + j], for
    /// r &lt; <see cref="Rows"/> and j &lt; <see cref="Positions{T, TV, TLanes}"/>. The rows of <paramref name="partial"/> are
    /// <paramref name="partialStride"/> apart, those of <paramref name="tile"/> <paramref name="tileStride"/>, and only
    /// the first <paramref name="rows"/> rows are read and written (a block at the end of a group has fewer real
    /// output channels).
    /// </summary>
    /// <remarks>
    /// The step offsets make one flat loop of every reduction: (channel, kh, kw) taps of a 7×7 convolution over
    /// padded planes, channels of a linear layer, or consecutive rows of a packed panel. <paramref name="accumulate"/>
    /// lets a long reduction run in chunks of input channels (so that a chunk of the input stays in the L2 cache while
    /// every block and tile uses it) with the partial sums parked in memory between chunks; the order of the additions
    /// is the same for every tiling and thread count.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T, TV, TLanes>(
        ref T panel, ref T input, ref int offsets, int steps, bool accumulate, ref T partial, int partialStride, ref T tile, int tileStride, int rows)
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV>
    {
        var n = TLanes.Count;
        var stride = partialStride;
        TV c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
        if (accumulate)
        {
            c00 = TLanes.Load(ref partial);
            c01 = TLanes.Load(ref Unsafe.Add(ref partial, n));
            c02 = TLanes.Load(ref Unsafe.Add(ref partial, 2 * n));
            c10 = c11 = c12 = c20 = c21 = c22 = c30 = c31 = c32 = TLanes.Zero;
            if (rows > 1)
            {
                c10 = TLanes.Load(ref Unsafe.Add(ref partial, stride));
                c11 = TLanes.Load(ref Unsafe.Add(ref partial, stride + n));
                c12 = TLanes.Load(ref Unsafe.Add(ref partial, stride + (2 * n)));
            }

            if (rows > 2)
            {
                c20 = TLanes.Load(ref Unsafe.Add(ref partial, 2 * stride));
                c21 = TLanes.Load(ref Unsafe.Add(ref partial, (2 * stride) + n));
                c22 = TLanes.Load(ref Unsafe.Add(ref partial, (2 * stride) + (2 * n)));
            }

            if (rows > 3)
            {
                c30 = TLanes.Load(ref Unsafe.Add(ref partial, 3 * stride));
                c31 = TLanes.Load(ref Unsafe.Add(ref partial, (3 * stride) + n));
                c32 = TLanes.Load(ref Unsafe.Add(ref partial, (3 * stride) + (2 * n)));
            }
        }
        else
        {
            c00 = c01 = c02 = c10 = c11 = c12 = c20 = c21 = c22 = c30 = c31 = c32 = TLanes.Zero;
        }

        ref var a = ref panel;
        for (var k = 0; k < steps; k++)
        {
            ref var p = ref Unsafe.Add(ref input, Unsafe.Add(ref offsets, k));
            var b0 = TLanes.Load(ref p);
            var b1 = TLanes.Load(ref Unsafe.Add(ref p, n));
            var b2 = TLanes.Load(ref Unsafe.Add(ref p, 2 * n));
            var a0 = TLanes.Broadcast(a);
            c00 = TLanes.MultiplyAdd(a0, b0, c00);
            c01 = TLanes.MultiplyAdd(a0, b1, c01);
            c02 = TLanes.MultiplyAdd(a0, b2, c02);
            var a1 = TLanes.Broadcast(Unsafe.Add(ref a, 1));
            c10 = TLanes.MultiplyAdd(a1, b0, c10);
            c11 = TLanes.MultiplyAdd(a1, b1, c11);
            c12 = TLanes.MultiplyAdd(a1, b2, c12);
            var a2 = TLanes.Broadcast(Unsafe.Add(ref a, 2));
            c20 = TLanes.MultiplyAdd(a2, b0, c20);
            c21 = TLanes.MultiplyAdd(a2, b1, c21);
            c22 = TLanes.MultiplyAdd(a2, b2, c22);
            var a3 = TLanes.Broadcast(Unsafe.Add(ref a, 3));
            c30 = TLanes.MultiplyAdd(a3, b0, c30);
            c31 = TLanes.MultiplyAdd(a3, b1, c31);
            c32 = TLanes.MultiplyAdd(a3, b2, c32);
            a = ref Unsafe.Add(ref a, Rows);
        }

        ref var t0 = ref tile;
        TLanes.Store(c00, ref t0);
        TLanes.Store(c01, ref Unsafe.Add(ref t0, n));
        TLanes.Store(c02, ref Unsafe.Add(ref t0, 2 * n));
        if (rows > 1)
        {
            ref var t1 = ref Unsafe.Add(ref tile, tileStride);
            TLanes.Store(c10, ref t1);
            TLanes.Store(c11, ref Unsafe.Add(ref t1, n));
            TLanes.Store(c12, ref Unsafe.Add(ref t1, 2 * n));
        }

        if (rows > 2)
        {
            ref var t2 = ref Unsafe.Add(ref tile, 2 * tileStride);
            TLanes.Store(c20, ref t2);
            TLanes.Store(c21, ref Unsafe.Add(ref t2, n));
            TLanes.Store(c22, ref Unsafe.Add(ref t2, 2 * n));
        }

        if (rows > 3)
        {
            ref var t3 = ref Unsafe.Add(ref tile, 3 * tileStride);
            TLanes.Store(c30, ref t3);
            TLanes.Store(c31, ref Unsafe.Add(ref t3, n));
            TLanes.Store(c32, ref Unsafe.Add(ref t3, 2 * n));
        }
    }
}
