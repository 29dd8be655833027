using System.Runtime.CompilerServices;
using SimAM.Gam.Compute.Lanes;

namespace SimAM.Gam.Compute;

/// <summary>
/// The GEMM micro-kernel every GAM product runs on: a block of <see cref="Rows"/> (at 512 bits <see cref="WideRows"/>)
/// output channels by <see cref="Vectors"/> vectors of consecutive positions, held in registers while the reduction runs
/// over input channels and kernel taps; the weights come from a packed panel (<see cref="PackedFilter{T}"/>, one broadcast
/// per row and step) and the inputs straight from the padded planes (unaligned loads at the tap's offset; no im2col copy
/// is ever made) or from a packed panel of the batch's pixels.
/// </summary>
/// <remarks>
/// Per step: <see cref="Vectors"/> loads, one broadcast per row, three FMAs per row. Twelve or more independent
/// accumulators cover the FMA latency (4 cycles × 2 pipes + headroom). The same kernel serves the 7×7 convolutions, their
/// data gradients and the channel MLP's linear layers (a plain GEMM over the positions), told apart only by the step
/// offsets. The sum over the reduction runs in one fixed order, whatever the tiling or threading around it.
/// </remarks>
internal static class MicroKernel
{
    /// <summary>Output channels per block (rows of the register tile) where the width has sixteen vector registers.</summary>
    public const int Rows = FourRows.Value;

    /// <summary>Output channels per block at 512 bits (32 vector registers).</summary>
    public const int WideRows = EightRows.Value;

    /// <summary>Vectors of positions per block (columns of the register tile).</summary>
    public const int Vectors = 3;

