using System;

namespace SimAM.Gam.Compute.Spectral;

/// <summary>
/// The sizes of the spectral form of a 7×7 "same" convolution on [H, W] maps: a circular convolution of P × Q = (H + 3) ×
/// (W + 3) values, whose half spectrum has P·(Q/2 + 1) bins.
/// </summary>
/// <remarks>
/// Why P = H + 3 suffices: an output row h reads input rows h − 3 … h + 3. In a circular array of H + 3 rows, rows H … H + 2
/// are the zero padding, and row −k wraps to row H + 3 − k, one of them, so no output ever reads a wrapped-around
/// value (the same for columns). On 7×7 maps that is a 10 × 10 transform, 60 bins: per pair of input and output channel
/// 60 complex products (240 real multiply-adds) instead of 49·49 = 2,401 taps.
/// </remarks>
internal readonly struct SpectralGeometry
{
    /// <summary>
    /// One 512-bit vector of floats: channel counts are padded to a multiple of it (the GEMMs' register tiles take two
    /// vectors of channels where two remain and one for a last 16, so 16 or 48 channels are not padded to 32 or 64).
    /// </summary>
    public const int ChannelAlignment = 16;

    /// <summary>The transforms' matrices hold their outputs in blocks of this many (zeros after the last).</summary>
    public const int OutputBlock = 8;

    /// <summary>The rows of the GEMMs' register tiles: samples in a forward product, output channels in a correlation.</summary>
    public const int TileRows = 3;

    /// <summary>
    /// The bytes of correlation spectra one weight-gradient item keeps between its GEMM and its inverses to the taps
    /// (<see cref="CorrelationRows"/>): about a core's L2 cache, so that they never go out to memory and back.
    /// </summary>
    public const int CorrelationBlockBytes = 1024 * 1024;

    public SpectralGeometry(int height, int width)
    {
        Height = height;
        Width = width;
        Rows = height + PaddedGeometry.Pad;
        Columns = width + PaddedGeometry.Pad;
        Bins = Rows * ((Columns / 2) + 1);
    }

    public int Height { get; }

    public int Width { get; }

    /// <summary>Gets P = H + 3, the rows of the circular convolution.</summary>
    public int Rows { get; }

    /// <summary>Gets Q = W + 3, its columns.</summary>
    public int Columns { get; }

    /// <summary>Gets the bins of the half spectrum, P·(Q/2 + 1).</summary>
    public int Bins { get; }

    /// <summary>Gets Q/2 + 1, the bins of one row of the half spectrum.</summary>
    public int HalfColumns => (Columns / 2) + 1;

    /// <summary>Gets the pixels of a map, H·W.</summary>
    public int Pixels => Height * Width;

    /// <summary>Gets P/2 + 1: the cosine terms of a transform along a column folded at its mirror (bins u and P − u, rows h and P − h).</summary>
    public int HalfRows => (Rows / 2) + 1;

    /// <summary>Gets (P − 1)/2: the sine terms of that fold, the pairs u, P − u with u ≠ P − u (<see cref="HalfRows"/> of them are cosines).</summary>
    public int MirrorRows => (Rows - 1) / 2;

    /// <summary>Gets (Q − 1)/2: the sine terms of a transform along a row folded at its mirror.</summary>
    public int MirrorColumns => (Columns - 1) / 2;

    /// <summary>Gets the row analysis matrix's row length: a row's Q/2 + 1 bins (real parts from the cosine rows, imaginary from the sine rows), padded.</summary>
    public int RowSpectrum => Padded(HalfColumns);

    /// <summary>Gets the column analysis matrix's row length: the P/2 + 1 cosine and (P − 1)/2 sine sums of a column, padded.</summary>
    public int ColumnSpectrum => Padded(Rows);

    /// <summary>
    /// Gets the multiply-adds per vector of planes of the analysis (rows, then columns) and of the synthesis to the map
    /// (columns, then rows). Each is folded at its mirror (see <see cref="SpectralPlan{T}"/>): along a row, the Q folded
    /// pixels to the real and to the imaginary parts of Q/2 + 1 bins; along a column, the real and the imaginary parts of H
    /// values to P sums each; back along a column, P folded bins to the H rows, for each part; back along a row, the Q/2 + 1
    /// real and imaginary parts to the even and odd halves of Q/2 + 1 columns.
    /// </summary>
    public long TransformCost =>
        ((long)Height * Columns * RowSpectrum) + ((long)HalfColumns * 2 * Height * ColumnSpectrum)
        + ((long)HalfColumns * 2 * Rows * Padded(Height)) + ((long)Height * 2 * HalfColumns * Padded(HalfColumns));

    /// <summary>Gets a channel count padded to <see cref="ChannelAlignment"/>: the row length of the spectra and filters.</summary>
    public static int PaddedChannels(int channels) => RoundUp(channels, ChannelAlignment);

    /// <summary>
    /// Gets the elements each worker needs to transform one vector of planes: the gathered pixels, the half transform
    /// between the two passes, the folded values the steps read, and an inverse's even and odd halves.
    /// </summary>
    public int WorkerScratch(int lanes)
    {
        // The inverse may yield a weight gradient's 7 × 7 lags instead of the map.
        var (height, width) = (Math.Max(Height, GamWeights.KernelSize), Math.Max(Width, GamWeights.KernelSize));
        return ((height * width) + (4 * height * HalfColumns) + (2 * Rows * HalfColumns)) * lanes;
    }

    /// <summary>
    /// Gets the output channels of one weight-gradient item: as many rows of correlation spectra (every bin, one register
    /// tile of input channels at the widest vectors) as fit <see cref="CorrelationBlockBytes"/>, a multiple of
    /// <see cref="TileRows"/>, at least one tile's rows.
    /// </summary>
    public int CorrelationRows(int outChannels, int elementSize)
    {
        var row = (long)Bins * 2 * WideTileChannels(elementSize) * elementSize;
        var rows = (int)Math.Max(TileRows, CorrelationBlockBytes / row / TileRows * TileRows);
        return Math.Min(rows, RoundUp(outChannels, TileRows));
    }

    /// <summary>Gets the elements of one weight-gradient item's correlation spectra, [bin][output channel][real, imaginary][tile channel].</summary>
    public long CorrelationLength(int outChannels, int elementSize) => (long)CorrelationRows(outChannels, elementSize) * Bins * 2 * WideTileChannels(elementSize);

    /// <summary>
    /// Gets where row <paramref name="row"/> of bin (<paramref name="u"/>, <paramref name="v"/>) starts in a layout of
    /// [bin][<paramref name="rowsPerBin"/> rows][real parts, imaginary parts][<paramref name="padded"/> channels]: the
    /// spectra (a row per sample) and the filters (a row per reduction channel) alike.
    /// </summary>
    public long SpectrumRow(int u, int v, int rowsPerBin, int row, int padded) =>
        (((((long)u * HalfColumns) + v) * rowsPerBin) + row) * 2 * padded;

    /// <summary>Gets the length of a batch's spectra of <paramref name="channels"/> planes per sample: [bin][sample][real, imaginary][channel].</summary>
    public long SpectraLength(int batch, int channels) => (long)Bins * batch * 2 * PaddedChannels(channels);

    /// <summary>The phase angle 2π·(a/P + b/Q) of bin (a, b) and offset (rows, columns), reduced before the cosine so that it stays exact.</summary>
    public double Angle(int u, int rowOffset, int v, int columnOffset)
    {
        var row = ((long)u * rowOffset % Rows + Rows) % Rows;
        var column = ((long)v * columnOffset % Columns + Columns) % Columns;
        return 2 * Math.PI * (((double)row / Rows) + ((double)column / Columns));
    }

    /// <summary>Gets a matrix row length: <paramref name="length"/> rounded up to <see cref="OutputBlock"/>.</summary>
    public static int Padded(int length) => RoundUp(length, OutputBlock);

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>The channels of the widest register tile: two 512-bit vectors.</summary>
    public static int WideTileChannels(int elementSize) => 128 / elementSize;
}
