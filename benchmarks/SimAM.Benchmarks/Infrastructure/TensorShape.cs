using System.Linq;

namespace SimAM.Benchmarks.Infrastructure;

/// <summary>A benchmark shape; its text ("8x256x56x56") is what the tables show.</summary>
public sealed class TensorShape(params int[] dimensions)
{
    public int[] Dimensions { get; } = dimensions;

    public int ElementCount => Dimensions.Aggregate(1, (a, b) => a * b);

    public int PlaneCount => Dimensions[0] * Dimensions[1];

    public int PlaneSize => ElementCount / PlaneCount;

    public double Megabytes => ElementCount * sizeof(float) / 1e6;

    /// <summary>Gets the same tensor's shape with its channels last: [N, d1, ..., dk, C] (for <see cref="SimAmLayout.ChannelsLast"/>).</summary>
    public int[] ChannelsLastDimensions => [Dimensions[0], .. Dimensions[2..], Dimensions[1]];

    /// <summary>The standard shapes of the performance issue.</summary>
    public static TensorShape[] Standard { get; } =
    [
        new(1, 64, 56, 56),     // batch-1 edge inference, cache-resident
        new(8, 256, 56, 56),
        new(32, 64, 56, 56),
        new(32, 512, 28, 28),
        new(32, 2048, 7, 7),
        new(1, 3, 1024, 1024),  // fewer planes than cores, large planes
        new(4, 32, 16, 32, 32), // 3-D
        new(16, 128, 3136),     // 1-D
    ];

    public override string ToString() => string.Join("x", Dimensions);
}
