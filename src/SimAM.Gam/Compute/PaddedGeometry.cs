using System;
using System.Runtime.CompilerServices;

namespace SimAM.Gam.Compute;

/// <summary>
/// Where a [H, W] feature map lies inside one zero-padded plane of a convolution workspace, so that a 7×7
/// convolution with padding 3 becomes a plain one-dimensional sliding product: with a row stride of W + 3,
/// every tap (kh, kw) is the constant offset (kh − 3)·stride + (kw − 3) from an output position, for every
/// position, and the three zero columns at the end of one row are the left padding of the next.
/// </summary>
/// <remarks>
/// Layout of one plane: <see cref="DataStart"/> zeros (three zero rows and three values, so that the first
/// position's most negative tap is index 0), then H rows of W values and three zeros each, then three zero rows
/// and the slack that lets the last tile's vectors and taps run past the data without leaving the plane.
/// Positions in the zero columns are computed by the micro-kernel like any other (it never branches) and masked
/// away by the epilogues, so a convolution costs W + 3 positions per row instead of W. Plans whose convolutions run
/// through the discrete Fourier transform lay their maps out without padding (rows of W, no zero rows): the same
/// members then describe planes in which every computed position is a pixel.
/// </remarks>
internal readonly struct PaddedGeometry
{
    /// <summary>The zero padding of the 7×7 convolutions on each side.</summary>
    public const int Pad = 3;

    /// <summary>The positions an element-wise step aims to take at a time (see <see cref="ChunkRows"/>).</summary>
    public const int ChunkPositions = 256;

    /// <summary>The most positions one micro-kernel tile covers at any width, plus room for its last taps.</summary>
    private const int Slack = 128;

    /// <summary>Lays out [<paramref name="height"/>, <paramref name="width"/>] maps with <paramref name="padding"/> zeros around them.</summary>
    /// <param name="height">The map's rows.</param>
    /// <param name="width">Its columns.</param>
    /// <param name="padding">
    /// <see cref="Pad"/> for the direct convolutions, which read the zeros; 0 where the convolutions run through the
    /// discrete Fourier transform, which pads each map itself: every position is then a pixel, so the element-wise steps
    /// and the channel MLP compute no padding columns (on 7×7 maps 70 positions a plane became 49).
    /// </param>
    public PaddedGeometry(int height, int width, int padding = Pad)
    {
        Height = height;
        Width = width;
        // In long first: a map near the span limit would wrap an int here.
        var planeEnd = ((long)(height + (2 * padding)) * (width + padding)) + (2 * padding) + Slack;
        if (planeEnd > int.MaxValue / 8)
        {
            throw new ArgumentException($"a [{height}, {width}] feature map is too large for one padded plane of the convolutions.", nameof(width));
        }

        RowStride = width + padding;
        DataStart = (padding * RowStride) + padding;
        PlaneStride = (int)((planeEnd + 15) & ~15L);
    }

    public int Height { get; }

    public int Width { get; }

    /// <summary>Gets the distance between rows: W + 3 (W without padding).</summary>
    public int RowStride { get; }

    /// <summary>Gets the distance between planes, a multiple of 16 elements (64-byte lines for float).</summary>
    public int PlaneStride { get; }

    /// <summary>Gets the position of pixel (0, 0).</summary>
    public int DataStart { get; }

    /// <summary>Gets the number of positions the convolutions compute: H rows of <see cref="RowStride"/>.</summary>
    public int PositionCount => Height * RowStride;

    /// <summary>Gets the offset from an output position to its tap (0, 0).</summary>
    public int FirstTapOffset => -((Pad * RowStride) + Pad);

    public int PositionOf(int h, int w) => DataStart + (h * RowStride) + w;

    /// <summary>
    /// Gets the taps a tile whose outputs lie in image rows <paramref name="lowRow"/> to <paramref name="highRow"/> must
    /// reduce over, as a range of the (kh, kw) order: kernel row kh reads image row h + kh − 3, and the kernel rows that
    /// read only the zero rows above or below the map for every row of the tile contribute exact zeros, so they are left out.
    /// </summary>
    public (int FirstTap, int Taps) KernelRows(int lowRow, int highRow)
    {
        const int K = GamWeights.KernelSize;
        var first = Math.Max(0, Pad - Math.Min(highRow, Height - 1));
        var last = Math.Min(K - 1, Height - 1 + Pad - lowRow);
        return (first * K, (last - first + 1) * K);
    }

    /// <summary>
    /// Gets the sample, row and column of position <paramref name="p"/> of the whole batch's pixels numbered image row
    /// first, (h·N + n)·W + w: the packed convolutions' order, which keeps a tile's lanes in one or two image rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (int Sample, int Row, int Column) BatchPixel(int batch, int p)
    {
        var rowPositions = batch * Width;
        var h = p / rowPositions;
        var rest = p - (h * rowPositions);
        var n = rest / Width;
        return (n, h, rest - (n * Width));
    }

    /// <summary>Gets the index of batch position <paramref name="p"/> (see <see cref="BatchPixel"/>) in channel 0 of a buffer of <paramref name="channels"/> padded planes per sample.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long BatchIndex(int channels, int batch, int p)
    {
        var (n, h, w) = BatchPixel(batch, p);
        return ((long)n * channels * PlaneStride) + PositionOf(h, w);
    }

    /// <summary>Gets the runs of data positions among [start, start + length): each a part of one image row.</summary>
    public DataRunEnumerator DataRuns(int start, int length) => new(this, start, start + length);

    /// <summary>Copies the data positions among [<paramref name="start"/>, start + values.Length) of a padded plane to their pixels of an unpadded [H, W] plane.</summary>
    public void Unpad<T>(ReadOnlySpan<T> values, int start, Span<T> plane)
    {
        foreach (var run in DataRuns(start, values.Length))
        {
            values.Slice(run.Position - start, run.Length).CopyTo(plane.Slice(run.Pixel, run.Length));
        }
    }

    /// <summary>
    /// Gets how many whole image rows an element-wise step over a plane takes at a time: as many as
    /// <see cref="ChunkPositions"/> positions hold (at least one), so that each call runs over several short rows instead of
    /// one (on 7×7 maps a row at a time made every step a call on seven values), and a sum over one chunk stays as short as
    /// a row of a large map.
    /// </summary>
    public int ChunkRows => Math.Max(1, ChunkPositions / RowStride);

    /// <summary>Gets the positions of a chunk of <see cref="ChunkRows"/> rows (the longest chunk; more than <see cref="ChunkPositions"/> only where one row is).</summary>
    public int ChunkLength => ChunkRows * RowStride;

    /// <summary>Gets the chunk that starts at image row <paramref name="firstRow"/>: its rows (fewer at the bottom), its first padded position and its positions.</summary>
    public (int Rows, int Position, int Length) Chunk(int firstRow)
    {
        var rows = Math.Min(ChunkRows, Height - firstRow);
        return (rows, PositionOf(firstRow, 0), rows * RowStride);
    }

    /// <summary>
    /// Copies rows [<paramref name="firstRow"/>, firstRow + <paramref name="rows"/>) of an unpadded [H, W] plane into
    /// <paramref name="chunk"/> as they lie in a padded plane from <see cref="PositionOf"/>(firstRow, 0): W values and three
    /// zeros per row.
    /// </summary>
    public void PadRows<T>(ReadOnlySpan<T> plane, int firstRow, int rows, Span<T> chunk)
    {
        for (var r = 0; r < rows; r++)
        {
            var row = chunk.Slice(r * RowStride, RowStride);
            plane.Slice((firstRow + r) * Width, Width).CopyTo(row);
            row[Width..].Clear();
        }
    }

    /// <summary>Fills <paramref name="mask"/> (one plane long) with all-ones bits at data positions and zeros elsewhere.</summary>
    public void FillMask<T>(Span<T> mask, T allOnes)
        where T : unmanaged
    {
        mask.Clear();
        for (var h = 0; h < Height; h++)
        {
            mask.Slice(PositionOf(h, 0), Width).Fill(allOnes);
        }
    }
}

