using System.Collections.Generic;
using System.Linq;
using SimAM.Gam.Tests.Infrastructure;
using Xunit;

namespace SimAM.Gam.Tests.ModuleTests;

/// <summary>
/// <see cref="GamModule"/> against the PyTorch module in float64 (Golden/gam_golden.json), at every kernel width and on
/// both convolution paths: float outputs within 2e-6 of max|y64|, double within 1e-12; after a train-mode call the
/// running statistics and counters PyTorch has.
/// </summary>
/// <remarks>
/// The golden tensors hold under a million multiply-adds, which the module runs on one thread whatever
/// <see cref="GamOptions.MaxDegreeOfParallelism"/> says; <see cref="GamModuleAccuracyTests"/> covers the parallel
/// schedules on larger tensors.
/// </remarks>
public class GamModuleGoldenTests(ITestOutputHelper output)
{
    public static TheoryData<string, SimAmKernel, ConvolutionPath> Cases
    {
        get
        {
            var data = new TheoryData<string, SimAmKernel, ConvolutionPath>();
            foreach (var c in GoldenCases.All)
            {
                foreach (var kernel in SimAmKernels.Supported)
                {
                    foreach (var path in ModulePaths.Forced)
                    {
                        data.Add(c.Name, kernel, path);
                    }
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Eval_matches_pytorch_float64_and_leaves_the_weights_alone(string name, SimAmKernel kernel, ConvolutionPath path)
    {
        var c = GoldenCases.Get(name);
        var weights = c.CreateWeights();
        var untouched = c.CreateWeights();
        var version = weights.Version;
        var module = new GamModule(weights, ModulePaths.Options(kernel, path, 1, c.ChannelGate, c.ShuffleGroups));

        var y = new float[c.ElementCount];
        module.Forward(c.X, y, c.Shape, GamMode.Eval);
        var floatError = Accuracy.AssertClose(y, c.YEval, Accuracy.FloatBound, $"{name}, {kernel}, {path}, float eval");

        var y64 = new double[c.ElementCount];
        module.Forward(c.X64, y64, c.Shape, GamMode.Eval);
        var doubleError = Accuracy.AssertClose(y64, c.YEval, Accuracy.DoubleBound, $"{name}, {kernel}, {path}, double eval");

        output.WriteLine($"{name}, {kernel}, {path}: eval max|y - y_torch64| / max|y_torch64|: float {floatError:E2}, double {doubleError:E2}");
        Assert.Equal(version, weights.Version);
        Bits.AssertIdentical(untouched, weights, "eval mode changed the weights");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Train_matches_pytorch_float64_and_updates_the_running_statistics_as_pytorch(string name, SimAmKernel kernel, ConvolutionPath path)
    {
        var c = GoldenCases.Get(name);
        var start = c.CreateWeights();
        var n = (long)c.Shape[0] * c.Shape[2] * c.Shape[3];

        var floatWeights = c.CreateWeights();
        var floatVersion = floatWeights.Version;
        var y = new float[c.ElementCount];
        new GamModule(floatWeights, ModulePaths.Options(kernel, path, 1, c.ChannelGate, c.ShuffleGroups)).Forward(c.X, y, c.Shape, GamMode.Train);
        var floatError = Accuracy.AssertClose(y, c.YTrain, Accuracy.FloatBound, $"{name}, {kernel}, {path}, float train");
        var floatStatistics = RunningStatistics.AssertFloat(start, c.RunningAfterTrain, floatWeights, n, $"{name}, {kernel}, {path}, float");
        AssertOnlyRunningStatisticsChanged(c, start, floatWeights, floatVersion);

        var doubleWeights = c.CreateWeights();
        var doubleVersion = doubleWeights.Version;
        var y64 = new double[c.ElementCount];
        new GamModule(doubleWeights, ModulePaths.Options(kernel, path, 1, c.ChannelGate, c.ShuffleGroups)).Forward(c.X64, y64, c.Shape, GamMode.Train);
        var doubleError = Accuracy.AssertClose(y64, c.YTrain, Accuracy.DoubleBound, $"{name}, {kernel}, {path}, double train");
        RunningStatistics.AssertDouble(c.RunningAfterTrain, doubleWeights, $"{name}, {kernel}, {path}, double");

        AssertOnlyRunningStatisticsChanged(c, start, doubleWeights, doubleVersion);
        output.WriteLine(
            $"{name}, {kernel}, {path}: train max|y - y_torch64| / max|y_torch64|: float {floatError:E2}, double {doubleError:E2}; float running statistics within {floatStatistics:E2}·S");
    }

    private static void AssertOnlyRunningStatisticsChanged(GoldenCase c, GamWeights start, GamWeights actual, long versionBefore)
    {
        Assert.Equal(c.BatchesTrackedAfterTrain, (actual.BatchesTracked1, actual.BatchesTracked2));
        Assert.NotEqual(versionBefore, actual.Version);
        var running = new HashSet<string>(c.RunningAfterTrain.Keys);
        Assert.Equal(4, running.Count);
        foreach (var tensor in start.AllTensors().Where(t => !running.Contains(t.Name)))
        {
            Bits.AssertIdentical(tensor.Values, actual.Find(tensor.Name)!.Values, $"{c.Name}: train mode changed {tensor.Name}; it may change only the running statistics");
        }
    }
}
