using System;

namespace SimAM.Gam.Compute.Spectral;

/// <summary>
/// What the spectral convolutions of one shape need beyond the workspace: the analysis matrix (a map's pixels to its half
/// spectrum), the synthesis matrix (a half spectrum back to the map's pixels) and both convolutions' transformed weights.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
/// <remarks>
/// The transforms are dense matrices rather than FFTs: on the small maps this path takes (up to about 24×24, where
/// <see cref="GamPlan{T}"/>'s cost model stops choosing it long before) a matrix product over a vector of planes runs at
/// the FMA rate, with no reordering, and costs a fraction of the per-bin products.
/// </remarks>
internal sealed class SpectralPlan<T>
    where T : unmanaged
{
    public SpectralPlan(in SpectralGeometry geometry, GamWeights weights, int workers)
    {
        Geometry = geometry;
        var (height, width, rows, columns) = (geometry.Height, geometry.Width, geometry.Rows, geometry.Columns);
        var half = (columns / 2) + 1;
        Analysis = new T[geometry.AnalysisLength];
        Synthesis = new T[geometry.SynthesisLength];
        var components = geometry.PaddedComponents;
        var pixels = geometry.PaddedPixels;
        for (var u = 0; u < rows; u++)
        {
            for (var v = 0; v < half; v++)
            {
                var bin = (u * half) + v;

                // A real map's spectrum is Hermitian: the bins v = 1 … ⌈Q/2⌉ − 1 stand for their mirror images as well.
                var weight = v == 0 || 2 * v == columns ? 1.0 : 2.0;
                for (var h = 0; h < height; h++)
                {
                    for (var w = 0; w < width; w++)
                    {
                        var (sin, cos) = Math.SinCos(geometry.Angle(u, h, v, w));
                        var pixel = (h * width) + w;
                        Analysis[(pixel * components) + (2 * bin)] = PackedFilter<T>.FromDouble(cos);
                        Analysis[(pixel * components) + (2 * bin) + 1] = PackedFilter<T>.FromDouble(-sin);
                        Synthesis[(2 * bin * pixels) + pixel] = PackedFilter<T>.FromDouble(weight * cos / (rows * columns));
                        Synthesis[(((2 * bin) + 1) * pixels) + pixel] = PackedFilter<T>.FromDouble(-weight * sin / (rows * columns));
                    }
                }
            }
        }

        Conv1 = new SpectralFilter<T>(geometry, weights.ConvWeight1.Storage, weights.ConvBias1.Values, weights.Hidden, weights.Channels, workers);
        Conv2 = new SpectralFilter<T>(geometry, weights.ConvWeight2.Storage, weights.ConvBias2.Values, weights.OutChannels, weights.Hidden, workers);
    }

    public SpectralGeometry Geometry { get; }

    /// <summary>Gets the analysis matrix, [pixel][component]: a map's half spectrum is Σ over its pixels of the pixel's row times its value.</summary>
    public T[] Analysis { get; }

    /// <summary>Gets the synthesis matrix, [component][pixel], the 1/(P·Q) of the inverse transform included.</summary>
    public T[] Synthesis { get; }

    public SpectralFilter<T> Conv1 { get; }

    public SpectralFilter<T> Conv2 { get; }

    /// <summary>Gets the filter of convolution <paramref name="layer"/> (1 or 2).</summary>
    public SpectralFilter<T> Filter(int layer) => layer == 1 ? Conv1 : Conv2;
}
