using System;

namespace SimAM.Gpu.Validation;

/// <summary>
/// The engine's argument checks, repeated here because SimAM.Cpu keeps its own internal: same order
/// (λ, shape, lengths, overlap), same exception types and messages, all before the first write.
/// Shapes go through <see cref="SimAm.PlaneCount"/>, so rank, dimension and size rules are the engine's own.
/// </summary>
internal static class GpuArguments
{
    public static TensorShape Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<int> shape, float lambda)
    {
        var geometry = Shape(shape, lambda);
        Length(input.Length, nameof(input), geometry, shape);
        Length(output.Length, nameof(output), geometry, shape);
        NoPartialOverlap(input, output, nameof(input), nameof(output));
        return geometry;
    }

    public static TensorShape Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> gradInput, ReadOnlySpan<int> shape, float lambda)
    {
        var geometry = Shape(shape, lambda);
        Length(input.Length, nameof(input), geometry, shape);
        Length(gradOutput.Length, nameof(gradOutput), geometry, shape);
        Length(gradInput.Length, nameof(gradInput), geometry, shape);
        NoPartialOverlap(input, gradInput, nameof(input), nameof(gradInput));
        NoPartialOverlap(gradOutput, gradInput, nameof(gradOutput), nameof(gradInput));
        return geometry;
    }

    /// <summary>Checks λ, then the shape; returns the plane count and size.</summary>
    public static TensorShape Shape(ReadOnlySpan<int> shape, float lambda)
    {
        if (!float.IsFinite(lambda) || lambda <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "lambda must be finite and greater than zero (the paper uses 1e-4 and 0.1).");
        }

        var planes = SimAm.PlaneCount(shape);
        var planeSize = 1;
        foreach (var dimension in shape[2..])
        {
            planeSize *= dimension; // cannot overflow: PlaneCount checked N·C·S ≤ int.MaxValue
        }

        return new TensorShape(planes, planeSize);
    }

    public static void Length(int actual, string name, TensorShape geometry, ReadOnlySpan<int> shape)
    {
        if (actual != geometry.ElementCount)
        {
            throw new ArgumentException(
                $"{name} has {actual} elements but shape {Format(shape)} needs exactly {geometry.ElementCount}.", name);
        }
    }

    private static void NoPartialOverlap(ReadOnlySpan<float> source, ReadOnlySpan<float> destination, string sourceName, string destinationName)
    {
        if (source.Overlaps(destination, out var offset) && offset != 0)
        {
            throw new ArgumentException(
                $"{sourceName} and {destinationName} partially overlap; they must be the very same buffer (in place) or not overlap at all.", destinationName);
        }
    }

    private static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}

/// <summary>A validated shape: <paramref name="Planes"/> planes (N·C) of <paramref name="PlaneSize"/> values (d1·…·dk).</summary>
internal readonly record struct TensorShape(int Planes, int PlaneSize)
{
    public int ElementCount => Planes * PlaneSize;
}