/// <summary>A run of data positions of a padded plane: <see cref="Length"/> values from padded position <see cref="Position"/>, pixel <see cref="Pixel"/> (h·W + w) of the unpadded plane.</summary>
internal readonly record struct DataRun(int Position, int Pixel, int Length);

/// <summary>Enumerates the <see cref="DataRun"/>s of a range of padded positions, row by row (see <see cref="PaddedGeometry.DataRuns"/>).</summary>
internal ref struct DataRunEnumerator
{
    private readonly PaddedGeometry _geometry;
    private readonly int _start;
    private readonly int _end;
    private int _row;

    public DataRunEnumerator(PaddedGeometry geometry, int start, int end)
    {
        _geometry = geometry;
        _start = start;
        _end = end;
        _row = Math.Max(0, (start - geometry.DataStart) / geometry.RowStride) - 1;
        Current = default;
    }

    public DataRun Current { get; private set; }

    public readonly DataRunEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        while (++_row < _geometry.Height)
        {
            var rowStart = _geometry.PositionOf(_row, 0);
            if (rowStart >= _end)
            {
                break;
            }

            var from = Math.Max(_start, rowStart);
            var to = Math.Min(_end, rowStart + _geometry.Width);
            if (from < to)
            {
                Current = new DataRun(from, (_row * _geometry.Width) + (from - rowStart), to - from);
                return true;
            }
        }

        _row = _geometry.Height;
        return false;
    }
}
