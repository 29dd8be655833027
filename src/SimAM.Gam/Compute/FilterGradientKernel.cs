using System;
using System.Runtime.CompilerServices;
using SimAM.Gam.Compute.Lanes;

namespace SimAM.Gam.Compute;

/// <summary>
/// The weight-gradient micro-kernel of the 7×7 convolutions: ∂K[o, c, kh, kw] = Σ over the batch's pixels p of
/// ∂z[o, p] · x[c, p shifted by the tap], with the vector lanes over output channels. The output gradient is first laid
/// out pixel by pixel (<see cref="Gather"/>: [pixel][channel]), so that one load gives a pixel's gradient for a vector of
/// output channels, and each tap's input value is one broadcast. A register tile holds one kernel row's seven taps by
/// three vectors of output channels where the width has 32 registers (AVX-512: 21 accumulators, ten loads per 21 FMAs),
/// by two elsewhere (14 accumulators; with one vector, seven accumulators and eight loads per seven FMAs, training steps
/// at 256 bits were slower than with the positions' lanes), and runs over a run of the batch's pixels. A block with
/// fewer channels left runs the tile of as many vectors as it needs, and a block of one vector takes two kernel rows
/// at a time (<see cref="PairTile"/>).
/// </summary>
/// <remarks>
/// <para>
/// The forward kernel's layout, lanes over positions, made every weight end as the horizontal sum of a vector, ran over
/// the padding columns of every image row, and left a seven-tap remainder of each 49 to a narrower tile: on one thread at
/// 512 bits its weight gradients of [1,256,28,28]'s second convolution ran at 112–119 GFLOP/s and of [1,64,56,56]'s at
/// 83–91, against 159–170 and 176–192 for this layout (prototype, same data and settings). Here every accumulator lane
/// is one weight's sum, the loop runs over data pixels only, and a kernel row is skipped for the image rows where it
/// reads only the padding.
/// </para>
/// <para>
/// Each accumulator sums at most <see cref="RunPixels"/> products in the element type before they are added to double
/// sums: the runs are whole samples where a map has at most half as many pixels (a group of samples per run), else image
/// rows, else parts of one row. The runs and the order of every addition depend on the shape only, never on the threads.
/// </para>
/// </remarks>
internal static class FilterGradientKernel
{
    /// <summary>The most pixels one run of the register tile sums in the element type before its sums go to double.</summary>
    public const int RunPixels = 256;

    /// <summary>The vectors of output channels per tile at widths with 32 registers.</summary>
    public const int WideVectors = 3;

    /// <summary>The vectors of output channels per tile at widths with sixteen registers.</summary>
    public const int NarrowVectors = 2;

    private const int Size = GamWeights.KernelSize;

    /// <summary>Gets the output channels one call covers: <see cref="WideVectors"/> vectors at 512 bits, <see cref="NarrowVectors"/> elsewhere.</summary>
    public static int BlockChannels<T, TV, TLanes>()
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV> => (Unsafe.SizeOf<TV>() >= 64 ? WideVectors : NarrowVectors) * TLanes.Count;

    /// <summary>Gets the blocks a group of <paramref name="outputs"/> output channels is cut into (see <see cref="Block"/>).</summary>
    public static int Blocks<T, TV, TLanes>(int outputs)
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV>
    {
        var channels = BlockChannels<T, TV, TLanes>();
        return (outputs + channels - 1) / channels;
    }

    /// <summary>
    /// Gets block <paramref name="block"/> of a group of <paramref name="outputs"/> output channels: its first channel and
    /// its channel count. Blocks are <see cref="BlockChannels"/> wide, except where that would leave one vector after blocks
    /// of three: then the last four vectors go to two blocks of two, since a tile of one vector pays a broadcast per FMA and
    /// a tile of two shares each between two.
    /// </summary>
    public static (int First, int Channels) Block<T, TV, TLanes>(int outputs, int block)
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV>
    {
        var lanes = TLanes.Count;
        var perBlock = BlockChannels<T, TV, TLanes>() / lanes;
        var vectors = (outputs + lanes - 1) / lanes;
        var blocks = (vectors + perBlock - 1) / perBlock;
        var first = block * perBlock;
        var count = Math.Min(perBlock, vectors - first);
        if (perBlock == WideVectors && vectors % WideVectors == 1 && vectors > 1 && block >= blocks - 2)
        {
            first = ((blocks - 2) * WideVectors) + ((block - (blocks - 2)) * 2);
            count = 2;
        }

        return (first * lanes, Math.Min(count * lanes, outputs - (first * lanes)));
    }

