using System;
using System.Linq;
using SimAM.Gam.Tests.Backward;
using SimAM.Gam.Tests.Infrastructure;
using Xunit;

namespace SimAM.Gam.Tests.ModuleTests;

/// <summary>
/// <see cref="GamModule.WorkspaceBytes"/>: positive, the padded planes the workspace documents plus a few kilobytes of
/// tile scratch per worker, and what a module's first call really allocates for it.
/// </summary>
/// <remarks>
/// A padded plane holds (H + 6)·(W + 3) + 134 values rounded up to 16 (three zero rows and columns around the map, and
/// slack for the last tile's loads). Eval on the direct path keeps (C + m + out) planes per worker (x1, the first
/// convolution's output, and the second's partial sums; GamModule.WorkspaceBytes' own summary says C + m), train
/// (C + m + out) planes per sample.
/// </remarks>
public class GamModuleWorkspaceTests
{
    /// <summary>Per worker: the hidden activations of one tile and the tile scratch, a few kilobytes at any width.</summary>
    private const long ScratchBytesPerWorker = 16 * 1024;

    [Theory]
    [InlineData(2, 16, 8, 9, 4, 16, GamMode.Eval, 1)]
    [InlineData(3, 16, 9, 11, 4, 16, GamMode.Eval, 1)]
    [InlineData(3, 16, 9, 11, 4, 16, GamMode.Eval, 2)]
    [InlineData(1, 16, 13, 14, 4, 1, GamMode.Eval, 2)]
    [InlineData(4, 20, 5, 6, 5, 20, GamMode.Eval, 7)]
    [InlineData(2, 16, 8, 9, 4, 16, GamMode.Train, 1)]
    [InlineData(3, 16, 9, 11, 4, 16, GamMode.Train, 2)]
    [InlineData(1, 8, 1, 9, 2, 8, GamMode.Train, 1)]
    public void The_direct_path_workspace_is_the_documented_planes_and_scratch(int n, int c, int h, int w, int hidden, int outChannels, GamMode mode, int threads)
    {
        var sample = new RandomModule(n, c, h, w, hidden, outChannels, 1, GamChannelGate.Identity, 0, 61);
        var module = new GamModule(sample.CreateWeights(), sample.Options(SimAmKernel.Auto, ConvolutionPath.Direct, threads));
        var workers = sample.Work < 1_000_000 ? 1 : threads;
        var planes = (long)(mode == GamMode.Eval ? workers : n) * (c + hidden + outChannels) * PlaneValues(h, w) * sizeof(float);

        var bytes = module.WorkspaceBytes(sample.Shape, mode);

        Assert.InRange(bytes - planes, 1, workers * ScratchBytesPerWorker);
    }

    [Theory]
    [InlineData(4, 16, 7, 7, GamMode.Eval)]
    [InlineData(2, 16, 3, 5, GamMode.Train)]
    public void The_packed_path_workspace_holds_the_whole_batchs_planes(int n, int c, int h, int w, GamMode mode)
    {
        var sample = new RandomModule(n, c, h, w, 4, c, 1, GamChannelGate.Identity, 0, 62);
        var packed = new GamModule(sample.CreateWeights(), sample.Options(SimAmKernel.Auto, ConvolutionPath.Packed, 1));
        var direct = new GamModule(sample.CreateWeights(), sample.Options(SimAmKernel.Auto, ConvolutionPath.Direct, 1));
        var planes = (long)n * (c + 4 + c) * PlaneValues(h, w) * sizeof(float);
        Assert.True(packed.WorkspaceBytes(sample.Shape, mode) > planes);
        Assert.True(packed.WorkspaceBytes(sample.Shape, mode) > direct.WorkspaceBytes(sample.Shape, mode));
    }

