using System;
using System.Collections.Generic;
using SimAM.Gpu;

namespace SimAM.Cli.Benchmarking;

/// <summary>
/// <see cref="IDeviceBench"/> for the ILGPU backend: forward with statistics kept on the device, backward from them,
/// a device-to-device copy (<see cref="IlgpuTensor.CopyTo"/>) and the 3-stream kernel (<see cref="IlgpuBackend.Add"/>).
/// </summary>
/// <param name="backend">The backend; the caller owns it.</param>
internal sealed class IlgpuDeviceBench(IlgpuBackend backend) : IDeviceBench
{
    /// <inheritdoc/>
    public string Name => backend.Name;

    /// <inheritdoc/>
    public DeviceCalls Prepare(float[] x, float[] g, int[] shape, float lambda)
    {
        var buffers = new List<IDisposable>();
        try
        {
            var xt = Keep(buffers, backend.Upload(x));
            var gt = Keep(buffers, backend.Upload(g));
            var yt = Keep(buffers, backend.CreateTensor(x.Length));
            var dxt = Keep(buffers, backend.CreateTensor(x.Length));
            var statistics = Keep(buffers, backend.CreateStatistics(SimAm.PlaneCount(shape)));
            return new DeviceCalls(
                () =>
                {
                    backend.Forward(xt, yt, shape, statistics, lambda);
                    backend.Synchronize();
                },
                () =>
                {
                    backend.Backward(xt, gt, dxt, shape, statistics, lambda);
                    backend.Synchronize();
                },
                () =>
                {
                    xt.CopyTo(yt);
                    backend.Synchronize();
                },
                () =>
                {
                    backend.Add(xt, gt, dxt);
                    backend.Synchronize();
                },
                () =>
                {
                    backend.Forward(xt, yt, shape, statistics, lambda);
                    return yt.ToArray();
                },
                new Buffers(buffers));
        }
        catch
        {
            new Buffers(buffers).Dispose();
            throw;
        }
    }

    private static T Keep<T>(List<IDisposable> buffers, T buffer)
        where T : IDisposable
    {
        buffers.Add(buffer);
        return buffer;
    }

    private sealed class Buffers(List<IDisposable> buffers) : IDisposable
    {
        public void Dispose()
        {
            foreach (var buffer in buffers)
            {
                buffer.Dispose();
            }
        }
    }
}
