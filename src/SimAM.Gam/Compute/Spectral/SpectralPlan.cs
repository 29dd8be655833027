using System;

namespace SimAM.Gam.Compute.Spectral;

/// <summary>
/// What the spectral convolutions of one shape need beyond the workspace: the matrices of the separable transforms and
/// both convolutions' transformed weights (which a data gradient reads transposed, see <see cref="TransposedFilter{T}"/>).
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
/// <remarks>
/// <para>
/// A map's half spectrum is a transform along its rows (W pixels to Q/2 + 1 complex bins) and then along its columns (H
/// complex values to P bins); the inverse goes back the same way, columns first and then rows, to just the rows and
/// columns it is asked for: the map's pixels (<see cref="Map"/>), or the lags −3 … 3 of a weight gradient
/// (<see cref="Lags"/>). Each step is a small dense matrix applied to a vector of planes at a time, so it runs at the FMA
/// rate with no reordering of the data.
/// </para>
/// <para>
/// Each step is folded at its mirror, which halves its multiply-adds: cos(2π·k·j/N) is the same for j and N − j and
/// sin(2π·k·j/N) changes its sign, so a transform of length N needs N/2 + 1 cosine and (N − 1)/2 sine terms, applied to
/// sums and differences of the mirrored values (or yielding the sums and differences of the mirrored results) instead of
/// N complex factors. The matrices are
/// </para>
/// <list type="bullet">
/// <item><c>RowAnalysis</c>: the Q/2 + 1 rows [w][v] = cos(2π·v·w/Q) for the folded sums x[w] + x[Q − w], then the
/// (Q − 1)/2 rows −sin(2π·v·w/Q) for the differences x[w] − x[Q − w], w ≥ 1: the real, then the imaginary parts;</item>
/// <item><c>ColumnAnalysis</c> [h][u] = cos(2π·u·h/P) for u = 0 … P/2, then sin(2π·u·h/P) for u = 1 … (P − 1)/2, applied
/// to the real and to the imaginary parts of a column; bins u and P − u are their sums and differences;</item>
/// <item>per inverse, <c>Columns</c>: the same cosine and sine rows towards the rows asked for, applied to the sums and
/// differences of the bins u and P − u, and <c>Rows</c>: per asked column's mirror representative c ≤ Q/2 the even half
/// Σ c_v·cos and the odd half Σ c_v·sin of 2π·v·c/Q over P·Q, whose difference is column c and whose sum column Q − c;
/// c_v = 2 for the bins that stand for their mirror images (a real map's spectrum is Hermitian), 1 for v = 0 and, for
/// even Q, v = Q/2.</item>
/// </list>
/// <para>Every row is padded with zeros to a multiple of <see cref="SpectralGeometry.OutputBlock"/>.</para>
/// </remarks>
internal sealed class SpectralPlan<T>
    where T : unmanaged
{
    /// <summary>Builds the transforms and both convolutions' transformed <paramref name="weights"/>.</summary>
    public SpectralPlan(in SpectralGeometry geometry, GamWeights weights, int workers)
    {
        Geometry = geometry;
        var (height, half, halfRows) = (geometry.Height, geometry.HalfColumns, geometry.HalfRows);
        RowAnalysis = new T[geometry.Columns * geometry.RowSpectrum];
        ColumnAnalysis = new T[height * geometry.ColumnSpectrum];
        for (var v = 0; v < half; v++)
        {
            for (var w = 0; w < half; w++)
            {
                Set(RowAnalysis, geometry.RowSpectrum, w, v, Math.Cos(geometry.Angle(0, 0, v, w)));
            }

            for (var w = 1; w <= geometry.MirrorColumns; w++)
            {
                Set(RowAnalysis, geometry.RowSpectrum, half + w - 1, v, -Math.Sin(geometry.Angle(0, 0, v, w)));
            }
        }

        for (var h = 0; h < height; h++)
        {
            for (var u = 0; u < halfRows; u++)
            {
                Set(ColumnAnalysis, geometry.ColumnSpectrum, h, u, Math.Cos(geometry.Angle(u, h, 0, 0)));
            }

            for (var u = 1; u <= geometry.MirrorRows; u++)
            {
                Set(ColumnAnalysis, geometry.ColumnSpectrum, h, halfRows + u - 1, Math.Sin(geometry.Angle(u, h, 0, 0)));
            }
        }

        Map = new SpectralInverse<T>(geometry, 0, height, 0, geometry.Width);
        Lags = new SpectralInverse<T>(geometry, -PaddedGeometry.Pad, GamWeights.KernelSize, -PaddedGeometry.Pad, GamWeights.KernelSize);
        Conv1 = new SpectralFilter<T>(geometry, weights.Hidden, weights.Channels);
        Conv2 = new SpectralFilter<T>(geometry, weights.OutChannels, weights.Hidden);

        Refresh(weights, workers);
    }

    public SpectralGeometry Geometry { get; }

    /// <summary>Gets the transform along a row: [folded sum w][bin v] cosines, then [folded difference w][bin v] sines.</summary>
    public T[] RowAnalysis { get; }

    /// <summary>Gets the transform along a column: [row h][cosine sums, then sine sums].</summary>
    public T[] ColumnAnalysis { get; }

    /// <summary>Gets the inverse to a map's pixels.</summary>
    public SpectralInverse<T> Map { get; }

    /// <summary>Gets the inverse to the 7 × 7 lags −3 … 3 of a circular cross-correlation: a weight gradient's taps.</summary>
    public SpectralInverse<T> Lags { get; }

    public SpectralFilter<T> Conv1 { get; }

    public SpectralFilter<T> Conv2 { get; }

    /// <summary>Gets the forward filter of convolution <paramref name="layer"/> (1 or 2).</summary>
    public SpectralFilter<T> Filter(int layer) => layer == 1 ? Conv1 : Conv2;

    /// <summary>Transforms changed <paramref name="weights"/> into the filters' own arrays (same shapes, no allocation).</summary>
    public void Refresh(GamWeights weights, int workers)
    {
        Conv1.Transform(weights.ConvWeight1.Storage, weights.ConvBias1.Values, workers);
        Conv2.Transform(weights.ConvWeight2.Storage, weights.ConvBias2.Values, workers);
    }

    internal static void Set(T[] matrix, int rowLength, int row, int column, double value) =>
        matrix[(row * rowLength) + column] = PackedFilter<T>.FromDouble(value);

    /// <summary>The complex factor cos + i·sin from input pair <paramref name="from"/> to output pair <paramref name="to"/>, as a real 2 × 2 block.</summary>
    internal static void SetBlock(T[] matrix, int rowLength, int from, int to, double cos, double sin)
    {
        // (re + i·im)·(cos + i·sin) = (re·cos − im·sin) + i·(re·sin + im·cos).
        Set(matrix, rowLength, 2 * from, 2 * to, cos);
        Set(matrix, rowLength, (2 * from) + 1, 2 * to, -sin);
        Set(matrix, rowLength, 2 * from, (2 * to) + 1, sin);
        Set(matrix, rowLength, (2 * from) + 1, (2 * to) + 1, cos);
    }
}

