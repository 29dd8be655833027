using System;
using SimAM.Kernels.ChannelVectors;
using SimAM.Kernels.Planar;
using SimAM.Scheduling;
using SimAM.Validation;

namespace SimAM.Kernels;

/// <summary>
/// The one switch from a <see cref="SimAmKernel"/> value to a specialised kernel type. Channels-last calls go on
/// to <see cref="ChannelVectorDispatch"/>; channels-first exact-variant and Half calls to <see cref="PlanarDispatch"/>.
/// </summary>
internal static class KernelDispatch
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options)
    {
        if (ChannelVectorDispatch.Handles(geometry))
        {
            ChannelVectorDispatch.Forward(x, y, statistics, geometry, lambda, options);
            return;
        }

        if (PlanarDispatch.Handles(options))
        {
            PlanarDispatch.Forward(x, y, statistics, geometry, lambda, options);
            return;
        }

        var threads = options.EffectiveDegreeOfParallelism;
        switch (SimAmKernels.Resolve(options.Kernel))
        {
            case SimAmKernel.Vector512:
                ForwardRunner<float, PlaneKernel512>.Run(x, y, statistics, geometry, lambda, threads);
                break;
            case SimAmKernel.Vector256:
                ForwardRunner<float, PlaneKernel256>.Run(x, y, statistics, geometry, lambda, threads);
                break;
            case SimAmKernel.Vector128:
                ForwardRunner<float, PlaneKernel128>.Run(x, y, statistics, geometry, lambda, threads);
                break;
            default:
                ForwardRunner<float, ScalarPlaneKernel>.Run(x, y, statistics, geometry, lambda, threads);
                break;
        }
    }

    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> dx, ReadOnlySpan<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options)
    {
        if (ChannelVectorDispatch.Handles(geometry))
        {
            ChannelVectorDispatch.Backward(x, g, dx, statistics, geometry, lambda, options);
            return;
        }

        if (PlanarDispatch.Handles(options))
        {
            PlanarDispatch.Backward(x, g, dx, statistics, geometry, lambda, options);
            return;
        }

        var threads = options.EffectiveDegreeOfParallelism;
        switch (SimAmKernels.Resolve(options.Kernel))
        {
            case SimAmKernel.Vector512:
                BackwardRunner<float, PlaneKernel512>.Run(x, g, dx, statistics, geometry, lambda, threads);
                break;
            case SimAmKernel.Vector256:
                BackwardRunner<float, PlaneKernel256>.Run(x, g, dx, statistics, geometry, lambda, threads);
                break;
            case SimAmKernel.Vector128:
                BackwardRunner<float, PlaneKernel128>.Run(x, g, dx, statistics, geometry, lambda, threads);
                break;
            default:
                BackwardRunner<float, ScalarPlaneKernel>.Run(x, g, dx, statistics, geometry, lambda, threads);
                break;
        }
    }

    // Double precision has one kernel: TensorPrimitives picks its own vector width inside it.
    public static void Forward(ReadOnlySpan<double> x, Span<double> y, Span<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options)
    {
        if (ChannelVectorDispatch.Handles(geometry))
        {
            ChannelVectorDispatch.Forward(x, y, statistics, geometry, lambda, options);
            return;
        }

        if (PlanarDispatch.Handles(options))
        {
            PlanarDispatch.Forward(x, y, statistics, geometry, lambda, options);
            return;
        }

        ForwardRunner<double, DoublePlaneKernel>.Run(x, y, statistics, geometry, lambda, options.EffectiveDegreeOfParallelism);
    }

    public static void Backward(ReadOnlySpan<double> x, ReadOnlySpan<double> g, Span<double> dx, ReadOnlySpan<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options)
    {
        if (ChannelVectorDispatch.Handles(geometry))
        {
            ChannelVectorDispatch.Backward(x, g, dx, statistics, geometry, lambda, options);
            return;
        }

        if (PlanarDispatch.Handles(options))
        {
            PlanarDispatch.Backward(x, g, dx, statistics, geometry, lambda, options);
            return;
        }

        BackwardRunner<double, DoublePlaneKernel>.Run(x, g, dx, statistics, geometry, lambda, options.EffectiveDegreeOfParallelism);
    }

    // Half converts blocks to float and runs the float kernels of the chosen path.
    public static void Forward(ReadOnlySpan<Half> x, Span<Half> y, Span<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options)
    {
        if (ChannelVectorDispatch.Handles(geometry))
        {
            ChannelVectorDispatch.Forward(x, y, statistics, geometry, lambda, options);
        }
        else
        {
            PlanarDispatch.Forward(x, y, statistics, geometry, lambda, options);
        }
    }

    public static void Backward(ReadOnlySpan<Half> x, ReadOnlySpan<Half> g, Span<Half> dx, ReadOnlySpan<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options)
    {
        if (ChannelVectorDispatch.Handles(geometry))
        {
            ChannelVectorDispatch.Backward(x, g, dx, statistics, geometry, lambda, options);
        }
        else
        {
            PlanarDispatch.Backward(x, g, dx, statistics, geometry, lambda, options);
        }
    }
}
