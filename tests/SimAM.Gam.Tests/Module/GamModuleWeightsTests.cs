using System;
using System.Linq;
using SimAM.Gam.Tests.Infrastructure;
using Xunit;

namespace SimAM.Gam.Tests.ModuleTests;

/// <summary>
/// How a module and its weights interact: eval mode leaves them alone; train mode updates the running statistics and
/// counters as PyTorch does, call after call, and bumps <see cref="GamWeights.Version"/>; and any change of the weights
/// between calls (<see cref="GamParameter.CopyFrom(ReadOnlySpan{double})"/>, or a train-mode call before an eval one)
/// reaches the next call although the module caches its packed and folded weights.
/// </summary>
public class GamModuleWeightsTests
{
    private static readonly RandomModule s_sample = new(2, 8, 5, 6, 2, 8, 2, GamChannelGate.Sigmoid, 4, 51);

    public static TheoryData<SimAmKernel, ConvolutionPath> KernelsAndPaths => ModulePaths.KernelsAndPaths;

    public static TheoryData<ConvolutionPath> Paths => [.. ModulePaths.Forced];

    [Theory]
    [MemberData(nameof(Paths))]
    public void Eval_calls_leave_the_weights_their_values_version_and_counters(ConvolutionPath path)
    {
        var weights = s_sample.CreateWeights();
        weights.BatchesTracked1 = 3;
        weights.BatchesTracked2 = 11;
        var version = weights.Version;
        var module = new GamModule(weights, s_sample.Options(SimAmKernel.Auto, path));
        var x = s_sample.CreateInput();
        for (var call = 0; call < 3; call++)
        {
            module.Forward(x, new float[x.Length], s_sample.Shape, GamMode.Eval);
            module.Forward(Accuracy.Widen(x), new double[x.Length], s_sample.Shape, GamMode.Eval);
        }

        var expected = s_sample.CreateWeights();
        expected.BatchesTracked1 = 3;
        expected.BatchesTracked2 = 11;
        Assert.Equal(version, weights.Version);
        Bits.AssertIdentical(expected, weights, $"{path}: eval changed the weights");
    }

    /// <summary>
    /// Three train-mode calls in a row compound the running statistics as PyTorch's would (the double module against
    /// <see cref="GamReference"/> to 1e-12), move each counter by one per call, bump the version each time, and change
    /// nothing else.
    /// </summary>
    [Theory]
    [MemberData(nameof(KernelsAndPaths))]
    public void Train_calls_update_the_running_statistics_and_counters_and_bump_the_version(SimAmKernel kernel, ConvolutionPath path)
    {
        var weights = s_sample.CreateWeights();
        var reference = s_sample.CreateWeights();
        weights.BatchesTracked1 = reference.BatchesTracked1 = 3;
        weights.BatchesTracked2 = reference.BatchesTracked2 = 11;
        var module = new GamModule(weights, s_sample.Options(kernel, path));
        var random = new Random(5);
        for (var call = 1; call <= 3; call++)
        {
            // A new batch each time, so that each update moves the statistics somewhere new.
            var x = Enumerable.Range(0, s_sample.ElementCount).Select(_ => (double)(float)((3 * random.NextDouble()) - 1)).ToArray();
            var version = weights.Version;
            var y = new double[x.Length];
            module.Forward(x, y, s_sample.Shape, GamMode.Train);
            var expected = new double[x.Length];
            GamReference.Forward(reference, x, expected, s_sample.Shape, GamMode.Train, s_sample.Gate, s_sample.ShuffleGroups);

            var context = $"{kernel}, {path}, call {call}";
            _ = Accuracy.AssertClose(y, expected, Accuracy.DoubleBound, context);
            RunningStatistics.AssertDouble(RunningStatistics.Of(reference), weights, context);
            Assert.Equal((3L + call, 11L + call), (weights.BatchesTracked1, weights.BatchesTracked2));
            Assert.NotEqual(version, weights.Version);
            foreach (var parameter in weights.Parameters)
            {
                Bits.AssertIdentical(s_sample.CreateWeights().Find(parameter.Name)!.Values, parameter.Values, $"{context}: train mode changed {parameter.Name}");
            }
        }
    }

