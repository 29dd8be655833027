using System;
using System.Reflection;
using ILGPU;
using ILGPU.Runtime;

namespace SimAM.Gpu.Ilgpu.Kernels;

/// <summary>The kernels of <see cref="PlaneKernels"/>, compiled once for one accelerator (the slow step of creating a backend).</summary>
internal sealed class KernelSet
{
    public KernelSet(Accelerator accelerator)
    {
        Forward = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<double>, int, int, float>(PlaneKernels.Forward);
        Backward = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>, int, int, float, int>(PlaneKernels.Backward);
        PartialSums = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<double>, int, int, int>(PlaneKernels.PartialSums);
        PartialSquares = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<double>, ArrayView<double>, int, int, int>(PlaneKernels.PartialSquares);
        FinishStatistics = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int>(PlaneKernels.FinishStatistics);
        ForwardChunk = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<double>, int, int, int, float>(PlaneKernels.ForwardChunk);
        BackwardPartials = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<double>, ArrayView<double>, int, int, int, float>(PlaneKernels.BackwardPartials);
        BackwardChunk = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>, ArrayView<double>, int, int, int, float>(PlaneKernels.BackwardChunk);
        Add = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(PlaneKernels.Add);
    }

    /// <summary>Gets the kernel methods by name, for tests that compile them for another backend (PTX).</summary>
    public static MethodInfo Method(string name) =>
        typeof(PlaneKernels).GetMethod(name, BindingFlags.Public | BindingFlags.Static)
        ?? throw new ArgumentException($"no kernel named {name}", nameof(name));

    public Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<double>, int, int, float> Forward { get; }

    public Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>, int, int, float, int> Backward { get; }

    public Action<KernelConfig, ArrayView<float>, ArrayView<double>, int, int, int> PartialSums { get; }

    public Action<KernelConfig, ArrayView<float>, ArrayView<double>, ArrayView<double>, int, int, int> PartialSquares { get; }

    public Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int> FinishStatistics { get; }

    public Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<double>, int, int, int, float> ForwardChunk { get; }

    public Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<double>, ArrayView<double>, int, int, int, float> BackwardPartials { get; }

    public Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>, ArrayView<double>, int, int, int, float> BackwardChunk { get; }

    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>> Add { get; }
}