    /// <summary>Gets the most output channels a call covers at any width, for sizing the sums.</summary>
    public static int MaxBlockChannels<T>()
        where T : unmanaged => WideVectors * 64 / Unsafe.SizeOf<T>();

    /// <summary>Gets the values between one pixel's gradients and the next in <see cref="Gather"/>'s layout: the channels, rounded up to whole 64-byte lines.</summary>
    public static int PixelStride<T>(int channels)
        where T : unmanaged
    {
        var line = 64 / Unsafe.SizeOf<T>();
        return (channels + line - 1) / line * line;
    }

    /// <summary>
    /// Gets the length of the pixel-major gradients of <paramref name="pixels"/> pixels of <paramref name="channels"/>
    /// channels, with room after the last pixel for a tile's vectors that reach past the channels (they read values
    /// nobody uses).
    /// </summary>
    public static long PixelLength<T>(long pixels, int channels)
        where T : unmanaged => (pixels * PixelStride<T>(channels)) + MaxBlockChannels<T>();

    /// <summary>
    /// Lays image row <paramref name="row"/> of one sample's gradient planes out pixel by pixel: pixels[w·stride + c] =
    /// planes[c] at (row, w), for every channel c &lt; <paramref name="channels"/> (stride <see cref="PixelStride{T}"/>).
    /// </summary>
    public static void Gather<T>(ReadOnlySpan<T> planes, in PaddedGeometry geometry, int row, int channels, Span<T> pixels)
        where T : unmanaged
    {
        var stride = PixelStride<T>(channels);
        var width = geometry.Width;
        var position = geometry.PositionOf(row, 0);
        for (var c = 0; c < channels; c++)
        {
            var source = planes.Slice((c * geometry.PlaneStride) + position, width);
            for (var w = 0; w < source.Length; w++)
            {
                pixels[(w * stride) + c] = source[w];
            }
        }
    }

