using System.Collections.Generic;
using System.Globalization;

namespace SimAM.Cli.Benchmarking;

/// <summary>The tensor shapes <c>simam bench</c> runs by default: layers of common CNNs and a few odd layouts.</summary>
internal static class BenchShapes
{
    /// <summary>Gets the standard set: ResNet stages at batch 1, 8 and 32, a large image, a 3-D (NCDHW) and a 1-D (NCL) tensor.</summary>
    public static IReadOnlyList<int[]> Standard { get; } =
    [
        [1, 64, 56, 56],
        [8, 256, 56, 56],
        [32, 64, 56, 56],
        [32, 512, 28, 28],
        [32, 2048, 7, 7],
        [1, 3, 1024, 1024],
        [4, 32, 16, 32, 32],
        [16, 128, 3136],
    ];

    /// <summary>Gets the subset <c>--quick</c> runs: small, mid-sized, many-tiny-planes and 1-D, well under a minute on 2 cores.</summary>
    public static IReadOnlyList<int[]> Quick { get; } =
    [
        [1, 64, 56, 56],
        [32, 64, 56, 56],
        [32, 2048, 7, 7],
        [16, 128, 3136],
    ];

    /// <summary>Formats a shape as <c>[1,64,56,56]</c>.</summary>
    /// <param name="shape">The dimensions.</param>
    /// <returns>The text.</returns>
    public static string Format(IReadOnlyList<int> shape) =>
        "[" + string.Join(',', System.Linq.Enumerable.Select(shape, d => d.ToString(CultureInfo.InvariantCulture))) + "]";
}