    /// <summary>Runs the kernel of a filter's block height over one run of <paramref name="steps"/> steps, on <paramref name="vectors"/> vectors of positions (3, or 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block<T, TV, TLanes>(
        int blockRows, ref T panel, ref T input, ref int offsets, int steps, bool accumulate, ref T partial, int partialStride, ref T tile, int tileStride, int validRows,
        int vectors = Vectors)
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV>
        => Block<T, TV, TLanes>(blockRows, ref panel, ref input, ref offsets, steps, 1, 0, accumulate, ref partial, partialStride, ref tile, tileStride, validRows, vectors);

    /// <summary>Runs the kernel of a filter's block height (<see cref="WideRows"/> or <see cref="Rows"/>) over <paramref name="runs"/> runs of steps (see <see cref="Run{T, TV, TLanes, TRows, TVectors}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block<T, TV, TLanes>(
        int blockRows, ref T panel, ref T input, ref int offsets, int steps, int runs, int runStride, bool accumulate, ref T partial, int partialStride, ref T tile, int tileStride, int validRows,
        int vectors = Vectors)
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV>
    {
        if (vectors == 1)
        {
            if (blockRows == WideRows)
            {
                Run<T, TV, TLanes, EightRows, OneVector>(ref panel, ref input, ref offsets, steps, runs, runStride, accumulate, ref partial, partialStride, ref tile, tileStride, validRows);
            }
            else
            {
                Run<T, TV, TLanes, FourRows, OneVector>(ref panel, ref input, ref offsets, steps, runs, runStride, accumulate, ref partial, partialStride, ref tile, tileStride, validRows);
            }
        }
        else if (blockRows == WideRows)
        {
            Run<T, TV, TLanes, EightRows, ThreeVectors>(ref panel, ref input, ref offsets, steps, runs, runStride, accumulate, ref partial, partialStride, ref tile, tileStride, validRows);
        }
        else
        {
            Run<T, TV, TLanes, FourRows, ThreeVectors>(ref panel, ref input, ref offsets, steps, runs, runStride, accumulate, ref partial, partialStride, ref tile, tileStride, validRows);
        }
    }

    /// <summary>
    /// tile[r, j] = (accumulate ? partial[r, j] : 0) + Σ over runs q and steps k of panel[q·runStride + k, r] ·
    /// input[offsets[q·runStride + k] + j], for r &lt; <typeparamref name="TRows"/>' count and j &lt; <typeparamref name="TVectors"/>' count · TLanes.Count.
    /// The rows of <paramref name="partial"/> are <paramref name="partialStride"/> apart, those of <paramref name="tile"/>
    /// <paramref name="tileStride"/>, and only the first <paramref name="validRows"/> rows are read and written (a block at
    /// the end of a group has fewer real output channels).
    /// </summary>
    /// <remarks>
    /// The step offsets make one flat loop of every reduction: (channel, kh, kw) taps of a 7×7 convolution over
    /// padded planes, channels of a linear layer, or consecutive rows of a packed panel; runs of steps let a tile that
    /// skips kernel rows sum the kept taps of several channels in registers. <paramref name="accumulate"/> lets a long
    /// reduction run in chunks of input channels (so that a chunk of the input stays in the L2 cache while every block and
    /// tile uses it) with the partial sums parked in memory between chunks; the order of the additions is the same for
    /// every tiling and thread count.
    /// <para>
    /// Eight rows (24 accumulators) need the 32 vector registers of AVX-512; there, each input vector loaded feeds eight
    /// FMAs instead of four, which matters because the taps' loads are unaligned and most of them split across two cache
    /// lines: at four rows the load ports, not the FMA pipes, set the pace. Four rows (12 accumulators) fit the sixteen
    /// registers of AVX2 and SSE. The row count is a type, so each height compiles to its own loop with the other rows'
    /// code removed.
    /// </para>
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T, TV, TLanes, TRows, TVectors>(
        ref T panel, ref T input, ref int offsets, int steps, int runs, int runStride, bool accumulate, ref T partial, int partialStride, ref T tile, int tileStride, int validRows)
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV>
        where TRows : struct, IBlockRows
        where TVectors : struct, IBlockVectors
    {
        var three = TVectors.Count > 1;
        var n = TLanes.Count;
        TV c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32, c40, c41, c42, c50, c51, c52, c60, c61, c62, c70, c71, c72;
        c00 = c01 = c02 = c10 = c11 = c12 = c20 = c21 = c22 = c30 = c31 = c32 = c40 = c41 = c42 = c50 = c51 = c52 = c60 = c61 = c62 = c70 = c71 = c72 = TLanes.Zero;
        if (accumulate)
        {
            c00 = TLanes.Load(ref partial);
            c01 = three ? TLanes.Load(ref Unsafe.Add(ref partial, n)) : TLanes.Zero;
            c02 = three ? TLanes.Load(ref Unsafe.Add(ref partial, 2 * n)) : TLanes.Zero;
            if (validRows > 1)
            {
                c10 = TLanes.Load(ref Unsafe.Add(ref partial, partialStride));
                c11 = three ? TLanes.Load(ref Unsafe.Add(ref partial, partialStride + n)) : TLanes.Zero;
                c12 = three ? TLanes.Load(ref Unsafe.Add(ref partial, partialStride + (2 * n))) : TLanes.Zero;
            }

            if (validRows > 2)
            {
                c20 = TLanes.Load(ref Unsafe.Add(ref partial, 2 * partialStride));
                c21 = three ? TLanes.Load(ref Unsafe.Add(ref partial, (2 * partialStride) + n)) : TLanes.Zero;
                c22 = three ? TLanes.Load(ref Unsafe.Add(ref partial, (2 * partialStride) + (2 * n))) : TLanes.Zero;
            }

            if (validRows > 3)
            {
                c30 = TLanes.Load(ref Unsafe.Add(ref partial, 3 * partialStride));
                c31 = three ? TLanes.Load(ref Unsafe.Add(ref partial, (3 * partialStride) + n)) : TLanes.Zero;
                c32 = three ? TLanes.Load(ref Unsafe.Add(ref partial, (3 * partialStride) + (2 * n))) : TLanes.Zero;
            }

            if (TRows.Count > 4 && validRows > 4)
            {
                c40 = TLanes.Load(ref Unsafe.Add(ref partial, 4 * partialStride));
                c41 = three ? TLanes.Load(ref Unsafe.Add(ref partial, (4 * partialStride) + n)) : TLanes.Zero;
                c42 = three ? TLanes.Load(ref Unsafe.Add(ref partial, (4 * partialStride) + (2 * n))) : TLanes.Zero;
            }

            if (TRows.Count > 5 && validRows > 5)
            {
                c50 = TLanes.Load(ref Unsafe.Add(ref partial, 5 * partialStride));
                c51 = three ? TLanes.Load(ref Unsafe.Add(ref partial, (5 * partialStride) + n)) : TLanes.Zero;
                c52 = three ? TLanes.Load(ref Unsafe.Add(ref partial, (5 * partialStride) + (2 * n))) : TLanes.Zero;
            }

            if (TRows.Count > 6 && validRows > 6)
            {
                c60 = TLanes.Load(ref Unsafe.Add(ref partial, 6 * partialStride));
                c61 = three ? TLanes.Load(ref Unsafe.Add(ref partial, (6 * partialStride) + n)) : TLanes.Zero;
                c62 = three ? TLanes.Load(ref Unsafe.Add(ref partial, (6 * partialStride) + (2 * n))) : TLanes.Zero;
            }

            if (TRows.Count > 7 && validRows > 7)
            {
                c70 = TLanes.Load(ref Unsafe.Add(ref partial, 7 * partialStride));
                c71 = three ? TLanes.Load(ref Unsafe.Add(ref partial, (7 * partialStride) + n)) : TLanes.Zero;
                c72 = three ? TLanes.Load(ref Unsafe.Add(ref partial, (7 * partialStride) + (2 * n))) : TLanes.Zero;
            }
        }

        for (var run = 0; run < runs; run++)
        {
            ref var a = ref Unsafe.Add(ref panel, (nint)run * runStride * TRows.Count);
            ref var o = ref Unsafe.Add(ref offsets, run * runStride);
            for (var k = 0; k < steps; k++)
            {
                ref var p = ref Unsafe.Add(ref input, Unsafe.Add(ref o, k));
                var b0 = TLanes.Load(ref p);
                var b1 = three ? TLanes.Load(ref Unsafe.Add(ref p, n)) : TLanes.Zero;
                var b2 = three ? TLanes.Load(ref Unsafe.Add(ref p, 2 * n)) : TLanes.Zero;
                var a0 = TLanes.Broadcast(a);
                c00 = TLanes.MultiplyAdd(a0, b0, c00);
                c01 = three ? TLanes.MultiplyAdd(a0, b1, c01) : c01;
                c02 = three ? TLanes.MultiplyAdd(a0, b2, c02) : c02;
                var a1 = TLanes.Broadcast(Unsafe.Add(ref a, 1));
                c10 = TLanes.MultiplyAdd(a1, b0, c10);
                c11 = three ? TLanes.MultiplyAdd(a1, b1, c11) : c11;
                c12 = three ? TLanes.MultiplyAdd(a1, b2, c12) : c12;
                var a2 = TLanes.Broadcast(Unsafe.Add(ref a, 2));
                c20 = TLanes.MultiplyAdd(a2, b0, c20);
                c21 = three ? TLanes.MultiplyAdd(a2, b1, c21) : c21;
                c22 = three ? TLanes.MultiplyAdd(a2, b2, c22) : c22;
                var a3 = TLanes.Broadcast(Unsafe.Add(ref a, 3));
                c30 = TLanes.MultiplyAdd(a3, b0, c30);
                c31 = three ? TLanes.MultiplyAdd(a3, b1, c31) : c31;
                c32 = three ? TLanes.MultiplyAdd(a3, b2, c32) : c32;
                if (TRows.Count > 4)
                {
                    var a4 = TLanes.Broadcast(Unsafe.Add(ref a, 4));
                    c40 = TLanes.MultiplyAdd(a4, b0, c40);
                    c41 = three ? TLanes.MultiplyAdd(a4, b1, c41) : c41;
                    c42 = three ? TLanes.MultiplyAdd(a4, b2, c42) : c42;
                    var a5 = TLanes.Broadcast(Unsafe.Add(ref a, 5));
                    c50 = TLanes.MultiplyAdd(a5, b0, c50);
                    c51 = three ? TLanes.MultiplyAdd(a5, b1, c51) : c51;
                    c52 = three ? TLanes.MultiplyAdd(a5, b2, c52) : c52;
                    var a6 = TLanes.Broadcast(Unsafe.Add(ref a, 6));
                    c60 = TLanes.MultiplyAdd(a6, b0, c60);
                    c61 = three ? TLanes.MultiplyAdd(a6, b1, c61) : c61;
                    c62 = three ? TLanes.MultiplyAdd(a6, b2, c62) : c62;
                    var a7 = TLanes.Broadcast(Unsafe.Add(ref a, 7));
                    c70 = TLanes.MultiplyAdd(a7, b0, c70);
                    c71 = three ? TLanes.MultiplyAdd(a7, b1, c71) : c71;
                    c72 = three ? TLanes.MultiplyAdd(a7, b2, c72) : c72;
                }

                a = ref Unsafe.Add(ref a, TRows.Count);
            }
        }

        TLanes.Store(c00, ref tile);
        if (three)
        {
            TLanes.Store(c01, ref Unsafe.Add(ref tile, n));
            TLanes.Store(c02, ref Unsafe.Add(ref tile, 2 * n));
        }

        if (validRows > 1)
        {
            TLanes.Store(c10, ref Unsafe.Add(ref tile, tileStride));
            if (three)
            {
                TLanes.Store(c11, ref Unsafe.Add(ref tile, tileStride + n));
                TLanes.Store(c12, ref Unsafe.Add(ref tile, tileStride + (2 * n)));
            }
        }

        if (validRows > 2)
        {
            TLanes.Store(c20, ref Unsafe.Add(ref tile, 2 * tileStride));
            if (three)
            {
                TLanes.Store(c21, ref Unsafe.Add(ref tile, (2 * tileStride) + n));
                TLanes.Store(c22, ref Unsafe.Add(ref tile, (2 * tileStride) + (2 * n)));
            }
        }

        if (validRows > 3)
        {
            TLanes.Store(c30, ref Unsafe.Add(ref tile, 3 * tileStride));
            if (three)
            {
                TLanes.Store(c31, ref Unsafe.Add(ref tile, (3 * tileStride) + n));
                TLanes.Store(c32, ref Unsafe.Add(ref tile, (3 * tileStride) + (2 * n)));
            }
        }

        if (TRows.Count > 4 && validRows > 4)
        {
            TLanes.Store(c40, ref Unsafe.Add(ref tile, 4 * tileStride));
            if (three)
            {
                TLanes.Store(c41, ref Unsafe.Add(ref tile, (4 * tileStride) + n));
                TLanes.Store(c42, ref Unsafe.Add(ref tile, (4 * tileStride) + (2 * n)));
            }
        }

        if (TRows.Count > 5 && validRows > 5)
        {
            TLanes.Store(c50, ref Unsafe.Add(ref tile, 5 * tileStride));
            if (three)
            {
                TLanes.Store(c51, ref Unsafe.Add(ref tile, (5 * tileStride) + n));
                TLanes.Store(c52, ref Unsafe.Add(ref tile, (5 * tileStride) + (2 * n)));
            }
        }

        if (TRows.Count > 6 && validRows > 6)
        {
            TLanes.Store(c60, ref Unsafe.Add(ref tile, 6 * tileStride));
            if (three)
            {
                TLanes.Store(c61, ref Unsafe.Add(ref tile, (6 * tileStride) + n));
                TLanes.Store(c62, ref Unsafe.Add(ref tile, (6 * tileStride) + (2 * n)));
            }
        }

        if (TRows.Count > 7 && validRows > 7)
        {
            TLanes.Store(c70, ref Unsafe.Add(ref tile, 7 * tileStride));
            if (three)
            {
                TLanes.Store(c71, ref Unsafe.Add(ref tile, (7 * tileStride) + n));
                TLanes.Store(c72, ref Unsafe.Add(ref tile, (7 * tileStride) + (2 * n)));
            }
        }
    }
}

