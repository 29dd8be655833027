using System;
using System.Linq;
using SimAM.Gam.Tests.Infrastructure;
using Xunit;

namespace SimAM.Gam.Tests.ModuleTests;

/// <summary>
/// Steady-state calls allocate nothing proportional to the tensor, and nothing at all on the calling thread when they
/// run serially: the plan (packed weights) is cached per weights version and shape, the workspaces are pooled, workers
/// are struct actions over pointers. Runs alone: the process-wide allocation counter of the parallel tests would
/// otherwise count other tests' allocations.
/// </summary>
[Collection(AllocationMeasurement.Name)]
public class GamModuleAllocationTests
{
    /// <summary>
    /// What one <c>Parallel.For</c> may cost per call: CommunityToolkit's <c>ParallelHelper.For</c> boxes the struct action
    /// into an invoker and a delegate (about 100 bytes), and <c>Parallel.For</c> allocates its replicating task, loop
    /// state and per-worker bookkeeping: 1.3 to 1.8 KB measured with two workers. A busy thread pool can make it start
    /// a replica more, which finds no work left; twice the measured cost leaves room for that.
    /// </summary>
    private const long ParallelForBytes = 4096;

    /// <summary>Eval: one <c>Parallel.For</c> for whole samples per worker, three for the phases of one sample, four for packed tiles (padding split too).</summary>
    private const int EvalParallelFors = 4;

    /// <summary>Train: padding, channel MLP, convolution, moments, normalisation, convolution, moments, gate.</summary>
    private const int TrainParallelFors = 8;

    /// <summary>Golden-size, maps under 7×7, and a single sample: every call serial, both paths, both precisions.</summary>
    private static readonly int[][] s_serialShapes = [[2, 16, 8, 9], [3, 16, 5, 6], [1, 16, 3, 4]];

    [Fact]
    public void Serial_eval_calls_allocate_nothing_in_steady_state() =>
        Assert.Equal(0, SteadyState.AllocatedBytes(SerialStep(GamMode.Eval), calls: 20));

    /// <summary>
    /// Train mode changes the running statistics, and with them <see cref="GamWeights.Version"/>; but the train-mode plan
    /// holds only what the call does not change (the raw convolutions and linear layers), so the next call can reuse it.
    /// </summary>
    [Fact]
    public void Serial_train_calls_allocate_nothing_in_steady_state() =>
        Assert.Equal(0, SteadyState.AllocatedBytes(SerialStep(GamMode.Train), calls: 20));

    [Fact]
    public void Parallel_eval_calls_allocate_only_parallel_fors_bookkeeping()
    {
        // Whole samples per worker (N >= 2 workers), the phases of one sample split across workers, and packed tiles;
        // each small and large: the bound must not grow with the tensor.
        foreach (var (shape, path) in new (int[], ConvolutionPath)[]
        {
            ([4, 16, 12, 12], ConvolutionPath.Direct),
            ([8, 16, 16, 18], ConvolutionPath.Direct),
            ([1, 16, 20, 20], ConvolutionPath.Direct),
            ([1, 16, 36, 40], ConvolutionPath.Direct),
            ([4, 16, 7, 7], ConvolutionPath.Packed),
            ([16, 16, 7, 7], ConvolutionPath.Packed),
        })
        {
            var bytes = ParallelPerCallBytes(shape, path, GamMode.Eval);
            Assert.True(bytes <= EvalParallelFors * ParallelForBytes, $"[{string.Join(", ", shape)}], {path}: {bytes} bytes per eval call.");
        }
    }

    [Fact]
    public void Parallel_train_calls_allocate_only_parallel_fors_bookkeeping()
    {
        foreach (var (shape, path) in new (int[], ConvolutionPath)[]
        {
            ([2, 16, 12, 12], ConvolutionPath.Direct),
            ([4, 16, 18, 20], ConvolutionPath.Direct),
            ([4, 16, 7, 7], ConvolutionPath.Packed),
        })
        {
            var bytes = ParallelPerCallBytes(shape, path, GamMode.Train);
            Assert.True(bytes <= TrainParallelFors * ParallelForBytes, $"[{string.Join(", ", shape)}], {path}: {bytes} bytes per train call.");
        }
    }

    /// <summary>One step: every serial shape through float and double modules on both paths.</summary>
    private static Action SerialStep(GamMode mode)
    {
        var steps = (
            from shape in s_serialShapes
            from path in ModulePaths.Forced
            select SerialCalls(shape, path, mode)).ToArray();
        return () =>
        {
            foreach (var step in steps)
            {
                step();
            }
        };
    }

    /// <summary>A float and a double module (each with its own weights, as a training loop in one precision has) on one shape.</summary>
    private static Action SerialCalls(int[] shape, ConvolutionPath path, GamMode mode)
    {
        var sample = new RandomModule(shape[0], shape[1], shape[2], shape[3], 4, 16, 1, GamChannelGate.Sigmoid, 4, 21);
        var single = new GamModule(sample.CreateWeights(), sample.Options(SimAmKernel.Auto, path, 1));
        var wide = new GamModule(sample.CreateWeights(), sample.Options(SimAmKernel.Auto, path, 1));
        var x = sample.CreateInput();
        var x64 = Accuracy.Widen(x);
        var y = new float[x.Length];
        var y64 = new double[x.Length];
        return () =>
        {
            single.Forward(x, y, shape, mode);
            wide.Forward(x64, y64, shape, mode);
        };
    }

    /// <summary>The bytes a call with two threads allocates on all threads, averaged over 30 calls after 10 to warm up.</summary>
    private static long ParallelPerCallBytes(int[] shape, ConvolutionPath path, GamMode mode)
    {
        var sample = new RandomModule(shape[0], shape[1], shape[2], shape[3], 4, 16, 1, GamChannelGate.Identity, 0, 22);
        Assert.True(sample.Work >= 1_000_000, "the shape must be large enough for threads");
        var module = new GamModule(sample.CreateWeights(), sample.Options(SimAmKernel.Auto, path, 2));
        var x = sample.CreateInput();
        var y = new float[x.Length];
        for (var i = 0; i < 10; i++)
        {
            module.Forward(x, y, shape, mode);
        }

        const int Calls = 30;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < Calls; i++)
        {
            module.Forward(x, y, shape, mode);
        }

        return (GC.GetTotalAllocatedBytes(precise: true) - before) / Calls;
    }
}

/// <summary>A collection xunit runs with no other test in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasurement
{
    public const string Name = "Allocation measurement";
}