    /// <summary>
    /// A module's first serial call allocates its workspace (and its plan, the packed weights: under 64 KB here), so it
    /// allocates at least <see cref="GamModule.WorkspaceBytes"/> and not much more.
    /// </summary>
    [Theory]
    [InlineData(GamMode.Eval, ConvolutionPath.Direct)]
    [InlineData(GamMode.Eval, ConvolutionPath.Packed)]
    [InlineData(GamMode.Train, ConvolutionPath.Direct)]
    [InlineData(GamMode.Train, ConvolutionPath.Packed)]
    public void The_first_call_allocates_what_WorkspaceBytes_says(GamMode mode, ConvolutionPath path)
    {
        var sample = new RandomModule(3, 16, 9, 11, 4, 16, 1, GamChannelGate.Identity, 0, 63);
        var x = sample.CreateInput();
        var y = new float[x.Length];

        // Compile every method first, so that the measured call allocates only what the module allocates.
        new GamModule(sample.CreateWeights(), sample.Options(SimAmKernel.Auto, path, 1)).Forward(x, y, sample.Shape, mode);

        var module = new GamModule(sample.CreateWeights(), sample.Options(SimAmKernel.Auto, path, 1));
        var expected = module.WorkspaceBytes(sample.Shape, mode);
        var before = GC.GetAllocatedBytesForCurrentThread();
        module.Forward(x, y, sample.Shape, mode);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.InRange(allocated, expected, expected + (64 * 1024));
    }

    /// <summary>Asking for the size of a workspace costs the plan at most, not a tensor of the shape.</summary>
    [Fact]
    public void WorkspaceBytes_does_not_allocate_a_tensor_of_the_shape()
    {
        var sample = new RandomModule(8, 16, 64, 64, 4, 16, 1, GamChannelGate.Identity, 0, 64);
        var module = new GamModule(sample.CreateWeights(), new GamOptions { MaxDegreeOfParallelism = 1 });
        _ = module.WorkspaceBytes(sample.Shape);

        var before = GC.GetAllocatedBytesForCurrentThread();
        _ = module.WorkspaceBytes(sample.Shape);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        var tensorBytes = (long)sample.ElementCount * sizeof(float);
        Assert.True(allocated < tensorBytes / 8, $"WorkspaceBytes allocated {allocated} bytes; a tensor of the shape holds {tensorBytes}.");
    }

    [Fact]
    public void The_workspace_grows_with_the_batch_in_train_mode_and_with_the_workers_in_eval_mode()
    {
        var module = new GamModule(new RandomModule(1, 16, 1, 1, 4, 16, 1, GamChannelGate.Identity, 0, 65).CreateWeights(), ModulePaths.Options(SimAmKernel.Auto, ConvolutionPath.Direct, 2));
        var sizes = new[] { 2, 4, 8 }.Select(n => (Eval: module.WorkspaceBytes([n, 16, 12, 12]), Train: module.WorkspaceBytes([n, 16, 12, 12], GamMode.Train))).ToArray();
        Assert.All(sizes, s => Assert.True(s.Eval > 0 && s.Train > 0));

        // Two workers whatever the batch in eval; one sample's planes more per sample in train.
        Assert.Equal(sizes[0].Eval, sizes[2].Eval);
        Assert.Equal(sizes[1].Train - sizes[0].Train, (sizes[2].Train - sizes[1].Train) / 2);
    }

