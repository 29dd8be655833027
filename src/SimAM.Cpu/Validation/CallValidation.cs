using System;

namespace SimAM.Validation;

/// <summary>
/// Everything a forward or backward call checks, in one place, before the first write. The GPU backends (friend
/// assemblies) call the same checks, so their order, exception types and messages are the engine's.
/// </summary>
internal static class CallValidation
{
    /// <summary>Checks λ, then the shape, for calls over device tensors (whose lengths are checked one by one).</summary>
    public static TensorGeometry Shape(ReadOnlySpan<int> shape, double lambda)
    {
        ArgumentChecks.Lambda(lambda);
        return TensorGeometry.FromShape(shape);
    }

    /// <summary>Validates a call; statisticsLength is -1 when the call takes no statistics.</summary>
    public static TensorGeometry Forward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> output, ReadOnlySpan<int> shape, int statisticsLength, double lambda, SimAmOptions options)
    {
        ArgumentChecks.Lambda(lambda);
        var geometry = TensorGeometry.FromShape(shape, options.Layout);
        ArgumentChecks.Length(input, nameof(input), geometry, shape);
        ArgumentChecks.Length(output, nameof(output), geometry, shape);
        ArgumentChecks.NoPartialOverlap(input, output, nameof(input), nameof(output));
        if (statisticsLength >= 0)
        {
            ArgumentChecks.StatisticsLength(statisticsLength, "statistics", geometry);
        }

        SimAmKernels.Resolve(options.Kernel);
        return geometry;
    }

    /// <summary>Validates a call; statisticsLength is -1 when the call takes no statistics.</summary>
    public static TensorGeometry Backward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, ReadOnlySpan<T> gradInput, ReadOnlySpan<int> shape, int statisticsLength, double lambda, SimAmOptions options)
    {
        ArgumentChecks.Lambda(lambda);
        var geometry = TensorGeometry.FromShape(shape, options.Layout);
        ArgumentChecks.Length(input, nameof(input), geometry, shape);
        ArgumentChecks.Length(gradOutput, nameof(gradOutput), geometry, shape);
        ArgumentChecks.Length(gradInput, nameof(gradInput), geometry, shape);
        ArgumentChecks.NoPartialOverlap(input, gradInput, nameof(input), nameof(gradInput));
        ArgumentChecks.NoPartialOverlap(gradOutput, gradInput, nameof(gradOutput), nameof(gradInput));
        if (statisticsLength >= 0)
        {
            ArgumentChecks.StatisticsLength(statisticsLength, "statistics", geometry);
        }

        SimAmKernels.Resolve(options.Kernel);
        return geometry;
    }
}
