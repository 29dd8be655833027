using System;
using SimAM.Kernels;
using SimAM.Kernels.Planes;
using SimAM.Validation;

namespace SimAM.Dispatch;

/// <summary>
/// Where a call leaves the public API, and the engine's one switch from options to types: the variant becomes
/// <see cref="FastEnergy"/> or <see cref="ExactEnergy"/>, the SIMD width the float kernel of each family, and the
/// layout picks the family, channels first (<see cref="PlaneDispatch"/>) or channels last (<see cref="ChannelDispatch"/>),
/// which then picks what runs on the element type.
/// </summary>
internal static unsafe class KernelDispatch
{
    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, Span<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options)
        where T : unmanaged
    {
        fixed (T* input = x)
        fixed (T* output = y)
        fixed (PlaneStatistics* stats = statistics)
        {
            Run(new KernelCall<T>(input, null, output, x.Length, stats, statistics.Length, geometry, lambda, options, backward: false));
        }
    }

    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx, ReadOnlySpan<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options)
        where T : unmanaged
    {
        fixed (T* input = x)
        fixed (T* gradient = g)
        fixed (T* output = dx)
        fixed (PlaneStatistics* stats = statistics)
        {
            Run(new KernelCall<T>(input, gradient, output, x.Length, stats, statistics.Length, geometry, lambda, options, backward: true));
        }
    }

    private static void Run<T>(in KernelCall<T> call)
        where T : unmanaged
    {
        var width = SimAmKernels.Resolve(call.Options.Kernel);
        if (call.Options.Variant == SimAmVariant.Exact)
        {
            Run<T, ExactEnergy>(width, call);
        }
        else
        {
            Run<T, FastEnergy>(width, call);
        }
    }

    /// <summary>The only width switch: each width names its float kernel in both families.</summary>
    private static void Run<T, TVariant>(SimAmKernel width, in KernelCall<T> call)
        where T : unmanaged
        where TVariant : IEnergy
    {
        switch (width)
        {
            case SimAmKernel.Vector512:
                Run<T, PlaneKernel512, ChannelKernel512, TVariant>(call);
                break;
            case SimAmKernel.Vector256:
                Run<T, PlaneKernel256, ChannelKernel256, TVariant>(call);
                break;
            case SimAmKernel.Vector128:
                Run<T, PlaneKernel128, ChannelKernel128, TVariant>(call);
                break;
            default:
                Run<T, ScalarPlaneKernel, Kernels.Channels.ChannelVectorScalarKernel, TVariant>(call);
                break;
        }
    }

    private static void Run<T, TPlanes, TChannels, TVariant>(in KernelCall<T> call)
        where T : unmanaged
        where TPlanes : IPlaneKernel<float>
        where TChannels : Kernels.Channels.IChannelVectorKernel<float, float>
        where TVariant : IEnergy
    {
        if (call.Geometry.Layout == SimAmLayout.ChannelsLast)
        {
            ChannelDispatch.Run<T, TChannels, TVariant>(call);
        }
        else
        {
            PlaneDispatch.Run<T, TPlanes, TVariant>(call);
        }
    }
}
