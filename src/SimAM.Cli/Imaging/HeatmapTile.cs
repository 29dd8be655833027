namespace SimAM.Cli.Imaging;

/// <summary>One labelled map of a heatmap grid: <c>Height × Width</c> values, row-major.</summary>
/// <param name="Label">The caption drawn above the tile, e.g. <c>c0</c>.</param>
/// <param name="Values">The values, row-major, <c>Height × Width</c> of them.</param>
/// <param name="Height">Rows.</param>
/// <param name="Width">Columns.</param>
internal sealed record HeatmapTile(string Label, double[] Values, int Height, int Width);
