using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security;
using System.Text;

namespace SimAM.Cli.Benchmarking;

/// <summary>
/// Draws benchmark results as an SVG of horizontal bars: per shape, the throughput (GB/s) of the forward
/// floor, SimAM forward, the TensorPrimitives chain, the backward floor and SimAM backward.
/// </summary>
internal static class BenchChart
{
    private const int Left = 150;
    private const int PlotWidth = 560;
    private const int BarHeight = 11;
    private const int GroupGap = 14;
    private const int Top = 56;

    private static readonly (string Name, string Colour, Func<BenchResult, double> GBps)[] s_series =
    [
        ("streaming floor", "#b0b0b0", r => r.FloorGBps),
        ("SimAM forward", "#21918c", r => r.ForwardGBps),
        ("TensorPrimitives chain", "#fde725", r => r.ChainGBps),
        ("3-stream floor", "#d0d0d0", r => r.ThreeStreamGBps),
        ("SimAM backward", "#440154", r => r.BackwardGBps),
    ];

    /// <summary>Writes the chart.</summary>
    /// <param name="stream">The target.</param>
    /// <param name="results">One group of bars per shape.</param>
    /// <param name="environment">The machine, for the subtitle.</param>
    /// <param name="setup">What SimAM forward and backward measured, for the subtitle.</param>
    public static void Write(Stream stream, IReadOnlyList<BenchResult> results, BenchEnvironment environment, BenchSetup setup)
    {
        var max = 1e-9;
        foreach (var r in results)
        {
            foreach (var series in s_series)
            {
                max = Math.Max(max, series.GBps(r));
            }
        }

        var scale = NiceCeiling(max);
        var groupHeight = (s_series.Length * BarHeight) + GroupGap;
        var plotHeight = results.Count * groupHeight;
        var width = Left + PlotWidth + 190;
        var height = Top + plotHeight + 56;

        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"20\" font-size=\"14\" font-weight=\"bold\">SimAM throughput, GB/s (higher is better)</text>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"38\" fill=\"#555\">{Escape($"{environment.Cpu}, {environment.LogicalProcessors} threads, {environment.Kernel}, {environment.Runtime}")}</text>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"{Top + plotHeight + 32}\" fill=\"#555\">{Escape($"SimAM: {setup.Description}; floors and TensorPrimitives chain: float32 on the CPU")}</text>");

        for (var tick = 0; tick <= 4; tick++)
        {
            var value = scale * tick / 4;
            var x = Left + (PlotWidth * tick / 4.0);
            svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{x:F1}\" y1=\"{Top - 4}\" x2=\"{x:F1}\" y2=\"{Top + plotHeight}\" stroke=\"#e5e5e5\"/>");
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{x:F1}\" y=\"{Top + plotHeight + 14}\" text-anchor=\"middle\" fill=\"#555\">{value:G4}</text>");
        }

        for (var i = 0; i < results.Count; i++)
        {
            var top = Top + (i * groupHeight);
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{Left - 8}\" y=\"{top + (s_series.Length * BarHeight / 2) + 4}\" text-anchor=\"end\">{BenchShapes.Format(results[i].Shape)}</text>");
            for (var s = 0; s < s_series.Length; s++)
            {
                var value = s_series[s].GBps(results[i]);
                var barWidth = Math.Max(0.5, PlotWidth * value / scale);
                var y = top + (s * BarHeight);
                svg.AppendLine(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{y}\" width=\"{barWidth:F1}\" height=\"{BarHeight - 2}\" fill=\"{s_series[s].Colour}\" stroke=\"#333\" stroke-width=\"0.3\"><title>{Escape(s_series[s].Name)}: {value:F1} GB/s</title></rect>");
                svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{Left + barWidth + 4:F1}\" y=\"{y + BarHeight - 3}\" font-size=\"9\" fill=\"#333\">{value:F1}</text>");
            }
        }

        var legendX = Left + PlotWidth + 40;
        for (var s = 0; s < s_series.Length; s++)
        {
            var y = Top + (s * 18);
            svg.AppendLine(CultureInfo.InvariantCulture, $"<rect x=\"{legendX}\" y=\"{y}\" width=\"12\" height=\"12\" fill=\"{s_series[s].Colour}\" stroke=\"#333\" stroke-width=\"0.3\"/>");
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{legendX + 18}\" y=\"{y + 10}\">{Escape(s_series[s].Name)}</text>");
        }

        svg.AppendLine("</svg>");
        var bytes = Encoding.UTF8.GetBytes(svg.ToString());
        stream.Write(bytes);
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? string.Empty;

    /// <summary>Rounds up to 1, 2 or 5 times a power of ten, for round axis ticks.</summary>
    private static double NiceCeiling(double value)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1.0, 2.0, 2.5, 5.0, 10.0 })
        {
            if (step * power >= value)
            {
                return step * power;
            }
        }

        return 10 * power;
    }
}