/// <summary>
/// The vectors of positions one micro-kernel block computes, as a type: three, or one for the last tile of a plane whose
/// data ends within its first vector (the second tile of a 7×7 map holds one pixel), so that the kernel does not compute
/// two vectors of positions past the data; in <see cref="FilterGradientKernel"/>, the vectors of output channels of its
/// tile (1, 2 or 3). The loop is compiled once per count.
/// </summary>
internal interface IBlockVectors
{
    /// <summary>Gets the vector count (1, 2 or 3).</summary>
    static abstract int Count { get; }
}

/// <summary>Three vectors: the whole tile.</summary>
internal readonly struct ThreeVectors : IBlockVectors
{
    public static int Count => MicroKernel.Vectors;
}

/// <summary>Two vectors: the convolutions' weight-gradient tile where the width has sixteen registers (see <see cref="FilterGradientKernel"/>).</summary>
internal readonly struct TwoVectors : IBlockVectors
{
    public static int Count => 2;
}

/// <summary>One vector: a tile's first.</summary>
internal readonly struct OneVector : IBlockVectors
{
    public static int Count => 1;
}

/// <summary>The output channels of one micro-kernel block, as a type: the kernel's loop is compiled once per height.</summary>
internal interface IBlockRows
{
    /// <summary>Gets the row count (4 or 8).</summary>
    static abstract int Count { get; }
}

/// <summary>Four rows: twelve accumulators, for sixteen vector registers.</summary>
internal readonly struct FourRows : IBlockRows
{
    public const int Value = 4;

    public static int Count => Value;
}

/// <summary>Eight rows: 24 accumulators, for the 32 vector registers of AVX-512.</summary>
internal readonly struct EightRows : IBlockRows
{
    public const int Value = 8;

    public static int Count => Value;
}
