using System;
using System.Numerics;
using SimAM.Scheduling.Channels;
using SimAM.Validation;

namespace SimAM.Kernels.Channels;

/// <summary>
/// The switch from a channels-last call's options to a channel-vector kernel type (every element type and
/// variant).
/// </summary>
internal static class ChannelVectorDispatch
{
    /// <summary>Tells whether a call takes this path: every channels-last one.</summary>
    public static bool Handles(in TensorGeometry geometry) => geometry.Layout == SimAmLayout.ChannelsLast;

    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options)
    {
        var view = ChannelView.From(geometry);
        var threads = options.EffectiveDegreeOfParallelism;
        if (IsSmallExact(geometry, options))
        {
            Forward<float, double, ChannelVectorWideningKernel<float>>(x, y, statistics, view, lambda, options.Variant, threads);
            return;
        }

        switch (SimAmKernels.Resolve(options.Kernel))
        {
            case SimAmKernel.Vector512:
                Forward<float, float, ChannelKernel512>(x, y, statistics, view, lambda, options.Variant, threads);
                break;
            case SimAmKernel.Vector256:
                Forward<float, float, ChannelKernel256>(x, y, statistics, view, lambda, options.Variant, threads);
                break;
            case SimAmKernel.Vector128:
                Forward<float, float, ChannelKernel128>(x, y, statistics, view, lambda, options.Variant, threads);
                break;
            default:
                Forward<float, float, ChannelVectorScalarKernel>(x, y, statistics, view, lambda, options.Variant, threads);
                break;
        }
    }

    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> dx, ReadOnlySpan<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options)
    {
        var view = ChannelView.From(geometry);
        var threads = options.EffectiveDegreeOfParallelism;
        if (IsSmallExact(geometry, options))
        {
            Backward<float, double, ChannelVectorWideningKernel<float>>(x, g, dx, statistics, view, lambda, options.Variant, threads);
            return;
        }

        switch (SimAmKernels.Resolve(options.Kernel))
        {
            case SimAmKernel.Vector512:
                Backward<float, float, ChannelKernel512>(x, g, dx, statistics, view, lambda, options.Variant, threads);
                break;
            case SimAmKernel.Vector256:
                Backward<float, float, ChannelKernel256>(x, g, dx, statistics, view, lambda, options.Variant, threads);
                break;
            case SimAmKernel.Vector128:
                Backward<float, float, ChannelKernel128>(x, g, dx, statistics, view, lambda, options.Variant, threads);
                break;
            default:
                Backward<float, float, ChannelVectorScalarKernel>(x, g, dx, statistics, view, lambda, options.Variant, threads);
                break;
        }
    }

    public static void Forward(ReadOnlySpan<Half> x, Span<Half> y, Span<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options)
    {
        var view = ChannelView.From(geometry);
        var threads = options.EffectiveDegreeOfParallelism;
        if (IsSmallExact(geometry, options))
        {
            Forward<Half, double, ChannelVectorWideningKernel<Half>>(x, y, statistics, view, lambda, options.Variant, threads);
            return;
        }

        switch (SimAmKernels.Resolve(options.Kernel))
        {
            case SimAmKernel.Vector512:
                Forward<Half, float, ChannelVectorHalfKernel<ChannelKernel512>>(x, y, statistics, view, lambda, options.Variant, threads);
                break;
            case SimAmKernel.Vector256:
                Forward<Half, float, ChannelVectorHalfKernel<ChannelKernel256>>(x, y, statistics, view, lambda, options.Variant, threads);
                break;
            case SimAmKernel.Vector128:
                Forward<Half, float, ChannelVectorHalfKernel<ChannelKernel128>>(x, y, statistics, view, lambda, options.Variant, threads);
                break;
            default:
                Forward<Half, float, ChannelVectorHalfKernel<ChannelVectorScalarKernel>>(x, y, statistics, view, lambda, options.Variant, threads);
                break;
        }
    }

    public static void Backward(ReadOnlySpan<Half> x, ReadOnlySpan<Half> g, Span<Half> dx, ReadOnlySpan<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options)
    {
        var view = ChannelView.From(geometry);
        var threads = options.EffectiveDegreeOfParallelism;
        if (IsSmallExact(geometry, options))
        {
            Backward<Half, double, ChannelVectorWideningKernel<Half>>(x, g, dx, statistics, view, lambda, options.Variant, threads);
            return;
        }

        switch (SimAmKernels.Resolve(options.Kernel))
        {
            case SimAmKernel.Vector512:
                Backward<Half, float, ChannelVectorHalfKernel<ChannelKernel512>>(x, g, dx, statistics, view, lambda, options.Variant, threads);
                break;
            case SimAmKernel.Vector256:
                Backward<Half, float, ChannelVectorHalfKernel<ChannelKernel256>>(x, g, dx, statistics, view, lambda, options.Variant, threads);
                break;
            case SimAmKernel.Vector128:
                Backward<Half, float, ChannelVectorHalfKernel<ChannelKernel128>>(x, g, dx, statistics, view, lambda, options.Variant, threads);
                break;
            default:
                Backward<Half, float, ChannelVectorHalfKernel<ChannelVectorScalarKernel>>(x, g, dx, statistics, view, lambda, options.Variant, threads);
                break;
        }
    }

    // Double precision has one kernel, as on the planar path: TensorPrimitives picks its own width.
    public static void Forward(ReadOnlySpan<double> x, Span<double> y, Span<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options) =>
        Forward<double, double, ChannelVectorDoubleKernel>(x, y, statistics, ChannelView.From(geometry), lambda, options.Variant, options.EffectiveDegreeOfParallelism);

    public static void Backward(ReadOnlySpan<double> x, ReadOnlySpan<double> g, Span<double> dx, ReadOnlySpan<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options) =>
        Backward<double, double, ChannelVectorDoubleKernel>(x, g, dx, statistics, ChannelView.From(geometry), lambda, options.Variant, options.EffectiveDegreeOfParallelism);

    private static bool IsSmallExact(in TensorGeometry geometry, SimAmOptions options) =>
        options.Variant == SimAmVariant.Exact && geometry.PlaneSize <= EnergyConstants.SmallExactPlane;

    private static void Forward<T, TLane, TKernel>(ReadOnlySpan<T> x, Span<T> y, Span<PlaneStatistics> statistics, in ChannelView view, double lambda, SimAmVariant variant, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TLane : unmanaged, IFloatingPointIeee754<TLane>
        where TKernel : IChannelVectorKernel<T, TLane>
    {
        if (variant == SimAmVariant.Exact)
        {
            ChannelVectorRunner<T, TLane, TKernel>.Forward<ExactEnergy>(x, y, statistics, view, lambda, variant, threads);
        }
        else
        {
            ChannelVectorRunner<T, TLane, TKernel>.Forward<FastEnergy>(x, y, statistics, view, lambda, variant, threads);
        }
    }

    private static void Backward<T, TLane, TKernel>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx, ReadOnlySpan<PlaneStatistics> statistics, in ChannelView view, double lambda, SimAmVariant variant, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TLane : unmanaged, IFloatingPointIeee754<TLane>
        where TKernel : IChannelVectorKernel<T, TLane>
    {
        if (variant == SimAmVariant.Exact)
        {
            ChannelVectorRunner<T, TLane, TKernel>.Backward<ExactEnergy>(x, g, dx, statistics, view, lambda, variant, threads);
        }
        else
        {
            ChannelVectorRunner<T, TLane, TKernel>.Backward<FastEnergy>(x, g, dx, statistics, view, lambda, variant, threads);
        }
    }
}
