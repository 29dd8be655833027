using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using SimAM.Gam.Tests.Infrastructure;
using Xunit;

namespace SimAM.Gam.Tests.ModuleTests;

/// <summary>
/// <see cref="GamModule"/> against <see cref="GamReference"/> (the PyTorch module in float64, itself checked against
/// PyTorch to 1e-12) on modules and tensors large enough for the module to use threads: every width, both convolution
/// paths, float and double, eval and train, one thread, two threads, and seven (more than any batch here, so eval
/// splits the phases of each sample across workers instead of giving each worker whole samples).
/// </summary>
public class GamModuleAccuracyTests(ITestOutputHelper output)
{
    private static readonly int[] s_threadCounts = [1, 2, 7];

    /// <summary>
    /// The variants with their scheduling: whole samples per worker (N ≥ 2 workers) and phases split across workers
    /// (N = 1, or 7 threads), C = 20 (not a multiple of 4·width at any width), out = 1, groups with shuffle, the sigmoid
    /// gate, maps under 7×7 and odd sizes; the last is below the threshold for threads (tiny, for the scalar width).
    /// </summary>
    private static readonly Dictionary<string, RandomModule> s_cases = new()
    {
        ["default_3x16x9x11"] = new(3, 16, 9, 11, 4, 16, 1, GamChannelGate.Identity, 0, 101),
        ["batch1_1x16x13x14"] = new(1, 16, 13, 14, 4, 16, 1, GamChannelGate.Identity, 0, 102),
        ["c20_m5_4x20x5x6"] = new(4, 20, 5, 6, 5, 20, 1, GamChannelGate.Identity, 0, 103),
        ["out1_2x16x12x10"] = new(2, 16, 12, 10, 4, 1, 1, GamChannelGate.Identity, 0, 104),
        ["grouped4_shuffle4_sigmoid_3x32x7x8"] = new(3, 32, 7, 8, 8, 32, 4, GamChannelGate.Sigmoid, 4, 105),
        ["rate2_groups2_shuffle2_sigmoid_1x8x24x27"] = new(1, 8, 24, 27, 4, 8, 2, GamChannelGate.Sigmoid, 2, 106),
        ["tiny_5x4x2x3"] = new(5, 4, 2, 3, 1, 4, 1, GamChannelGate.Sigmoid, 0, 107),
    };

    private static readonly ConcurrentDictionary<string, Expected> s_expected = new();

    public static TheoryData<string, SimAmKernel, ConvolutionPath> Cases
    {
        get
        {
            var data = new TheoryData<string, SimAmKernel, ConvolutionPath>();
            foreach (var name in s_cases.Keys)
            {
                foreach (var kernel in SimAmKernels.Supported)
                {
                    foreach (var path in ModulePaths.Forced)
                    {
                        data.Add(name, kernel, path);
                    }
                }
            }

            return data;
        }
    }