/// <summary>
/// An inverse transform from a half spectrum to <see cref="Height"/> × <see cref="Width"/> values of the circular array,
/// rows and columns counted from <c>rowOffset</c> and <c>columnOffset</c> (negative offsets wrap around).
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
internal sealed class SpectralInverse<T>
    where T : unmanaged
{
    public SpectralInverse(in SpectralGeometry geometry, int rowOffset, int height, int columnOffset, int width)
    {
        var (rows, columns, half, halfRows) = (geometry.Rows, geometry.Columns, geometry.HalfColumns, geometry.HalfRows);
        Height = height;
        Width = width;

        // Each column asked for is its mirror representative c ≤ Q/2 itself (even half minus odd half) or Q − c (plus).
        Representatives = new int[width];
        Mirrored = new bool[width];
        var distinct = new int[width];
        var count = 0;
        for (var w = 0; w < width; w++)
        {
            var column = ((columnOffset + w) % columns + columns) % columns;
            Mirrored[w] = 2 * column > columns;
            var representative = Mirrored[w] ? columns - column : column;
            var at = Array.IndexOf(distinct, representative, 0, count);
            if (at < 0)
            {
                at = count;
                distinct[count++] = representative;
            }

            Representatives[w] = at;
        }

        RepresentativeCount = count;

        ColumnLength = SpectralGeometry.Padded(height);
        RowLength = SpectralGeometry.Padded(count);
        Columns = new T[rows * ColumnLength];
        Rows = new T[2 * half * RowLength];
        for (var v = 0; v < half; v++)
        {
            var weight = (v == 0 || 2 * v == columns ? 1.0 : 2.0) / (rows * columns);
            for (var r = 0; r < count; r++)
            {
                var angle = geometry.Angle(0, 0, v, distinct[r]);
                SpectralPlan<T>.Set(Rows, RowLength, v, r, weight * Math.Cos(angle));
                SpectralPlan<T>.Set(Rows, RowLength, half + v, r, weight * Math.Sin(angle));
            }
        }

        for (var h = 0; h < height; h++)
        {
            for (var u = 0; u < halfRows; u++)
            {
                SpectralPlan<T>.Set(Columns, ColumnLength, u, h, Math.Cos(geometry.Angle(u, rowOffset + h, 0, 0)));
            }

            for (var u = 1; u <= geometry.MirrorRows; u++)
            {
                SpectralPlan<T>.Set(Columns, ColumnLength, halfRows + u - 1, h, Math.Sin(geometry.Angle(u, rowOffset + h, 0, 0)));
            }
        }
    }

    /// <summary>Gets the rows the inverse yields.</summary>
    public int Height { get; }

    /// <summary>Gets the columns the inverse yields.</summary>
    public int Width { get; }

    /// <summary>
    /// Gets the inverse along a column: [folded bin sum u][row] cosines for u = 0 … P/2, then [folded bin difference u][row]
    /// sines for u = 1 … (P − 1)/2.
    /// </summary>
    public T[] Columns { get; }

    /// <summary>
    /// Gets the inverse along a row, the 1/(P·Q) included: [real part of bin v][representative] cosines (the even halves), then
    /// [imaginary part of bin v][representative] sines (the odd halves).
    /// </summary>
    public T[] Rows { get; }

    /// <summary>Gets the distinct mirror representatives of the columns asked for: the outputs of each of <see cref="Rows"/>' two blocks.</summary>
    public int RepresentativeCount { get; }

    /// <summary>Gets, per column asked for, the index of its mirror representative among the matrix's outputs.</summary>
    public int[] Representatives { get; }

    /// <summary>Gets, per column asked for, whether it is its representative's mirror (even plus odd half) rather than itself (even minus odd).</summary>
    public bool[] Mirrored { get; }

    /// <summary>Gets the padded length of a row of <see cref="Columns"/>.</summary>
    public int ColumnLength { get; }

    /// <summary>Gets the padded length of a row of <see cref="Rows"/>.</summary>
    public int RowLength { get; }
}
