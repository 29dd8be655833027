using System;
using System.Linq;
using SimAM.Gam.Tests.Infrastructure;
using SimAM.Gam.Tests.ModuleTests;
using Xunit;

namespace SimAM.Gam.Tests.Backward;

/// <summary>
/// A training step's pair of calls, a float train-mode forward pass keeping activations and its backward pass, allocates
/// nothing in steady state when it runs serially, and only <c>Parallel.For</c>'s bookkeeping with threads: the activations
/// and the workspace (with its backward buffers) are reused, and the gradients are added in place. Runs alone, as
/// <see cref="GamModuleAllocationTests"/> does: the process-wide counter would otherwise count other tests' allocations.
/// </summary>
[Collection(AllocationMeasurement.Name)]
public class GamBackwardAllocationTests
{
    /// <summary>What one <c>Parallel.For</c> may cost per call, as in <see cref="GamModuleAllocationTests"/>: about 1.3 to 1.8 KB measured with two workers, twice that for a replica more.</summary>
    private const long ParallelForBytes = 4096;

    /// <summary>
    /// The pair's phases that may each run one <c>Parallel.For</c>: the forward pass's eight (padding, channel MLP, convolution,
    /// moments, normalisation, convolution, moments, gate) and the backward pass's seventeen (padding, channel MLP, the first
    /// map's rebuild, the output gate, sums, BatchNorm, weight and data gradient of each convolution, padding again, the
    /// channel MLP's backward pass, the two linear layers' weight gradients and the bias sums).
    /// </summary>
    private const int PairParallelFors = 8 + 17;

    /// <summary>Golden-size, maps under 7×7, and a single sample: every call serial, both paths.</summary>
    private static readonly int[][] s_serialShapes = [[2, 16, 8, 9], [3, 16, 5, 6], [1, 16, 3, 4]];

    [Fact]
    public void Serial_training_steps_allocate_nothing_in_steady_state()
    {
        var steps = (from shape in s_serialShapes from path in ModulePaths.Forced select Pair(shape, path, threads: 1)).ToArray();
        Assert.Equal(0, SteadyState.AllocatedBytes(
            () =>
            {
                foreach (var step in steps)
                {
                    step();
                }
            },
            calls: 20));
    }

    /// <summary>
    /// A serial training step followed by an SGD step allocates nothing in steady state either: the optimizer step changes
    /// the parameters, and the module repacks its training plan's weights in place (it used to build a new plan, over
    /// 300 KB at [8,32,7,7], after every step). The rate is small so that a second of steps keeps the weights in range.
    /// </summary>
    [Fact]
    public void Serial_training_steps_with_an_optimizer_step_allocate_nothing_in_steady_state()
    {
        foreach (var packed in new[] { false, true })
        {
            int[] shape = [8, 32, 7, 7];
            var count = shape.Aggregate(1, (a, b) => a * b);
            var random = new Random(7);
            var x = Enumerable.Range(0, count).Select(_ => (float)((4 * random.NextDouble()) - 2)).ToArray();
            var dy = Enumerable.Range(0, count).Select(_ => (float)((2 * random.NextDouble()) - 1)).ToArray();
            var weights = GamWeights.CreateDefault(32, rate: 4, seed: 8);
            var module = new GamModule(weights, new GamOptions { MaxDegreeOfParallelism = 1, PackedConvolution = packed });
            var (gradients, activations) = (new GamGradients(weights), new GamActivations());
            var (y, dx) = (new float[count], new float[count]);
            Assert.Equal(0, SteadyState.AllocatedBytes(
                () =>
                {
                    module.Forward(x, y, shape, GamMode.Train, activations);
                    gradients.Clear();
                    module.Backward(x, dy, dx, shape, GamMode.Train, activations, gradients);
                    gradients.ApplySgd(weights, 1e-6);
                },
                calls: 5));
        }
    }

    [Fact]
    public void Parallel_training_steps_allocate_only_parallel_fors_bookkeeping()
    {
        foreach (var (shape, path) in new (int[], ConvolutionPath)[]
        {
            ([2, 16, 12, 12], ConvolutionPath.Direct),
            ([4, 16, 18, 20], ConvolutionPath.Direct),
            ([4, 16, 7, 7], ConvolutionPath.Packed),
        })
        {
            var step = Pair(shape, path, threads: 2);
            for (var i = 0; i < 10; i++)
            {
                step();
            }

            const int Calls = 30;
            var before = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < Calls; i++)
            {
                step();
            }

            var bytes = (GC.GetTotalAllocatedBytes(precise: true) - before) / Calls;
            Assert.True(bytes <= PairParallelFors * ParallelForBytes, $"[{string.Join(", ", shape)}], {path}: {bytes} bytes per forward and backward pair.");
        }
    }

    /// <summary>One training step's calls on a float module: the forward pass keeping activations, then its backward pass into the same gradients.</summary>
    private static Action Pair(int[] shape, ConvolutionPath path, int threads)
    {
        var sample = new RandomModule(shape[0], shape[1], shape[2], shape[3], 4, 16, 1, GamChannelGate.Sigmoid, 4, 23);
        Assert.True(threads == 1 ? sample.Work < 1_000_000 : sample.Work >= 1_000_000, "the shape must be serial, or large enough for threads");
        var module = new GamModule(sample.CreateWeights(), sample.Options(SimAmKernel.Auto, path, threads));
        var activations = new GamActivations();
        var gradients = new GamGradients(module.Weights);
        var x = sample.CreateInput();
        var g = BackwardPass.GradOutput(x.Length, 9);
        var y = new float[x.Length];
        var dx = new float[x.Length];
        return () =>
        {
            module.Forward(x, y, shape, GamMode.Train, activations);
            module.Backward(x, g, dx, shape, GamMode.Train, activations, gradients);
        };
    }
}
