using System;
using System.Runtime.CompilerServices;

namespace SimAM.Gam.Compute;

/// <summary>
/// A convolution's (or linear layer's) weights packed once into the panels the micro-kernel streams: for each
/// group and each block of <see cref="Rows"/> output channels, the weights of those channels
/// interleaved per reduction step ([input channel][kh][kw][row]), so the kernel reads them strictly in order.
/// Blocks at the end of a group are padded with zero rows; the epilogues ignore those rows.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
internal sealed class PackedFilter<T>
    where T : unmanaged
{
    /// <summary>Packs <paramref name="weights"/> ([out, in/groups, k, k] row-major), each output channel's weights multiplied by its <paramref name="scale"/> (null: 1).</summary>
    public PackedFilter(ReadOnlySpan<double> weights, int outChannels, int inChannels, int groups, int kernelSize, ReadOnlySpan<double> scale, int rows)
    {
        Rows = rows;
        OutChannels = outChannels;
        Groups = groups;
        KernelSize = kernelSize;
        InPerGroup = inChannels / groups;
        OutPerGroup = outChannels / groups;
        BlocksPerGroup = (OutPerGroup + Rows - 1) / Rows;
        var taps = kernelSize * kernelSize;
        PanelLength = InPerGroup * taps * Rows;
        Panels = new T[(long)groups * BlocksPerGroup * PanelLength];
        Shift = new T[outChannels];
        Pack(weights, scale);
    }

    /// <summary>Gets the output channels per block: <see cref="MicroKernel.Rows"/>, or <see cref="MicroKernel.WideRows"/> for the 512-bit kernel.</summary>
    public int Rows { get; }

    public int OutChannels { get; }

    public int Groups { get; }

    public int KernelSize { get; }

    public int InPerGroup { get; }

    public int OutPerGroup { get; }

    public int BlocksPerGroup { get; }

    public int PanelLength { get; }

    public T[] Panels { get; }

    /// <summary>Gets the per-output-channel constant the epilogue adds (a bias, or a folded bias and BatchNorm shift).</summary>
    public T[] Shift { get; }

    /// <summary>Gets the first output channel of a block.</summary>
    public int FirstChannel(int group, int block) => (group * OutPerGroup) + (block * Rows);

    /// <summary>Gets how many of a block's rows are real output channels.</summary>
    public int RowsIn(int block) => Math.Min(Rows, OutPerGroup - (block * Rows));

    public ref T Panel(int group, int block) =>
        ref Panels[((long)group * BlocksPerGroup + block) * PanelLength];

    /// <summary>Sets <see cref="Shift"/> from double values.</summary>
    public void SetShift(ReadOnlySpan<double> shift)
    {
        for (var i = 0; i < Shift.Length; i++)
        {
            Shift[i] = FromDouble(shift[i]);
        }
    }

    /// <summary>Repacks new weights of the same sizes (no allocation).</summary>
    public void Pack(ReadOnlySpan<double> weights, ReadOnlySpan<double> scale)
    {
        var taps = KernelSize * KernelSize;
        var rows = Rows;
        Panels.AsSpan().Clear();
        for (var g = 0; g < Groups; g++)
        {
            for (var b = 0; b < BlocksPerGroup; b++)
            {
                var panel = Panels.AsSpan((int)(((long)g * BlocksPerGroup + b) * PanelLength), PanelLength);
                for (var r = 0; r < RowsIn(b); r++)
                {
                    var co = FirstChannel(g, b) + r;
                    var s = scale.IsEmpty ? 1.0 : scale[co];
                    var source = weights.Slice(co * InPerGroup * taps, InPerGroup * taps);
                    for (var k = 0; k < source.Length; k++)
                    {
                        panel[(k * rows) + r] = FromDouble(source[k] * s);
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T FromDouble(double value)
    {
        if (typeof(T) == typeof(float))
        {
            var f = (float)value;
            return Unsafe.As<float, T>(ref f);
        }

        return Unsafe.As<double, T>(ref value);
    }
}
