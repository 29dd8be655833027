using System;
using SimAM.Kernels.Channels;
using SimAM.Validation;

namespace SimAM.Dispatch;

/// <summary>
/// Where a call leaves the public API: its layout picks the kernel family, channels-last (<see cref="ChannelVectorDispatch"/>)
/// or channels-first (<see cref="PlaneDispatch"/>), and that family resolves the rest of the options once.
/// </summary>
internal static class KernelDispatch
{
    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, Span<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options)
        where T : unmanaged
    {
        if (!ChannelVectorDispatch.Handles(geometry))
        {
            PlaneDispatch.Forward(x, y, statistics, geometry, lambda, options);
        }
        else if (typeof(T) == typeof(float))
        {
            ChannelVectorDispatch.Forward(Cast<T, float>(x), Cast<T, float>(y), statistics, geometry, lambda, options);
        }
        else if (typeof(T) == typeof(double))
        {
            ChannelVectorDispatch.Forward(Cast<T, double>(x), Cast<T, double>(y), statistics, geometry, lambda, options);
        }
        else
        {
            ChannelVectorDispatch.Forward(Cast<T, Half>(x), Cast<T, Half>(y), statistics, geometry, lambda, options);
        }
    }

    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx, ReadOnlySpan<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options)
        where T : unmanaged
    {
        if (!ChannelVectorDispatch.Handles(geometry))
        {
            PlaneDispatch.Backward(x, g, dx, statistics, geometry, lambda, options);
        }
        else if (typeof(T) == typeof(float))
        {
            ChannelVectorDispatch.Backward(Cast<T, float>(x), Cast<T, float>(g), Cast<T, float>(dx), statistics, geometry, lambda, options);
        }
        else if (typeof(T) == typeof(double))
        {
            ChannelVectorDispatch.Backward(Cast<T, double>(x), Cast<T, double>(g), Cast<T, double>(dx), statistics, geometry, lambda, options);
        }
        else
        {
            ChannelVectorDispatch.Backward(Cast<T, Half>(x), Cast<T, Half>(g), Cast<T, Half>(dx), statistics, geometry, lambda, options);
        }
    }

    private static ReadOnlySpan<TTo> Cast<TFrom, TTo>(ReadOnlySpan<TFrom> span)
        where TFrom : unmanaged
        where TTo : unmanaged => System.Runtime.InteropServices.MemoryMarshal.Cast<TFrom, TTo>(span);

    private static Span<TTo> Cast<TFrom, TTo>(Span<TFrom> span)
        where TFrom : unmanaged
        where TTo : unmanaged => System.Runtime.InteropServices.MemoryMarshal.Cast<TFrom, TTo>(span);
}
