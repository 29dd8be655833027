using System;
using System.Numerics;
using SimAM.Kernels;
using SimAM.Kernels.Channels;
using SimAM.Scheduling.Channels;

namespace SimAM.Dispatch;

/// <summary>
/// Channels last: the element type picks what runs on the width's float channel-vector kernel (float the kernel
/// itself, Half the kernel behind a <see cref="ConvertingChannelKernel{T,TWork,TInner}"/>, double
/// <see cref="ChannelVectorDoubleKernel"/>, small exact planes in double).
/// </summary>
internal static class ChannelDispatch
{
    public static void Run<T, TFloat, TVariant>(in KernelCall<T> call)
        where T : unmanaged
        where TFloat : IChannelVectorKernel<float, float>
        where TVariant : IEnergy
    {
        // Double precision has one kernel: TensorPrimitives picks its own width.
        if (typeof(T) == typeof(double))
        {
            Run<T, double, double, ChannelVectorDoubleKernel, TVariant>(call);
        }
        else if (typeof(T) == typeof(float))
        {
            if (call.IsSmallExact)
            {
                Run<T, float, double, ConvertingChannelKernel<float, double, ChannelVectorDoubleKernel>, TVariant>(call);
            }
            else
            {
                Run<T, float, float, TFloat, TVariant>(call);
            }
        }
        else if (typeof(T) == typeof(Half))
        {
            if (call.IsSmallExact)
            {
                Run<T, Half, double, ConvertingChannelKernel<Half, double, ChannelVectorDoubleKernel>, TVariant>(call);
            }
            else
            {
                Run<T, Half, float, ConvertingChannelKernel<Half, float, TFloat>, TVariant>(call);
            }
        }
        else
        {
            throw new NotSupportedException($"No channels-last kernel takes {typeof(T)}.");
        }
    }

    private static void Run<T, TElement, TLane, TKernel, TVariant>(in KernelCall<T> call)
        where T : unmanaged
        where TElement : unmanaged, IFloatingPointIeee754<TElement>
        where TLane : unmanaged, IFloatingPointIeee754<TLane>
        where TKernel : IChannelVectorKernel<TElement, TLane>
        where TVariant : IEnergy
    {
        var view = call.Geometry;
        var variant = call.Options.Variant;
        if (call.IsBackward)
        {
            ChannelVectorRunner<TElement, TLane, TKernel>.Backward<TVariant>(call.Input<TElement>(), call.GradOutput<TElement>(), call.Output<TElement>(), call.Statistics, view, call.Lambda, variant, call.Threads, call.Streams);
        }
        else
        {
            ChannelVectorRunner<TElement, TLane, TKernel>.Forward<TVariant>(call.Input<TElement>(), call.Output<TElement>(), call.Statistics, view, call.Lambda, variant, call.Threads, call.Streams);
        }
    }
}