    /// <summary>
    /// One module, one workspace, passes of every kind in turn (eval, train, train keeping activations and its backward
    /// pass, another batch, another map size and back), on the cost model's paths and on forced ones: each gives the bits
    /// of a fresh module with the same weights. The workspace clears its padded planes only when the map's size changes,
    /// and keeps the spectra through plans that need none, so this holds only if every pass leaves the padding zero and
    /// reads no value it did not write.
    /// </summary>
    [Theory]
    [InlineData(ConvolutionPath.CostModel)]
    [InlineData(ConvolutionPath.Spectral)]
    [InlineData(ConvolutionPath.Direct)]
    public void A_module_alternating_passes_gives_each_the_bits_of_a_fresh_module(ConvolutionPath path)
    {
        var sample = new RandomModule(4, 40, 10, 9, 10, 40, 1, GamChannelGate.Identity, 0, 81);
        var options = sample.Options(SimAmKernel.Auto, path, threads: 2);
        var module = new GamModule(sample.CreateWeights(), options);
        int[][] shapes = [[4, 40, 10, 9], [2, 40, 10, 9], [3, 40, 6, 5]];
        var calls = new (int Shape, GamMode Mode, bool Backward)[]
        {
            (0, GamMode.Eval, false), (0, GamMode.Train, false), (0, GamMode.Train, true), (0, GamMode.Eval, true),
            (1, GamMode.Eval, false), (2, GamMode.Train, true), (0, GamMode.Eval, false), (0, GamMode.Train, true), (2, GamMode.Eval, false),
        };
        foreach (var (index, (shapeIndex, mode, backward)) in calls.Select((call, i) => (i, call)))
        {
            var shape = shapes[shapeIndex];
            var x = new RandomModule(shape[0], 40, shape[2], shape[3], 10, 40, 1, GamChannelGate.Identity, 0, 82 + index).CreateInput();
            var fresh = new GamModule(module.Weights.Clone(), options);
            var context = $"{path}, call {index}: {mode} [{string.Join(',', shape)}]{(backward ? " with backward" : string.Empty)}";
            if (!backward)
            {
                var (expected, actual) = (new float[x.Length], new float[x.Length]);
                fresh.Forward(x, expected, shape, mode);
                module.Forward(x, actual, shape, mode);
                Bits.AssertIdentical(expected, actual, context);
                continue;
            }

            var g = new RandomModule(shape[0], 40, shape[2], shape[3], 10, 40, 1, GamChannelGate.Identity, 0, 182 + index).CreateInput();
            var reference = BackwardPass.Run(fresh, x, g, shape, mode);
            var result = BackwardPass.Run(module, x, g, shape, mode);
            Bits.AssertIdentical(reference.Y, result.Y, $"{context}: y");
            Bits.AssertIdentical(reference.GradInput, result.GradInput, $"{context}: dx");
            foreach (var (expected, actual) in reference.Gradients.Parameters.Zip(result.Gradients.Parameters))
            {
                Bits.AssertIdentical(expected.Values, actual.Values, $"{context}: {expected.Name}'s gradient");
            }

            Bits.AssertIdentical(fresh.Weights, module.Weights, $"{context}: running statistics");
        }
    }

    /// <summary>
    /// An eval pass on the direct path whose second convolution reduces its input channels in chunks (16 hidden channels
    /// of 56×56 planes) leaves partial sums in the padding of its output planes; a training step that follows on the same
    /// workspace (the cost model runs it spectrally) must give the bits of a module that ran no eval pass.
    /// </summary>
    [Fact]
    public void A_training_step_after_an_eval_pass_gives_the_bits_of_a_fresh_module()
    {
        var sample = new RandomModule(8, 64, 56, 56, 16, 64, 1, GamChannelGate.Identity, 0, 83);
        var options = sample.Options(SimAmKernel.Auto, ConvolutionPath.CostModel, threads: 2);
        var module = new GamModule(sample.CreateWeights(), options);
        var fresh = new GamModule(module.Weights.Clone(), options);
        var x = sample.CreateInput();
        var g = new RandomModule(8, 64, 56, 56, 16, 64, 1, GamChannelGate.Identity, 0, 84).CreateInput();
        // A first step sizes the workspace for the whole batch; the eval pass then runs in two samples' planes of it.
        BackwardPass.Run(fresh, x, g, sample.Shape, GamMode.Train);
        BackwardPass.Run(module, x, g, sample.Shape, GamMode.Train);
        int[] pair = [2, 64, 56, 56];
        var other = new RandomModule(2, 64, 56, 56, 16, 64, 1, GamChannelGate.Identity, 0, 85).CreateInput();
        module.Forward(other, new float[other.Length], pair, GamMode.Eval);
        var expected = BackwardPass.Run(fresh, x, g, sample.Shape, GamMode.Train);
        var actual = BackwardPass.Run(module, x, g, sample.Shape, GamMode.Train);
        Bits.AssertIdentical(expected.Y, actual.Y, "y");
        Bits.AssertIdentical(expected.GradInput, actual.GradInput, "dx");
        Bits.AssertIdentical(fresh.Weights, module.Weights, "running statistics");
    }

    /// <summary>(H + 6)·(W + 3) + 134 values rounded up to 16.</summary>
    private static long PlaneValues(int h, int w) => (((h + 6) * (w + 3)) + 134 + 15) / 16 * 16;
}
