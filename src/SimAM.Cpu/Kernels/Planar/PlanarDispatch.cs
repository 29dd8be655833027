using System;
using System.Numerics;
using SimAM.Kernels.ChannelVectors;
using SimAM.Scheduling.Planar;
using SimAM.Validation;

namespace SimAM.Kernels.Planar;

/// <summary>
/// The switch from a channels-first call's options to a planar kernel type, for the calls the float and
/// double planes do not take: the exact variant, and every Half tensor.
/// </summary>
internal static class PlanarDispatch
{
    /// <summary>
    /// Planes of at most this many values run the exact variant in double whatever the tensor's type: with
    /// so few neighbours a neuron can carry most of its plane's variance at a moderate E, and float's
    /// rounding of z, amplified by the cancellation in 1 − κz² (twice in the gradient, which divides by its
    /// square), exceeded the backward bound on 2 and 3 values. See docs/exact-variant.md.
    /// </summary>
    public const int SmallExactPlane = 16;

    /// <summary>Tells whether a channels-first float or double call takes this path.</summary>
    public static bool Handles(SimAmOptions options) => options.Variant == SimAmVariant.Exact;

    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options)
    {
        var threads = options.EffectiveDegreeOfParallelism;
        if (IsSmallExact(geometry, options))
        {
            Forward<float, PlanarConvertingKernel<float, double, PlanarDoubleKernel>>(x, y, statistics, geometry, lambda, options.Variant, threads);
            return;
        }

        switch (SimAmKernels.Resolve(options.Kernel))
        {
            case SimAmKernel.Vector512:
                Forward<float, PlanarKernel512>(x, y, statistics, geometry, lambda, options.Variant, threads);
                break;
            case SimAmKernel.Vector256:
                Forward<float, PlanarKernel256>(x, y, statistics, geometry, lambda, options.Variant, threads);
                break;
            case SimAmKernel.Vector128:
                Forward<float, PlanarKernel128>(x, y, statistics, geometry, lambda, options.Variant, threads);
                break;
            default:
                Forward<float, PlanarScalarKernel>(x, y, statistics, geometry, lambda, options.Variant, threads);
                break;
        }
    }

    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> dx, ReadOnlySpan<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options)
    {
        var threads = options.EffectiveDegreeOfParallelism;
        if (IsSmallExact(geometry, options))
        {
            Backward<float, PlanarConvertingKernel<float, double, PlanarDoubleKernel>>(x, g, dx, statistics, geometry, lambda, options.Variant, threads);
            return;
        }

        switch (SimAmKernels.Resolve(options.Kernel))
        {
            case SimAmKernel.Vector512:
                Backward<float, PlanarKernel512>(x, g, dx, statistics, geometry, lambda, options.Variant, threads);
                break;
            case SimAmKernel.Vector256:
                Backward<float, PlanarKernel256>(x, g, dx, statistics, geometry, lambda, options.Variant, threads);
                break;
            case SimAmKernel.Vector128:
                Backward<float, PlanarKernel128>(x, g, dx, statistics, geometry, lambda, options.Variant, threads);
                break;
            default:
                Backward<float, PlanarScalarKernel>(x, g, dx, statistics, geometry, lambda, options.Variant, threads);
                break;
        }
    }

    public static void Forward(ReadOnlySpan<Half> x, Span<Half> y, Span<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options)
    {
        var threads = options.EffectiveDegreeOfParallelism;
        if (IsSmallExact(geometry, options))
        {
            Forward<Half, PlanarConvertingKernel<Half, double, PlanarDoubleKernel>>(x, y, statistics, geometry, lambda, options.Variant, threads);
            return;
        }

        switch (SimAmKernels.Resolve(options.Kernel))
        {
            case SimAmKernel.Vector512:
                Forward<Half, PlanarConvertingKernel<Half, float, PlanarKernel512>>(x, y, statistics, geometry, lambda, options.Variant, threads);
                break;
            case SimAmKernel.Vector256:
                Forward<Half, PlanarConvertingKernel<Half, float, PlanarKernel256>>(x, y, statistics, geometry, lambda, options.Variant, threads);
                break;
            case SimAmKernel.Vector128:
                Forward<Half, PlanarConvertingKernel<Half, float, PlanarKernel128>>(x, y, statistics, geometry, lambda, options.Variant, threads);
                break;
            default:
                Forward<Half, PlanarConvertingKernel<Half, float, PlanarScalarKernel>>(x, y, statistics, geometry, lambda, options.Variant, threads);
                break;
        }
    }

    public static void Backward(ReadOnlySpan<Half> x, ReadOnlySpan<Half> g, Span<Half> dx, ReadOnlySpan<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options)
    {
        var threads = options.EffectiveDegreeOfParallelism;
        if (IsSmallExact(geometry, options))
        {
            Backward<Half, PlanarConvertingKernel<Half, double, PlanarDoubleKernel>>(x, g, dx, statistics, geometry, lambda, options.Variant, threads);
            return;
        }

        switch (SimAmKernels.Resolve(options.Kernel))
        {
            case SimAmKernel.Vector512:
                Backward<Half, PlanarConvertingKernel<Half, float, PlanarKernel512>>(x, g, dx, statistics, geometry, lambda, options.Variant, threads);
                break;
            case SimAmKernel.Vector256:
                Backward<Half, PlanarConvertingKernel<Half, float, PlanarKernel256>>(x, g, dx, statistics, geometry, lambda, options.Variant, threads);
                break;
            case SimAmKernel.Vector128:
                Backward<Half, PlanarConvertingKernel<Half, float, PlanarKernel128>>(x, g, dx, statistics, geometry, lambda, options.Variant, threads);
                break;
            default:
                Backward<Half, PlanarConvertingKernel<Half, float, PlanarScalarKernel>>(x, g, dx, statistics, geometry, lambda, options.Variant, threads);
                break;
        }
    }

    public static void Forward(ReadOnlySpan<double> x, Span<double> y, Span<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options) =>
        Forward<double, PlanarDoubleKernel>(x, y, statistics, geometry, lambda, options.Variant, options.EffectiveDegreeOfParallelism);

    public static void Backward(ReadOnlySpan<double> x, ReadOnlySpan<double> g, Span<double> dx, ReadOnlySpan<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options) =>
        Backward<double, PlanarDoubleKernel>(x, g, dx, statistics, geometry, lambda, options.Variant, options.EffectiveDegreeOfParallelism);

    private static bool IsSmallExact(in TensorGeometry geometry, SimAmOptions options) =>
        options.Variant == SimAmVariant.Exact && geometry.PlaneSize <= SmallExactPlane;

    private static void Forward<T, TKernel>(ReadOnlySpan<T> x, Span<T> y, Span<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmVariant variant, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : IPlanarKernel<T>
    {
        if (variant == SimAmVariant.Exact)
        {
            PlanarRunner<T, TKernel>.Forward<ExactEnergy>(x, y, statistics, geometry, lambda, variant, threads);
        }
        else
        {
            PlanarRunner<T, TKernel>.Forward<FastEnergy>(x, y, statistics, geometry, lambda, variant, threads);
        }
    }

    private static void Backward<T, TKernel>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx, ReadOnlySpan<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmVariant variant, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : IPlanarKernel<T>
    {
        if (variant == SimAmVariant.Exact)
        {
            PlanarRunner<T, TKernel>.Backward<ExactEnergy>(x, g, dx, statistics, geometry, lambda, variant, threads);
        }
        else
        {
            PlanarRunner<T, TKernel>.Backward<FastEnergy>(x, g, dx, statistics, geometry, lambda, variant, threads);
        }
    }
}
