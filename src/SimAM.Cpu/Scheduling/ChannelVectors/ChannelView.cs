using SimAM.Validation;

namespace SimAM.Scheduling.ChannelVectors;

/// <summary>
/// A tensor seen as channels-last samples [N, S, C]. A channels-last tensor is that already; a
/// channels-first tensor [N, C, S] is N·C samples of one channel each ([N·C, S, 1]), whose statistics
/// land at the same index n·C + c.
/// </summary>
internal readonly struct ChannelView
{
    private ChannelView(int samples, int spatial, int channels)
    {
        Samples = samples;
        Spatial = spatial;
        Channels = channels;
    }

    /// <summary>Gets the number of samples.</summary>
    public int Samples { get; }

    /// <summary>Gets S, the spatial positions (rows) per sample.</summary>
    public int Spatial { get; }

    /// <summary>Gets C, the values per row.</summary>
    public int Channels { get; }

    /// <summary>Gets S·C, the values per sample.</summary>
    public int SampleLength => Spatial * Channels;

    public static ChannelView From(in TensorGeometry geometry) =>
        geometry.Layout == SimAmLayout.ChannelsLast
            ? new ChannelView(geometry.Samples, geometry.PlaneSize, geometry.Channels)
            : new ChannelView(geometry.PlaneCount, geometry.PlaneSize, 1);
}