    /// <summary>
    /// A change of any one tensor between two eval calls on one module gives the next call a fresh module's bits on
    /// the changed weights (the module's packed and folded copy is keyed by <see cref="GamWeights.Version"/>).
    /// </summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void A_CopyFrom_between_eval_calls_is_picked_up(ConvolutionPath path)
    {
        var weights = s_sample.CreateWeights();
        var module = new GamModule(weights, s_sample.Options(SimAmKernel.Auto, path));
        var x = s_sample.CreateInput();
        var x64 = Accuracy.Widen(x);
        var random = new Random(9);
        foreach (var tensor in weights.AllTensors())
        {
            var before = new float[x.Length];
            module.Forward(x, before, s_sample.Shape, GamMode.Eval);
            module.Forward(x64, new double[x.Length], s_sample.Shape, GamMode.Eval);

            var version = weights.Version;
            tensor.CopyFrom(tensor.Values.ToArray().Select(v => (double)(float)((v * 0.5) + 0.25 + (0.1 * random.NextDouble()))).ToArray());
            Assert.NotEqual(version, weights.Version);

            var y = new float[x.Length];
            module.Forward(x, y, s_sample.Shape, GamMode.Eval);
            var y64 = new double[x.Length];
            module.Forward(x64, y64, s_sample.Shape, GamMode.Eval);

            var fresh = new GamModule(weights.Clone(), s_sample.Options(SimAmKernel.Auto, path));
            var expected = new float[x.Length];
            fresh.Forward(x, expected, s_sample.Shape, GamMode.Eval);
            var expected64 = new double[x.Length];
            fresh.Forward(x64, expected64, s_sample.Shape, GamMode.Eval);
            Bits.AssertIdentical(expected, y, $"{path}: float after changing {tensor.Name}");
            Bits.AssertIdentical(expected64, y64, $"{path}: double after changing {tensor.Name}");
            Assert.False(before.AsSpan().SequenceEqual(y), $"{path}: changing {tensor.Name} did not change the output");
        }
    }

    /// <summary>
    /// A CopyFrom between train calls reaches the next train call; and an eval call after a train call normalises with
    /// the running statistics that call left (each compared with a fresh module on the same weights, bit for bit).
    /// </summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void Train_calls_see_weight_changes_and_eval_calls_see_train_updates(ConvolutionPath path)
    {
        var weights = s_sample.CreateWeights();
        var module = new GamModule(weights, s_sample.Options(SimAmKernel.Auto, path));
        var x = s_sample.CreateInput();
        module.Forward(x, new float[x.Length], s_sample.Shape, GamMode.Train);

        weights.ConvWeight2.CopyFrom(weights.ConvWeight2.Values.ToArray().Select(v => -v).ToArray());
        var expectedWeights = weights.Clone();
        var expected = new float[x.Length];
        new GamModule(expectedWeights, s_sample.Options(SimAmKernel.Auto, path)).Forward(x, expected, s_sample.Shape, GamMode.Train);
        var y = new float[x.Length];
        module.Forward(x, y, s_sample.Shape, GamMode.Train);
        Bits.AssertIdentical(expected, y, $"{path}: train call after CopyFrom");
        Bits.AssertIdentical(expectedWeights, weights, $"{path}: weights after the train call");

        var expectedEval = new float[x.Length];
        new GamModule(weights.Clone(), s_sample.Options(SimAmKernel.Auto, path)).Forward(x, expectedEval, s_sample.Shape, GamMode.Eval);
        module.Forward(x, y, s_sample.Shape, GamMode.Eval);
        Bits.AssertIdentical(expectedEval, y, $"{path}: eval call after train calls");
    }
}
