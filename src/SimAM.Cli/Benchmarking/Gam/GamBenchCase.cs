using System.Collections.Generic;

namespace SimAM.Cli.Benchmarking.Gam;

/// <summary>One benchmarked GAM configuration: the input shape and the module's variant.</summary>
/// <param name="Shape">[N, C, H, W].</param>
/// <param name="Rate">C / m.</param>
/// <param name="Groups">The convolutions' groups.</param>
/// <param name="ShuffleGroups">The spatial map's shuffle groups (0 = none).</param>
internal sealed record GamBenchCase(int[] Shape, int Rate, int Groups, int ShuffleGroups)
{
    /// <summary>Gets the shapes the targets name: the default module on five shapes, and the grouped variant (groups 4, shuffle 4) on [8,256,28,28].</summary>
    public static IReadOnlyList<GamBenchCase> Standard { get; } =
    [
        new([1, 64, 56, 56], 4, 1, 0),
        new([8, 64, 56, 56], 4, 1, 0),
        new([1, 256, 28, 28], 4, 1, 0),
        new([8, 256, 28, 28], 4, 1, 0),
        new([32, 512, 7, 7], 4, 1, 0),
        new([8, 256, 28, 28], 4, 4, 4),
    ];

    /// <summary>Gets C.</summary>
    public int Channels => Shape[1];

    /// <summary>Gets m = ⌊C / rate⌋.</summary>
    public int Hidden => Channels / Rate;

    /// <summary>Gets the variant's name in tables: "default" or "grouped g=4, shuffle 4".</summary>
    public string Variant => Groups == 1 && ShuffleGroups == 0 ? "default" : $"groups {Groups}, shuffle {ShuffleGroups}";

    /// <summary>
    /// Gets the multiply-adds of one forward pass counted as 2 FLOPs each: per pixel 2·C·m for the channel MLP and
    /// 49·(C·m + m·C)/g for the two 7×7 convolutions (the element-wise work is left out).
    /// </summary>
    public double Flops => 2.0 * Shape[0] * Shape[2] * Shape[3] * ((2.0 * Channels * Hidden) + (49.0 * 2 * Channels * Hidden / Groups));

    /// <summary>Gets the two 7×7 convolutions' part of <see cref="Flops"/>: 2·49·(C·m + m·C)/g per pixel.</summary>
    public double ConvolutionFlops => 2.0 * Shape[0] * Shape[2] * Shape[3] * (49.0 * 2 * Channels * Hidden / Groups);

    /// <summary>
    /// Gets the multiply-adds of one backward pass counted as 2 FLOPs each: twice <see cref="Flops"/>, since every product
    /// of the forward pass has a data gradient and a weight gradient (the channel MLP recomputed from x and the
    /// element-wise work are left out).
    /// </summary>
    public double BackwardFlops => 2 * Flops;
}
