using System;
using System.Runtime.CompilerServices;
using SimAM.Gam.Compute;

namespace SimAM.Gam.Scheduling;

/// <summary>The raw convolution maps a forward pass keeps: [N, m, H, W] and [N, out, H, W], unpadded (see <see cref="GamActivations"/>).</summary>
/// <typeparam name="T">float or double.</typeparam>
internal sealed class KeptMaps<T>
    where T : unmanaged
{
    private int _hidden;
    private int _outChannels;
    private int _plane;

    public T[] First { get; private set; } = [];

    public T[] Second { get; private set; } = [];

    public long Bytes => ((long)First.Length + Second.Length) * Unsafe.SizeOf<T>();

    public void Prepare(int batch, int hidden, int outChannels, int plane)
    {
        (_hidden, _outChannels, _plane) = (hidden, outChannels, plane);
        First = Fit(First, (long)batch * hidden * plane);
        Second = Fit(Second, (long)batch * outChannels * plane);
    }

    /// <summary>Gets channel <paramref name="channel"/> of sample <paramref name="n"/> of a layer's map (H·W values).</summary>
    public Span<T> Plane(int layer, int n, int channel) => layer == 1
        ? First.AsSpan((int)((((long)n * _hidden) + channel) * _plane), _plane)
        : Second.AsSpan((int)((((long)n * _outChannels) + channel) * _plane), _plane);

    /// <summary>Copies the data positions of a padded plane into the kept map.</summary>
    public void Keep(int layer, in PaddedGeometry geometry, ReadOnlySpan<T> padded, int n, int channel) =>
        geometry.Unpad(padded.Slice(geometry.DataStart, geometry.PositionCount), geometry.DataStart, Plane(layer, n, channel));

    private static T[] Fit(T[] current, long length)
    {
        if (length > Array.MaxLength)
        {
            throw new InsufficientMemoryException($"the activations of {length} elements exceed the largest array.");
        }

        return current.Length == length ? current : new T[length];
    }
}

/// <summary>One BatchNorm's per-channel statistics and affine map as the forward pass used them.</summary>
internal sealed class KeptStatistics
{
    public double[] Mean { get; private set; } = [];

    /// <summary>Gets 1/√(variance + eps): the batch's variance in train mode, the running one in eval mode.</summary>
    public double[] InverseDeviation { get; private set; } = [];

    public double[] Scale { get; private set; } = [];

    public double[] Shift { get; private set; } = [];

    public long Bytes => 4L * sizeof(double) * Mean.Length;

    public void Prepare(int channels)
    {
        if (Mean.Length != channels)
        {
            Mean = new double[channels];
            InverseDeviation = new double[channels];
            Scale = new double[channels];
            Shift = new double[channels];
        }
    }

    public void Set(int channel, double mean, double variance, double scale, double shift)
    {
        Mean[channel] = mean;
        InverseDeviation[channel] = 1 / Math.Sqrt(variance + BatchNormFolding.Epsilon);
        Scale[channel] = scale;
        Shift[channel] = shift;
    }
}
