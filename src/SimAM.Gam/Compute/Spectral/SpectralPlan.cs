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
/// rate with no reordering of the data; the matrices are
/// </para>
/// <list type="bullet">
/// <item><c>RowAnalysis</c> [w][v, re/im] = cos, −sin of 2π·v·w/Q;</item>
/// <item><c>ColumnAnalysis</c> [h, re/im][u, re/im]: the complex factor e^{−2πi·u·h/P} as a real 2 × 2 block;</item>
/// <item>per inverse, <c>Columns</c> [u, re/im][h, re/im]: e^{+2πi·u·h/P} likewise, and <c>Rows</c> [v, re/im][w] = c_v·cos,
/// −c_v·sin of 2π·v·w/Q over P·Q, where c_v = 2 for the bins that stand for their mirror images (a real map's spectrum
/// is Hermitian) and 1 for v = 0 and, for even Q, v = Q/2.</item>
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
        var (height, width, rows, half) = (geometry.Height, geometry.Width, geometry.Rows, geometry.HalfColumns);
        RowAnalysis = new T[width * geometry.RowSpectrum];
        ColumnAnalysis = new T[2 * height * geometry.ColumnSpectrum];
        for (var v = 0; v < half; v++)
        {
            for (var w = 0; w < width; w++)
            {
                var (sin, cos) = Math.SinCos(geometry.Angle(0, 0, v, w));
                Set(RowAnalysis, geometry.RowSpectrum, w, 2 * v, cos);
                Set(RowAnalysis, geometry.RowSpectrum, w, (2 * v) + 1, -sin);
            }
        }

        for (var u = 0; u < rows; u++)
        {
            for (var h = 0; h < height; h++)
            {
                var (sin, cos) = Math.SinCos(geometry.Angle(u, h, 0, 0));
                SetBlock(ColumnAnalysis, geometry.ColumnSpectrum, h, u, cos, -sin);
            }
        }

        Map = new SpectralInverse<T>(geometry, 0, height, 0, width);
        Lags = new SpectralInverse<T>(geometry, -PaddedGeometry.Pad, GamWeights.KernelSize, -PaddedGeometry.Pad, GamWeights.KernelSize);
        Conv1 = new SpectralFilter<T>(geometry, weights.Hidden, weights.Channels);
        Conv2 = new SpectralFilter<T>(geometry, weights.OutChannels, weights.Hidden);

        Refresh(weights, workers);
    }

    public SpectralGeometry Geometry { get; }

    /// <summary>Gets the transform along a row: [pixel w][bin v, real and imaginary].</summary>
    public T[] RowAnalysis { get; }

    /// <summary>Gets the transform along a column: [row h, real and imaginary][bin u, real and imaginary].</summary>
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
        var (rows, columns, half) = (geometry.Rows, geometry.Columns, geometry.HalfColumns);
        Height = height;
        Width = width;
        ColumnLength = SpectralGeometry.Padded(2 * height);
        RowLength = SpectralGeometry.Padded(width);
        Columns = new T[2 * rows * ColumnLength];
        Rows = new T[2 * half * RowLength];
        for (var v = 0; v < half; v++)
        {
            var weight = v == 0 || 2 * v == columns ? 1.0 : 2.0;
            for (var w = 0; w < width; w++)
            {
                var (sin, cos) = Math.SinCos(geometry.Angle(0, 0, v, columnOffset + w));
                SpectralPlan<T>.Set(Rows, RowLength, 2 * v, w, weight * cos / (rows * columns));
                SpectralPlan<T>.Set(Rows, RowLength, (2 * v) + 1, w, -weight * sin / (rows * columns));
            }
        }

        for (var u = 0; u < rows; u++)
        {
            for (var h = 0; h < height; h++)
            {
                var (sin, cos) = Math.SinCos(geometry.Angle(u, rowOffset + h, 0, 0));
                SpectralPlan<T>.SetBlock(Columns, ColumnLength, u, h, cos, sin);
            }
        }
    }

    /// <summary>Gets the rows the inverse yields.</summary>
    public int Height { get; }

    /// <summary>Gets the columns the inverse yields.</summary>
    public int Width { get; }

    /// <summary>Gets the inverse along a column: [bin u, real and imaginary][row, real and imaginary].</summary>
    public T[] Columns { get; }

    /// <summary>Gets the inverse along a row, the 1/(P·Q) included: [bin v, real and imaginary][column].</summary>
    public T[] Rows { get; }

    /// <summary>Gets the padded length of a row of <see cref="Columns"/>.</summary>
    public int ColumnLength { get; }

    /// <summary>Gets the padded length of a row of <see cref="Rows"/>.</summary>
    public int RowLength { get; }
}
