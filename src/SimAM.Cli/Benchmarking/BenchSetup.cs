using System;
using System.Collections.Generic;
using SimAM.Backends;

namespace SimAM.Cli.Benchmarking;

/// <summary>
/// What <c>simam bench</c> measures: the layout and element type of SimAM's tensors, and the backend that runs
/// SimAM. The baselines (memory floors, TensorPrimitives chain, scalar port) always run on the CPU in float32.
/// </summary>
/// <param name="Layout">How the measured tensors lie in memory; a channels-last run permutes each [N, C, spatial...] shape to [N, spatial..., C].</param>
/// <param name="DType">The element type of the measured tensors.</param>
/// <param name="Backend">
/// The backend measured through <see cref="ISimAmBackend"/> (host buffers; the backward pass recomputes the
/// statistics), or <see langword="null"/> for the CPU engine's <see cref="SimAm"/> calls (the backward pass uses the
/// statistics the forward pass saved). The caller owns it.
/// </param>
/// <param name="DeviceBench">
/// For a backend with device-resident tensors: times SimAM on tensors that stay on the device, against the device's own
/// copy and 3-stream floors, with the CPU engine beside it; <see langword="null"/> to time <paramref name="Backend"/> on
/// host buffers against the CPU floors.
/// </param>
internal sealed record BenchSetup(SimAmLayout Layout, BenchDType DType, ISimAmBackend? Backend, IDeviceBench? DeviceBench = null)
{
    /// <summary>Gets the default: the CPU engine on float32 channels-first tensors.</summary>
    public static BenchSetup Default { get; } = new(SimAmLayout.ChannelsFirst, BenchDType.Float32, null);

    /// <summary>Gets the bytes of one element of the measured tensors: 4 for float32, 2 for float16.</summary>
    public int ElementSize => DType == BenchDType.Float16 ? 2 : sizeof(float);

    /// <summary>Gets the <c>--dtype</c> spelling of <see cref="DType"/>.</summary>
    public string DTypeName => DType == BenchDType.Float16 ? "float16" : "float32";

    /// <summary>Gets the <c>--layout</c> spelling of <see cref="Layout"/>.</summary>
    public string LayoutName => Layout == SimAmLayout.ChannelsLast ? "nhwc" : "nchw";

    /// <summary>Gets the name of the backend that runs SimAM (<see cref="ISimAmBackend.Name"/>).</summary>
    public string BackendName => Backend?.Name ?? new CpuBackend().Name;

    /// <summary>Gets a one-line description of the setup, for the heading above the table and the chart.</summary>
    public string Description =>
        $"backend {BackendName}; layout {LayoutName}" +
        (Layout == SimAmLayout.ChannelsLast ? " (shapes [N, spatial..., C])" : string.Empty) +
        $"; dtype {DTypeName}";

    /// <summary>
    /// Gets the shape in this setup's layout: <paramref name="nchw"/> itself for channels first, [d0, d2, ..., dk, d1]
    /// for channels last (the same tensor with its channels moved last).
    /// </summary>
    /// <param name="nchw">[N, C, d1, ..., dk].</param>
    /// <returns>The shape given to the measured calls, in memory order.</returns>
    public int[] EngineShape(IReadOnlyList<int> nchw)
    {
        ArgumentNullException.ThrowIfNull(nchw);
        int[] shape = [.. nchw];
        if (Layout == SimAmLayout.ChannelsLast)
        {
            for (var axis = 1; axis < shape.Length - 1; axis++)
            {
                shape[axis] = nchw[axis + 1];
            }

            shape[^1] = nchw[1];
        }

        return shape;
    }
}
