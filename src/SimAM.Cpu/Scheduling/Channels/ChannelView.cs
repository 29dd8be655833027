using SimAM.Validation;

namespace SimAM.Scheduling.Channels;

/// <summary>A channels-last tensor as samples [N, S, C]: S rows (spatial positions) of C contiguous values.</summary>
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

    public static ChannelView From(in TensorGeometry geometry) => new(geometry.Samples, geometry.PlaneSize, geometry.Channels);
}