    /// <summary>
    /// sums[tap·<see cref="BlockChannels"/> + j] += Σ over the <paramref name="batch"/> samples and their pixels of
    /// pixels[p·stride + j] · input[the pixel's position shifted by the tap], for the 49 taps and every j &lt;
    /// <paramref name="channels"/> (at most <see cref="BlockChannels"/>): <paramref name="pixels"/> starts at the
    /// block's first channel in <see cref="Gather"/>'s layout of the whole batch (<paramref name="stride"/> values a pixel),
    /// <paramref name="input"/> at the input channel's plane of sample 0, the samples' planes
    /// <paramref name="inputSampleStride"/> apart.
    /// </summary>
    public static void Run<T, TV, TLanes>(
        ref T pixels, int stride, int channels, ref T input, nint inputSampleStride, in PaddedGeometry geometry, int batch, Span<double> sums)
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV>
    {
        var height = geometry.Height;
        var width = geometry.Width;
        var plane = height * width;
        var blockChannels = BlockChannels<T, TV, TLanes>();
        var vectors = (channels + TLanes.Count - 1) / TLanes.Count;

        // A run: a group of whole samples, or a band of image rows of one sample, or a part of one image row.
        var samples = 2 * plane <= RunPixels ? RunPixels / plane : 1;
        var rows = samples > 1 ? height : Math.Clamp(RunPixels / width, 1, height);
        var columns = Math.Min(width, RunPixels);
        ref var sums0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(sums);
        for (var n = 0; n < batch; n += samples)
        {
            var members = Math.Min(samples, batch - n);
            for (var h0 = 0; h0 < height; h0 += rows)
            {
                var h1 = Math.Min(height, h0 + rows);
                for (var w0 = 0; w0 < width; w0 += columns)
                {
                    var count = Math.Min(columns, width - w0);
                    // One vector of channels takes kernel rows two at a time (see PairTile); the others one at a time.
                    for (var kh = 0; kh < Size; kh += vectors == 1 && kh + 1 < Size ? 2 : 1)
                    {
                        var pair = vectors == 1 && kh + 1 < Size;

                        // Kernel row kh reads image row h + kh − 3: only rows where that lies in the map have anything but zeros
                        // (a pair runs over the rows either of its kernel rows reaches; the other reads the zero padding rows).
                        var from = Math.Max(h0, PaddedGeometry.Pad - kh - (pair ? 1 : 0));
                        var to = Math.Min(h1, height + PaddedGeometry.Pad - kh);
                        if (from >= to)
                        {
                            continue;
                        }

                        ref var first = ref Unsafe.Add(ref pixels, ((((nint)n * plane) + ((nint)from * width) + w0) * stride));
                        ref var source = ref Unsafe.Add(
                            ref input, (n * inputSampleStride) + geometry.PositionOf(from, w0) + geometry.FirstTapOffset + (kh * geometry.RowStride));
                        ref var target = ref Unsafe.Add(ref sums0, kh * Size * blockChannels);
                        if (pair)
                        {
                            PairTile<T, TV, TLanes>(
                                ref first, stride, width, (nint)plane * stride, ref source, geometry.RowStride, inputSampleStride, members, to - from, count, ref target, blockChannels);
                        }
                        else if (vectors == 3)
                        {
                            Tile<T, TV, TLanes, ThreeVectors>(
                                ref first, stride, width, (nint)plane * stride, ref source, geometry.RowStride, inputSampleStride, members, to - from, count, ref target, blockChannels);
                        }
                        else if (vectors == 2)
                        {
                            Tile<T, TV, TLanes, TwoVectors>(
                                ref first, stride, width, (nint)plane * stride, ref source, geometry.RowStride, inputSampleStride, members, to - from, count, ref target, blockChannels);
                        }
                        else
                        {
                            Tile<T, TV, TLanes, OneVector>(
                                ref first, stride, width, (nint)plane * stride, ref source, geometry.RowStride, inputSampleStride, members, to - from, count, ref target, blockChannels);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// One kernel row's seven taps by <typeparamref name="TVectors"/>' count vectors of output channels over
    /// <paramref name="samples"/> samples × <paramref name="rows"/> image rows × <paramref name="columns"/> pixels, its
    /// sums added to <paramref name="sums"/> ([tap][channel], <paramref name="blockChannels"/> a tap). The vector count is a
    /// type, so each compiles to its own loop with the other vectors' code removed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<T, TV, TLanes, TVectors>(
        ref T pixels, int stride, int width, nint pixelSampleStride, ref T input, int rowStride, nint inputSampleStride, int samples, int rows, int columns,
        ref double sums, int blockChannels)
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV>
        where TVectors : struct, IBlockVectors
    {
        var n = TLanes.Count;
        var two = TVectors.Count > 1;
        var three = TVectors.Count > 2;
        TV c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32, c40, c41, c42, c50, c51, c52, c60, c61, c62;
        c00 = c01 = c02 = c10 = c11 = c12 = c20 = c21 = c22 = c30 = c31 = c32 = c40 = c41 = c42 = c50 = c51 = c52 = c60 = c61 = c62 = TLanes.Zero;
        for (var s = 0; s < samples; s++)
        {
            for (var h = 0; h < rows; h++)
            {
                ref var gradientRow = ref Unsafe.Add(ref pixels, (s * pixelSampleStride) + ((nint)h * width * stride));
                ref var inputRow = ref Unsafe.Add(ref input, (s * inputSampleStride) + ((nint)h * rowStride));
                for (nint w = 0; w < columns; w++)
                {
                    ref var g = ref Unsafe.Add(ref gradientRow, w * stride);
                    var g0 = TLanes.Load(ref g);
                    var g1 = two ? TLanes.Load(ref Unsafe.Add(ref g, n)) : TLanes.Zero;
                    var g2 = three ? TLanes.Load(ref Unsafe.Add(ref g, 2 * n)) : TLanes.Zero;
                    ref var x = ref Unsafe.Add(ref inputRow, w);
                    var b = TLanes.Broadcast(x);
                    c00 = TLanes.MultiplyAdd(g0, b, c00);
                    c01 = two ? TLanes.MultiplyAdd(g1, b, c01) : c01;
                    c02 = three ? TLanes.MultiplyAdd(g2, b, c02) : c02;
                    b = TLanes.Broadcast(Unsafe.Add(ref x, 1));
                    c10 = TLanes.MultiplyAdd(g0, b, c10);
                    c11 = two ? TLanes.MultiplyAdd(g1, b, c11) : c11;
                    c12 = three ? TLanes.MultiplyAdd(g2, b, c12) : c12;
                    b = TLanes.Broadcast(Unsafe.Add(ref x, 2));
                    c20 = TLanes.MultiplyAdd(g0, b, c20);
                    c21 = two ? TLanes.MultiplyAdd(g1, b, c21) : c21;
                    c22 = three ? TLanes.MultiplyAdd(g2, b, c22) : c22;
                    b = TLanes.Broadcast(Unsafe.Add(ref x, 3));
                    c30 = TLanes.MultiplyAdd(g0, b, c30);
                    c31 = two ? TLanes.MultiplyAdd(g1, b, c31) : c31;
                    c32 = three ? TLanes.MultiplyAdd(g2, b, c32) : c32;
                    b = TLanes.Broadcast(Unsafe.Add(ref x, 4));
                    c40 = TLanes.MultiplyAdd(g0, b, c40);
                    c41 = two ? TLanes.MultiplyAdd(g1, b, c41) : c41;
                    c42 = three ? TLanes.MultiplyAdd(g2, b, c42) : c42;
                    b = TLanes.Broadcast(Unsafe.Add(ref x, 5));
                    c50 = TLanes.MultiplyAdd(g0, b, c50);
                    c51 = two ? TLanes.MultiplyAdd(g1, b, c51) : c51;
                    c52 = three ? TLanes.MultiplyAdd(g2, b, c52) : c52;
                    b = TLanes.Broadcast(Unsafe.Add(ref x, 6));
                    c60 = TLanes.MultiplyAdd(g0, b, c60);
                    c61 = two ? TLanes.MultiplyAdd(g1, b, c61) : c61;
                    c62 = three ? TLanes.MultiplyAdd(g2, b, c62) : c62;
                }
            }
        }

        AddTap<T, TV, TLanes, TVectors>(ref sums, n, c00, c01, c02);
        AddTap<T, TV, TLanes, TVectors>(ref Unsafe.Add(ref sums, blockChannels), n, c10, c11, c12);
        AddTap<T, TV, TLanes, TVectors>(ref Unsafe.Add(ref sums, 2 * blockChannels), n, c20, c21, c22);
        AddTap<T, TV, TLanes, TVectors>(ref Unsafe.Add(ref sums, 3 * blockChannels), n, c30, c31, c32);
        AddTap<T, TV, TLanes, TVectors>(ref Unsafe.Add(ref sums, 4 * blockChannels), n, c40, c41, c42);
        AddTap<T, TV, TLanes, TVectors>(ref Unsafe.Add(ref sums, 5 * blockChannels), n, c50, c51, c52);
        AddTap<T, TV, TLanes, TVectors>(ref Unsafe.Add(ref sums, 6 * blockChannels), n, c60, c61, c62);
    }

    /// <summary>
    /// Two kernel rows' seven taps each by one vector of output channels (14 accumulators, one load of the gradient and
    /// 14 broadcasts per pixel): with one kernel row, a vector's seven accumulators were too few chains for two FMA pipes
    /// of four cycles' latency. <paramref name="input"/> is at the first kernel row's taps, the second's a padded row on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PairTile<T, TV, TLanes>(
        ref T pixels, int stride, int width, nint pixelSampleStride, ref T input, int rowStride, nint inputSampleStride, int samples, int rows, int columns,
        ref double sums, int blockChannels)
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV>
    {
        TV a0, a1, a2, a3, a4, a5, a6, b0, b1, b2, b3, b4, b5, b6;
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = b0 = b1 = b2 = b3 = b4 = b5 = b6 = TLanes.Zero;
        for (var s = 0; s < samples; s++)
        {
            for (var h = 0; h < rows; h++)
            {
                ref var gradientRow = ref Unsafe.Add(ref pixels, (s * pixelSampleStride) + ((nint)h * width * stride));
                ref var upperRow = ref Unsafe.Add(ref input, (s * inputSampleStride) + ((nint)h * rowStride));
                ref var lowerRow = ref Unsafe.Add(ref upperRow, rowStride);
                for (nint w = 0; w < columns; w++)
                {
                    var g = TLanes.Load(ref Unsafe.Add(ref gradientRow, w * stride));
                    ref var x = ref Unsafe.Add(ref upperRow, w);
                    ref var y = ref Unsafe.Add(ref lowerRow, w);
                    a0 = TLanes.MultiplyAdd(g, TLanes.Broadcast(x), a0);
                    a1 = TLanes.MultiplyAdd(g, TLanes.Broadcast(Unsafe.Add(ref x, 1)), a1);
                    a2 = TLanes.MultiplyAdd(g, TLanes.Broadcast(Unsafe.Add(ref x, 2)), a2);
                    a3 = TLanes.MultiplyAdd(g, TLanes.Broadcast(Unsafe.Add(ref x, 3)), a3);
                    a4 = TLanes.MultiplyAdd(g, TLanes.Broadcast(Unsafe.Add(ref x, 4)), a4);
                    a5 = TLanes.MultiplyAdd(g, TLanes.Broadcast(Unsafe.Add(ref x, 5)), a5);
                    a6 = TLanes.MultiplyAdd(g, TLanes.Broadcast(Unsafe.Add(ref x, 6)), a6);
                    b0 = TLanes.MultiplyAdd(g, TLanes.Broadcast(y), b0);
                    b1 = TLanes.MultiplyAdd(g, TLanes.Broadcast(Unsafe.Add(ref y, 1)), b1);
                    b2 = TLanes.MultiplyAdd(g, TLanes.Broadcast(Unsafe.Add(ref y, 2)), b2);
                    b3 = TLanes.MultiplyAdd(g, TLanes.Broadcast(Unsafe.Add(ref y, 3)), b3);
                    b4 = TLanes.MultiplyAdd(g, TLanes.Broadcast(Unsafe.Add(ref y, 4)), b4);
                    b5 = TLanes.MultiplyAdd(g, TLanes.Broadcast(Unsafe.Add(ref y, 5)), b5);
                    b6 = TLanes.MultiplyAdd(g, TLanes.Broadcast(Unsafe.Add(ref y, 6)), b6);
                }
            }
        }

        TLanes.AddWidened(a0, ref sums);
        TLanes.AddWidened(a1, ref Unsafe.Add(ref sums, blockChannels));
        TLanes.AddWidened(a2, ref Unsafe.Add(ref sums, 2 * blockChannels));
        TLanes.AddWidened(a3, ref Unsafe.Add(ref sums, 3 * blockChannels));
        TLanes.AddWidened(a4, ref Unsafe.Add(ref sums, 4 * blockChannels));
        TLanes.AddWidened(a5, ref Unsafe.Add(ref sums, 5 * blockChannels));
        TLanes.AddWidened(a6, ref Unsafe.Add(ref sums, 6 * blockChannels));
        TLanes.AddWidened(b0, ref Unsafe.Add(ref sums, 7 * blockChannels));
        TLanes.AddWidened(b1, ref Unsafe.Add(ref sums, 8 * blockChannels));
        TLanes.AddWidened(b2, ref Unsafe.Add(ref sums, 9 * blockChannels));
        TLanes.AddWidened(b3, ref Unsafe.Add(ref sums, 10 * blockChannels));
        TLanes.AddWidened(b4, ref Unsafe.Add(ref sums, 11 * blockChannels));
        TLanes.AddWidened(b5, ref Unsafe.Add(ref sums, 12 * blockChannels));
        TLanes.AddWidened(b6, ref Unsafe.Add(ref sums, 13 * blockChannels));
    }

    /// <summary>Adds one tap's accumulators, widened to double, to its sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTap<T, TV, TLanes, TVectors>(ref double sums, int n, TV first, TV second, TV third)
        where T : unmanaged
        where TV : struct
        where TLanes : ILanes<T, TV>
        where TVectors : struct, IBlockVectors
    {
        TLanes.AddWidened(first, ref sums);
        if (TVectors.Count > 1)
        {
            TLanes.AddWidened(second, ref Unsafe.Add(ref sums, n));
        }

        if (TVectors.Count > 2)
        {
            TLanes.AddWidened(third, ref Unsafe.Add(ref sums, 2 * n));
        }
    }
}
