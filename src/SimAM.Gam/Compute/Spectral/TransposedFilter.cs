using System;
using System.Runtime.CompilerServices;

namespace SimAM.Gam.Compute.Spectral;

/// <summary>
/// A data gradient's filter, one bin and register tile at a time: a data gradient is the transposed convolution,
/// ∂X[i] = Σₒ ∂Z[o]·conj(F[i, o]), so its GEMM wants, per reduction step o, the tile's input channels i side by side — a
/// column block of the forward filter's [i][o] rows, conjugated. <see cref="Transpose"/> copies that block into a worker's
/// scratch, [o][real parts of the tile, imaginary parts], where the forward GEMM's register tile reads it as it reads a
/// forward filter.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
/// <remarks>
/// Made per item instead of once per weight update: a whole transposed copy of both filters was written after every
/// optimizer step (130 MB at C = 256 on 28×28 maps; 18–21 ms of a 115 ms training step, compute and memory) and read back
/// by the data gradient, where the block here stays in the worker's cache and the forward filter is read once either way.
/// </remarks>
internal static class TransposedFilter<T>
    where T : unmanaged
{
    private const int Side = BlockTranspose.Side;

    /// <summary>Gets the scratch one tile of <paramref name="tileChannels"/> channels needs for a filter with <paramref name="outChannels"/> outputs.</summary>
    public static long BlockLength(int tileChannels, int outChannels) => 2L * tileChannels * RoundUp(outChannels);

    /// <summary>
    /// Writes into <paramref name="block"/> ([o][real, imaginary parts of <paramref name="tileChannels"/> channels]) the
    /// conjugated spectra of bin <paramref name="bin"/> of <paramref name="forward"/> from input channel <paramref name="first"/>
    /// on; channels past the filter's inputs get zeros. Exact: values are moved, and negated by their sign bit.
    /// </summary>
    /// <param name="forward">A forward filter ([bin][input channel][real, imaginary parts of the output channels]).</param>
    /// <param name="bin">The bin.</param>
    /// <param name="first">The tile's first input channel.</param>
    /// <param name="tileChannels">The tile's channels.</param>
    /// <param name="block">At least <see cref="BlockLength"/> values.</param>
    /// <param name="vectorized">Whether full blocks of floats may go through the AVX-512 transpose (tests compare both ways).</param>
    public static void Transpose(SpectralFilter<T> forward, int bin, int first, int tileChannels, Span<T> block, bool vectorized = true)
    {
        var (inputs, outputs, outPadded) = (forward.InChannels, forward.OutChannels, forward.OutPadded);
        var sourceRow = 2 * outPadded;
        var targetRow = 2 * tileChannels;
        var count = Math.Min(tileChannels, inputs - first);
        if (count <= 0)
        {
            // A tile wholly past the inputs (narrow tiles in the last padded group).
            block[..(targetRow * outputs)].Clear();
            return;
        }

        ref var source = ref forward.Values[(((long)bin * inputs) + first) * sourceRow];
        ref var target = ref block[0];
        var wide = vectorized && BlockTranspose.Applies<T>() && tileChannels % Side == 0;
        for (var i0 = 0; i0 < tileChannels; i0 += Side)
        {
            var rows = Math.Min(Side, tileChannels - i0);
            ref var targetCorner = ref Unsafe.Add(ref target, i0);
            if (wide && i0 + Side <= count)
            {
                // Every 16 outputs read columns within the padded row (zeros past the last output), and write rows within the block.
                ref var real = ref Unsafe.As<T, float>(ref Unsafe.Add(ref source, (nint)i0 * sourceRow));
                ref var realTarget = ref Unsafe.As<T, float>(ref targetCorner);
                for (var o0 = 0; o0 < outputs; o0 += Side)
                {
                    BlockTranspose.Floats16(ref Unsafe.Add(ref real, o0), sourceRow, ref Unsafe.Add(ref realTarget, (nint)o0 * targetRow), targetRow, negate: false);
                    BlockTranspose.Floats16(ref Unsafe.Add(ref real, outPadded + o0), sourceRow, ref Unsafe.Add(ref realTarget, ((nint)o0 * targetRow) + tileChannels), targetRow, negate: true);
                }

                continue;
            }

            // A value at a time; rows of the tile past the filter's inputs are zeros (and never read: they may lie past the array).
            var present = Math.Clamp(count - i0, 0, rows);
            for (var o = 0; o < outputs; o++)
            {
                ref var row = ref Unsafe.Add(ref targetCorner, (nint)o * targetRow);
                for (var i = 0; i < present; i++)
                {
                    ref var value = ref Unsafe.Add(ref source, ((nint)(i0 + i) * sourceRow) + o);
                    Unsafe.Add(ref row, i) = value;
                    Unsafe.Add(ref row, tileChannels + i) = Negate(Unsafe.Add(ref value, outPadded));
                }

                for (var i = present; i < rows; i++)
                {
                    Unsafe.Add(ref row, i) = default;
                    Unsafe.Add(ref row, tileChannels + i) = default;
                }
            }
        }
    }

    private static int RoundUp(int channels) => (channels + Side - 1) / Side * Side;

    /// <summary>−<paramref name="value"/>, exactly (the sign bit flipped).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Negate(T value)
    {
        if (typeof(T) == typeof(float))
        {
            var negated = -Unsafe.As<T, float>(ref value);
            return Unsafe.As<float, T>(ref negated);
        }

        var wide = -Unsafe.As<T, double>(ref value);
        return Unsafe.As<double, T>(ref wide);
    }
}
