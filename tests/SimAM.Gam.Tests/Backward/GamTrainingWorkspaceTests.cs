using System;
using SimAM.Gam.Tests.ModuleTests;
using Xunit;

namespace SimAM.Gam.Tests.Backward;

/// <summary>
/// <see cref="GamModule.TrainingWorkspaceBytes"/> says what a training step's first call allocates for its workspace:
/// the module's first forward-with-activations and backward pair, serial (so everything is allocated on the calling
/// thread), allocates at least that and at most that plus the activations, the packed weights and a little bookkeeping.
/// </summary>
[Collection(AllocationMeasurement.Name)]
public class GamTrainingWorkspaceTests
{
    [Theory]
    [InlineData(4, 16, 9, 11, false)]
    [InlineData(8, 32, 7, 7, true)]
    [InlineData(2, 24, 14, 13, false)]
    public void The_first_training_step_allocates_the_workspace_it_reports(int n, int c, int h, int w, bool packed)
    {
        var weights = GamWeights.CreateDefault(c, seed: 3);
        var module = new GamModule(weights, new GamOptions { MaxDegreeOfParallelism = 1, PackedConvolution = packed });
        int[] shape = [n, c, h, w];
        var reported = module.TrainingWorkspaceBytes(shape);
        Assert.True(reported > module.WorkspaceBytes(shape, GamMode.Train), "a training step needs more than the forward pass's workspace.");

        var x = new float[n * c * h * w];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)Math.Sin(i);
        }

        var y = new float[x.Length];
        var dx = new float[x.Length];
        var activations = new GamActivations();
        var gradients = new GamGradients(weights);
        var before = GC.GetAllocatedBytesForCurrentThread();
        module.Forward(x, y, shape, GamMode.Train, activations);
        module.Backward(x, y, dx, shape, GamMode.Train, activations, gradients);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        var packedWeights = 3L * sizeof(float) * (weights.ConvWeight1.Length + weights.ConvWeight2.Length + weights.ChannelWeight1.Length + weights.ChannelWeight2.Length);
        var limit = reported + activations.Bytes + packedWeights + (256 * 1024);
        Assert.True(
            allocated >= reported && allocated <= limit,
            $"the first step allocated {allocated} bytes; the workspace is reported as {reported}, so between {reported} and {limit} were expected.");
    }

    [Fact]
    public void A_bad_shape_is_refused_as_by_the_forward_pass()
    {
        var module = new GamModule(GamWeights.CreateDefault(8, seed: 1));
        Assert.Throws<ArgumentException>(() => module.TrainingWorkspaceBytes([2, 9, 5, 5]));
        Assert.Throws<ArgumentException>(() => module.TrainingWorkspaceBytes([1, 8, 1, 1], GamMode.Train));
        Assert.Throws<ArgumentOutOfRangeException>(() => module.TrainingWorkspaceBytes([2, 8, 0, 5]));
    }
}
