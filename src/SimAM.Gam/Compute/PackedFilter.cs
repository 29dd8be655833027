using System;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;

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
    /// <summary>Below this many values (a 64-channel convolution's filter) a repack is not worth a second thread.</summary>
    private const int ParallelPackValues = 1 << 18;

    /// <summary>The reduction steps one pass of <see cref="PackBlock"/> packs for every row of a block (a 4 KB part of a panel of 16 float rows).</summary>
    private const int PackStretch = 64;

    /// <summary>Packs <paramref name="weights"/> ([out, in/groups, k, k] row-major), each output channel's weights multiplied by its <paramref name="scale"/> (null: 1).</summary>
    public PackedFilter(ReadOnlySpan<double> weights, int outChannels, int inChannels, int groups, int kernelSize, ReadOnlySpan<double> scale, int rows)
        : this(outChannels, inChannels, groups, kernelSize, rows) => PackSerially(weights, scale, transposed: false);

    private PackedFilter(int outChannels, int inChannels, int groups, int kernelSize, int rows)
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
    }

    /// <summary>
    /// Packs the transpose of forward weights <paramref name="weights"/> (see <see cref="PackTransposed"/>): a filter from
    /// <paramref name="inChannels"/> channels (the forward layer's outputs) to <paramref name="outChannels"/> (its inputs).
    /// </summary>
    public static PackedFilter<T> Transposing(ReadOnlyMemory<double> weights, int outChannels, int inChannels, int groups, int kernelSize, int rows, int workers)
    {
        var filter = new PackedFilter<T>(outChannels, inChannels, groups, kernelSize, rows);
        filter.PackTransposed(weights, workers);
        return filter;
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

    /// <summary>Packs every block on the calling thread.</summary>
    private void PackSerially(ReadOnlySpan<double> weights, ReadOnlySpan<double> scale, bool transposed)
    {
        for (var block = 0; block < Groups * BlocksPerGroup; block++)
        {
            PackBlock(block, weights, scale, transposed);
        }
    }

    /// <summary>
    /// Repacks new weights of the same sizes on up to <paramref name="workers"/> threads, a block of output channels each:
    /// a training loop repacks every filter after each optimizer step (see <c>GamPlan.Refresh</c>).
    /// </summary>
    public void Pack(ReadOnlyMemory<double> weights, ReadOnlyMemory<double> scale, int workers) => PackAll(weights, scale, workers, transposed: false);

    /// <summary>Packs every block, on up to <paramref name="workers"/> threads where the filter is large enough to pay for them.</summary>
    private void PackAll(ReadOnlyMemory<double> weights, ReadOnlyMemory<double> scale, int workers, bool transposed)
    {
        if (workers <= 1 || Panels.Length < ParallelPackValues)
        {
            PackSerially(weights.Span, scale.Span, transposed);
            return;
        }

        PackInParallel(weights, scale, workers, transposed);
    }

    /// <summary>
    /// The blocks on up to <paramref name="workers"/> threads. A method of its own: the lambda's closure is allocated where
    /// its captured parameters live, so in the callers it would cost an allocation on the serial path too.
    /// </summary>
    private void PackInParallel(ReadOnlyMemory<double> weights, ReadOnlyMemory<double> scale, int workers, bool transposed) =>
        Parallel.For(0, Groups * BlocksPerGroup, new ParallelOptions { MaxDegreeOfParallelism = workers }, block => PackBlock(block, weights.Span, scale.Span, transposed));

    /// <summary>
    /// Packs the transposed and turned weights Kᵀ[i, o, kh, kw] = K[o, i, k − 1 − kh, k − 1 − kw] (within each group) of
    /// <paramref name="weights"/> = K, [in channels of this filter, out channels / groups, k, k], on up to
    /// <paramref name="workers"/> threads: a data gradient's filter, read straight from the forward weights.
    /// </summary>
    public void PackTransposed(ReadOnlyMemory<double> weights, int workers) => PackAll(weights, default, workers, transposed: true);

    /// <summary>
    /// Packs block <paramref name="index"/> (group-major) of output channels, its padding rows zero. With
    /// <paramref name="transposed"/>, <paramref name="weights"/> are the forward weights this filter transposes (see
    /// <see cref="PackTransposed"/>): this filter's output channel is their input channel, its reduction steps their output
    /// channels, and the taps run backwards.
    /// </summary>
    /// <remarks>
    /// The panel is written a small part at a time: for the transposed filter, one forward output channel's kernels of the
    /// block's rows (which lie together) into their 49 steps; for the forward one, a stretch of <see cref="PackStretch"/>
    /// steps of every row. Written a whole row at a time, the values of a row went to a line each, the whole panel once
    /// per row (400 KB per block at C = 512): a training step's repack of a 512-channel module took 27 ms.
    /// </remarks>
    private void PackBlock(int index, ReadOnlySpan<double> weights, ReadOnlySpan<double> scale, bool transposed)
    {
        var taps = KernelSize * KernelSize;
        var rows = Rows;
        var (g, b) = (index / BlocksPerGroup, index % BlocksPerGroup);
        var panel = Panels.AsSpan((int)(((long)g * BlocksPerGroup + b) * PanelLength), PanelLength);
        var valid = RowsIn(b);
        var first = FirstChannel(g, b);
        if (valid < rows)
        {
            panel.Clear();
        }

        if (transposed)
        {
            // Step (o, t) of output channel co = (g, i) reads K[g·InPerGroup + o, i, last tap − t]; the block's i are adjacent kernels.
            var i0 = first - (g * OutPerGroup);
            for (var o = 0; o < InPerGroup; o++)
            {
                var kernels = weights.Slice(((((g * InPerGroup) + o) * OutPerGroup) + i0) * taps, valid * taps);
                var steps = panel.Slice(o * taps * rows, taps * rows);
                for (var t = 0; t < taps; t++)
                {
                    var step = steps.Slice(t * rows, valid);
                    for (var r = 0; r < step.Length; r++)
                    {
                        step[r] = FromDouble(kernels[(r * taps) + taps - 1 - t]);
                    }
                }
            }

            return;
        }

        var length = InPerGroup * taps;
        var block = weights.Slice(first * length, valid * length);
        Span<double> factors = stackalloc double[rows];
        for (var r = 0; r < valid; r++)
        {
            factors[r] = scale.IsEmpty ? 1.0 : scale[first + r];
        }

        // A row's stretch of weights at a time: its values go to one small part of the panel, which stays in L1 for the others.
        for (var k0 = 0; k0 < length; k0 += PackStretch)
        {
            var count = Math.Min(PackStretch, length - k0);
            for (var r = 0; r < valid; r++)
            {
                var source = block.Slice((r * length) + k0, count);
                var factor = factors[r];
                for (var k = 0; k < source.Length; k++)
                {
                    panel[((k0 + k) * rows) + r] = FromDouble(source[k] * factor);
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
