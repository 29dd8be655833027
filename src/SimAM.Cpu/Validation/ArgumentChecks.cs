using System;

namespace SimAM.Validation;

/// <summary>
/// The checks shared by every public entry point. They run before the first write, so a rejected call
/// leaves every buffer exactly as it was.
/// </summary>
internal static class ArgumentChecks
{
    public static void Lambda(double lambda)
    {
        if (!double.IsFinite(lambda) || lambda <= 0)
        {
            ThrowHelper.ThrowInvalidLambda(lambda, nameof(lambda));
        }
    }

    public static void Length<T>(ReadOnlySpan<T> span, string name, in TensorGeometry geometry, ReadOnlySpan<int> shape) =>
        Length(span.Length, name, geometry, shape);

    /// <summary>Checks a length that is not a span's: a device tensor's, in the GPU backends.</summary>
    public static void Length(int actual, string name, in TensorGeometry geometry, ReadOnlySpan<int> shape)
    {
        if (actual != geometry.ElementCount)
        {
            ThrowHelper.ThrowLengthMismatch(name, actual, geometry.ElementCount, TensorGeometry.Format(shape));
        }
    }

    public static void StatisticsLength(int length, string name, in TensorGeometry geometry)
    {
        if (length != geometry.PlaneCount)
        {
            ThrowHelper.ThrowStatisticsLengthMismatch(name, length, geometry.PlaneCount);
        }
    }

    /// <summary>Exact aliasing is allowed (in place); any other overlap would read values already overwritten.</summary>
    public static void NoPartialOverlap<T>(ReadOnlySpan<T> source, ReadOnlySpan<T> destination, string sourceName, string destinationName)
    {
        if (source.Overlaps(destination, out var offset) && offset != 0)
        {
            ThrowHelper.ThrowPartialOverlap(sourceName, destinationName);
        }
    }
}
