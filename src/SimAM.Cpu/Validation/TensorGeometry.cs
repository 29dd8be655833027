using System;

namespace SimAM.Validation;

/// <summary>
/// A validated [N, C, d1, ..., dk] shape reduced to what the kernels need: how many planes, and how
/// many values each plane holds. Constructing one is the only way shapes enter the engine.
/// </summary>
internal readonly struct TensorGeometry
{
    private TensorGeometry(int planeCount, int planeSize, int channels, SimAmLayout layout)
    {
        PlaneCount = planeCount;
        PlaneSize = planeSize;
        Channels = channels;
        Layout = layout;
    }

    /// <summary>Gets N x C: the number of independent planes.</summary>
    public int PlaneCount { get; }

    /// <summary>Gets S = d1 x ... x dk: the values per plane.</summary>
    public int PlaneSize { get; }

    /// <summary>Gets the element count N x C x S.</summary>
    public int ElementCount => PlaneCount * PlaneSize;

    /// <summary>Gets C, the number of channels.</summary>
    public int Channels { get; }

    /// <summary>Gets N, the number of samples.</summary>
    public int Samples => PlaneCount / Channels;

    /// <summary>Gets the values per sample, C × S (a channels-last sample is S rows of C values).</summary>
    public int SampleLength => PlaneSize * Channels;

    /// <summary>Gets the memory layout the shape was read in.</summary>
    public SimAmLayout Layout { get; }

    /// <summary>Validates a channels-first shape. Throws before anything is written.</summary>
    public static TensorGeometry FromShape(ReadOnlySpan<int> shape) => FromShape(shape, SimAmLayout.ChannelsFirst);

    /// <summary>
    /// Validates a shape in memory order: [N, C, d1, ..., dk] channels first, [N, d1, ..., dk, C] channels
    /// last. Throws before anything is written.
    /// </summary>
    public static TensorGeometry FromShape(ReadOnlySpan<int> shape, SimAmLayout layout)
    {
        if (shape.Length < 3)
        {
            ThrowHelper.ThrowRankTooSmall(shape.Length, nameof(shape), layout);
        }

        var channelAxis = layout == SimAmLayout.ChannelsLast ? shape.Length - 1 : 1;

        long planes = 1;
        long spatial = 1;
        for (var axis = 0; axis < shape.Length; axis++)
        {
            var dimension = shape[axis];
            if (dimension <= 0)
            {
                ThrowHelper.ThrowNonPositiveDimension(axis, dimension, nameof(shape));
            }

            // Checked per step: the running product stays below 2^31 * 2^31, so it cannot wrap a long.
            if (axis == 0 || axis == channelAxis)
            {
                planes *= dimension;
            }
            else
            {
                spatial *= dimension;
            }

            if (planes * spatial > int.MaxValue)
            {
                ThrowHelper.ThrowTooManyElements(Format(shape), nameof(shape));
            }
        }

        if (spatial == 1)
        {
            ThrowHelper.ThrowSpatialSizeOne(Format(shape), nameof(shape));
        }

        return new TensorGeometry((int)planes, (int)spatial, shape[channelAxis], layout);
    }

    /// <summary>Formats a shape as [a, b, c] for error messages.</summary>
    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
