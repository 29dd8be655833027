using System;

namespace SimAM.Cli.Benchmarking;

/// <summary>A GPU backend timed on tensors that stay in its memory, against floors measured on the same device.</summary>
internal interface IDeviceBench
{
    /// <summary>Gets the backend's name, for messages.</summary>
    string Name { get; }

    /// <summary>Uploads x and g ([N, C, spatial...], float32) and prepares the calls to time.</summary>
    /// <param name="x">The input.</param>
    /// <param name="g">The output gradient.</param>
    /// <param name="shape">[N, C, d1, ..., dk].</param>
    /// <param name="lambda">λ.</param>
    /// <returns>The calls, each of which waits for the device before returning.</returns>
    DeviceCalls Prepare(float[] x, float[] g, int[] shape, float lambda);
}

/// <summary>The device-resident calls of one shape. Each waits until the device has finished it.</summary>
/// <param name="Forward">y = SimAM(x), keeping the statistics on the device.</param>
/// <param name="Backward">dx from x, g and the kept statistics.</param>
/// <param name="Copy">A device-to-device copy of x: the floor of a forward pass.</param>
/// <param name="ThreeStream">dx = x + g on the device: the floor of a backward pass.</param>
/// <param name="ForwardResult">Runs the forward pass once and downloads y, to check it against the engine.</param>
/// <param name="Resources">The device buffers, freed after the shape.</param>
internal sealed record DeviceCalls(Action Forward, Action Backward, Action Copy, Action ThreeStream, Func<float[]> ForwardResult, IDisposable Resources);
