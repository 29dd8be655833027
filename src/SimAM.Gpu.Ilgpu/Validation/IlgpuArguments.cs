using System;
using SimAM.Validation;

namespace SimAM.Gpu.Ilgpu.Validation;

/// <summary>
/// The ILGPU backend validates with the engine's own checks (SimAM.Gpu.Ilgpu is a friend assembly of SimAM.Cpu):
/// the same order, exception types and messages, all before the first write.
/// </summary>
internal static class IlgpuArguments
{
    public static TensorGeometry Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<int> shape, int statisticsLength, float lambda) =>
        CallValidation.Forward(input, output, shape, statisticsLength, lambda, SimAmOptions.Default);

    public static TensorGeometry Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> gradInput, ReadOnlySpan<int> shape, int statisticsLength, float lambda) =>
        CallValidation.Backward(input, gradOutput, gradInput, shape, statisticsLength, lambda, SimAmOptions.Default);

    /// <summary>Checks λ, then the shape, for calls over device tensors (whose lengths are checked one by one).</summary>
    public static TensorGeometry Shape(ReadOnlySpan<int> shape, float lambda)
    {
        ArgumentChecks.Lambda(lambda);
        return TensorGeometry.FromShape(shape);
    }

    public static void Length(int actual, string name, in TensorGeometry geometry, ReadOnlySpan<int> shape)
    {
        if (actual != geometry.ElementCount)
        {
            ThrowHelper.ThrowLengthMismatch(name, actual, geometry.ElementCount, TensorGeometry.Format(shape));
        }
    }

    public static void StatisticsLength(int planes, string name, in TensorGeometry geometry) =>
        ArgumentChecks.StatisticsLength(planes, name, geometry);
}
