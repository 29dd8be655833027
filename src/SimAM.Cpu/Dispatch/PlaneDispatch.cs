using System;
using SimAM.Kernels;
using SimAM.Kernels.Planes;
using SimAM.Scheduling;
using SimAM.Validation;

namespace SimAM.Dispatch;

/// <summary>
/// The channels-first family's one switch from options to types: the variant becomes <see cref="FastEnergy"/> or
/// <see cref="ExactEnergy"/>, the SIMD width a float kernel, and the element type picks what runs on it (float the
/// kernel itself, Half the kernel behind a <see cref="ConvertingPlaneKernel{T,TWork,TInner}"/>, double
/// <see cref="DoublePlaneKernel"/>).
/// </summary>
internal static unsafe class PlaneDispatch
{
    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, Span<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmOptions options)
        where T : unmanaged
    {
        fixed (T* input = x)
        fixed (T* output = y)
        fixed (PlaneStatistics* stats = statistics)
        {
            Run(options, new Call<T>(input, null, output, x.Length, stats, statistics.Length, geometry, lambda, options, backward: false));
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
            Run(options, new Call<T>(input, gradient, output, x.Length, stats, statistics.Length, geometry, lambda, options, backward: true));
        }
    }

    /// <summary>The variant and the width, resolved once per call; the only width switch of the family.</summary>
    private static void Run<T>(SimAmOptions options, Call<T> call)
        where T : unmanaged
    {
        if (options.Variant == SimAmVariant.Exact)
        {
            Run<T, ExactEnergy>(SimAmKernels.Resolve(options.Kernel), call);
        }
        else
        {
            Run<T, FastEnergy>(SimAmKernels.Resolve(options.Kernel), call);
        }
    }

    private static void Run<T, TVariant>(SimAmKernel width, Call<T> call)
        where T : unmanaged
        where TVariant : IEnergy
    {
        switch (width)
        {
            case SimAmKernel.Vector512:
                call.Run<PlaneKernel512, TVariant>();
                break;
            case SimAmKernel.Vector256:
                call.Run<PlaneKernel256, TVariant>();
                break;
            case SimAmKernel.Vector128:
                call.Run<PlaneKernel128, TVariant>();
                break;
            default:
                call.Run<ScalarPlaneKernel, TVariant>();
                break;
        }
    }

    /// <summary>One call's arguments as pointers (a struct that is a generic argument cannot hold spans).</summary>
    private readonly struct Call<T>(T* x, T* g, T* y, int length, PlaneStatistics* statistics, int statisticsLength, TensorGeometry geometry, double lambda, SimAmOptions options, bool backward)
        where T : unmanaged
    {
        /// <summary>Runs the kernel of <typeparamref name="T"/> made from the float kernel <typeparamref name="TFloat"/>.</summary>
        public void Run<TFloat, TVariant>()
            where TFloat : IPlaneKernel<float>
            where TVariant : IEnergy
        {
            var smallExact = TVariant.IsExact && geometry.PlaneSize <= EnergyConstants.SmallExactPlane;
            if (typeof(T) == typeof(double))
            {
                Run<double, DoublePlaneKernel, TVariant>();
            }
            else if (typeof(T) == typeof(float))
            {
                if (smallExact)
                {
                    Run<float, ConvertingPlaneKernel<float, double, DoublePlaneKernel>, TVariant>();
                }
                else
                {
                    Run<float, TFloat, TVariant>();
                }
            }
            else if (typeof(T) == typeof(Half))
            {
                if (smallExact)
                {
                    Run<Half, ConvertingPlaneKernel<Half, double, DoublePlaneKernel>, TVariant>();
                }
                else
                {
                    Run<Half, ConvertingPlaneKernel<Half, float, TFloat>, TVariant>();
                }
            }
            else
            {
                throw new NotSupportedException($"No channels-first kernel takes {typeof(T)}.");
            }
        }

        private void Run<TElement, TKernel, TVariant>()
            where TElement : unmanaged
            where TKernel : IPlaneKernel<TElement>
            where TVariant : IEnergy
        {
            var threads = options.EffectiveDegreeOfParallelism;
            var input = new ReadOnlySpan<TElement>(x, length);
            var output = new Span<TElement>(y, length);
            var stats = new Span<PlaneStatistics>(statistics, statisticsLength);
            if (backward)
            {
                BackwardRunner<TElement, TKernel, TVariant>.Run(input, new ReadOnlySpan<TElement>(g, length), output, stats, geometry, lambda, threads);
            }
            else
            {
                ForwardRunner<TElement, TKernel, TVariant>.Run(input, output, stats, geometry, lambda, threads);
            }
        }
    }
}