    [Fact]
    public void The_cases_run_on_threads_where_they_should()
    {
        foreach (var (name, sample) in s_cases)
        {
            var serial = new GamModule(sample.CreateWeights(), new GamOptions { MaxDegreeOfParallelism = 1 });
            var parallel = new GamModule(sample.CreateWeights(), new GamOptions { MaxDegreeOfParallelism = 2 });

            // The workspace holds per-worker scratch, so it grows exactly when a call gets more than one worker.
            var threaded = parallel.WorkspaceBytes(sample.Shape) > serial.WorkspaceBytes(sample.Shape);
            Assert.True(threaded == sample.Work >= 1_000_000, $"{name}: {sample.Work} multiply-adds, threaded: {threaded}.");
        }

        Assert.Contains(s_cases.Values, s => s.Work >= 1_000_000 && s.N >= 2);
        Assert.Contains(s_cases.Values, s => s.Work >= 1_000_000 && s.N == 1);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Eval_matches_the_float64_reference_at_any_thread_count(string name, SimAmKernel kernel, ConvolutionPath path)
    {
        var sample = s_cases[name];
        var expected = ExpectedFor(name);
        var x = sample.CreateInput();
        var x64 = Accuracy.Widen(x);
        var worstFloat = 0.0;
        var worstDouble = 0.0;
        foreach (var threads in s_threadCounts)
        {
            var weights = sample.CreateWeights();
            var module = new GamModule(weights, sample.Options(kernel, path, threads));
            var context = $"{name}, {kernel}, {path}, {threads} threads";

            var y = new float[x.Length];
            module.Forward(x, y, sample.Shape, GamMode.Eval);
            worstFloat = Math.Max(worstFloat, Accuracy.AssertClose(y, expected.Eval, Accuracy.FloatBound, context + ", float eval"));

            var y64 = new double[x.Length];
            module.Forward(x64, y64, sample.Shape, GamMode.Eval);
            worstDouble = Math.Max(worstDouble, Accuracy.AssertClose(y64, expected.Eval, Accuracy.DoubleBound, context + ", double eval"));
            Bits.AssertIdentical(sample.CreateWeights(), weights, context + ": eval mode changed the weights");
        }

        output.WriteLine($"{name}, {kernel}, {path}: eval max|y - y64| / max|y64|: float {worstFloat:E2}, double {worstDouble:E2}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Train_matches_the_float64_reference_at_any_thread_count(string name, SimAmKernel kernel, ConvolutionPath path)
    {
        var sample = s_cases[name];
        var expected = ExpectedFor(name);
        var x = sample.CreateInput();
        var x64 = Accuracy.Widen(x);
        var n = (long)sample.N * sample.H * sample.W;
        var start = sample.CreateWeights();
        var worstFloat = 0.0;
        var worstDouble = 0.0;
        var worstStatistics = 0.0;
        foreach (var threads in s_threadCounts)
        {
            var context = $"{name}, {kernel}, {path}, {threads} threads";

            var floatWeights = sample.CreateWeights();
            var y = new float[x.Length];
            new GamModule(floatWeights, sample.Options(kernel, path, threads)).Forward(x, y, sample.Shape, GamMode.Train);
            worstFloat = Math.Max(worstFloat, Accuracy.AssertClose(y, expected.Train, Accuracy.FloatBound, context + ", float train"));
            worstStatistics = Math.Max(worstStatistics, RunningStatistics.AssertFloat(start, expected.Running, floatWeights, n, context + ", float"));
            Assert.Equal((1L, 1L), (floatWeights.BatchesTracked1, floatWeights.BatchesTracked2));

            var doubleWeights = sample.CreateWeights();
            var y64 = new double[x.Length];
            new GamModule(doubleWeights, sample.Options(kernel, path, threads)).Forward(x64, y64, sample.Shape, GamMode.Train);
            worstDouble = Math.Max(worstDouble, Accuracy.AssertClose(y64, expected.Train, Accuracy.DoubleBound, context + ", double train"));
            RunningStatistics.AssertDouble(expected.Running, doubleWeights, context + ", double");
            Assert.Equal((1L, 1L), (doubleWeights.BatchesTracked1, doubleWeights.BatchesTracked2));
        }

        output.WriteLine(
            $"{name}, {kernel}, {path}: train max|y - y64| / max|y64|: float {worstFloat:E2}, double {worstDouble:E2}; float running statistics within {worstStatistics:E2}·S");
    }

    private static Expected ExpectedFor(string name) => s_expected.GetOrAdd(name, key =>
    {
        var sample = s_cases[key];
        var x = Accuracy.Widen(sample.CreateInput());
        var eval = new double[x.Length];
        GamReference.Forward(sample.CreateWeights(), x, eval, sample.Shape, GamMode.Eval, sample.Gate, sample.ShuffleGroups);
        var weights = sample.CreateWeights();
        var train = new double[x.Length];
        GamReference.Forward(weights, x, train, sample.Shape, GamMode.Train, sample.Gate, sample.ShuffleGroups);
        return new Expected(eval, train, RunningStatistics.Of(weights));
    });

    private sealed record Expected(double[] Eval, double[] Train, Dictionary<string, double[]> Running);
}
