using System;
using SimAM.Kernels;
using SimAM.Kernels.Planes;
using SimAM.Scheduling;

namespace SimAM.Dispatch;

/// <summary>
/// Channels first: the element type picks what runs on the width's float kernel (float the kernel itself, Half the
/// kernel behind a <see cref="ConvertingPlaneKernel{T,TWork,TInner}"/>, double <see cref="DoublePlaneKernel"/>,
/// small exact planes in double).
/// </summary>
internal static class PlaneDispatch
{
    public static void Run<T, TFloat, TVariant>(in KernelCall<T> call)
        where T : unmanaged
        where TFloat : IPlaneKernel<float>
        where TVariant : IEnergy
    {
        if (typeof(T) == typeof(double))
        {
            Run<T, double, DoublePlaneKernel, TVariant>(call);
        }
        else if (typeof(T) == typeof(float))
        {
            if (call.IsSmallExact)
            {
                Run<T, float, ConvertingPlaneKernel<float, double, DoublePlaneKernel>, TVariant>(call);
            }
            else
            {
                Run<T, float, TFloat, TVariant>(call);
            }
        }
        else if (typeof(T) == typeof(Half))
        {
            if (call.IsSmallExact)
            {
                Run<T, Half, ConvertingPlaneKernel<Half, double, DoublePlaneKernel>, TVariant>(call);
            }
            else
            {
                Run<T, Half, ConvertingPlaneKernel<Half, float, TFloat>, TVariant>(call);
            }
        }
        else
        {
            throw new NotSupportedException($"No channels-first kernel takes {typeof(T)}.");
        }
    }

    private static void Run<T, TElement, TKernel, TVariant>(in KernelCall<T> call)
        where T : unmanaged
        where TElement : unmanaged
        where TKernel : IPlaneKernel<TElement>
        where TVariant : IEnergy
    {
        if (call.IsBackward)
        {
            PlaneRunner<TElement, TKernel, TVariant>.Backward(call.Input<TElement>(), call.GradOutput<TElement>(), call.Output<TElement>(), call.Statistics, call.Geometry, call.Lambda, call.Threads, call.Streams);
        }
        else
        {
            PlaneRunner<TElement, TKernel, TVariant>.Forward(call.Input<TElement>(), call.Output<TElement>(), call.Statistics, call.Geometry, call.Lambda, call.Threads, call.Streams);
        }
    }
}
