using System;
using System.Collections.Generic;
using System.Linq;
using SimAM.Gam.Tests.Infrastructure;
using Xunit;

namespace SimAM.Gam.Tests.Backward;

/// <summary>
/// The double backward pass against central finite differences of the double forward pass, L = Σ y·g, on small modules:
/// ∂L/∂x and every learnable tensor, eval and train, every width, both convolution paths, each variant.
/// </summary>
public class GamBackwardFiniteDifferenceTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, RandomModule> s_cases = new()
    {
        ["default_2x8x5x6"] = new(2, 8, 5, 6, 2, 8, 1, GamChannelGate.Identity, 0, 11),
        ["sigmoid_shuffle_groups_2x8x4x5"] = new(2, 8, 4, 5, 4, 8, 2, GamChannelGate.Sigmoid, 2, 12),
        ["out1_3x4x3x7"] = new(3, 4, 3, 7, 2, 1, 1, GamChannelGate.Identity, 0, 13),
        ["one_pixel_rows_2x6x1x9"] = new(2, 6, 1, 9, 3, 6, 1, GamChannelGate.Sigmoid, 0, 14),
    };

    public static TheoryData<string, SimAmKernel, ConvolutionPath, GamMode> Cases
    {
        get
        {
            var data = new TheoryData<string, SimAmKernel, ConvolutionPath, GamMode>();
            foreach (var name in s_cases.Keys)
            {
                foreach (var kernel in SimAmKernels.Supported)
                {
                    foreach (var path in ModulePaths.Forced)
                    {
                        data.Add(name, kernel, path, GamMode.Eval);
                        data.Add(name, kernel, path, GamMode.Train);
                    }
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_match_central_differences(string name, SimAmKernel kernel, ConvolutionPath path, GamMode mode)
    {
        var sample = s_cases[name];
        var weights = sample.CreateWeights();
        var module = new GamModule(weights, sample.Options(kernel, path));
        var x = sample.CreateInput().Select(v => (double)v).ToArray();
        var random = new Random(sample.Seed + 7);
        var g = Enumerable.Range(0, x.Length).Select(_ => (2 * random.NextDouble()) - 1).ToArray();
        var shape = sample.Shape;

        var activations = new GamActivations();
        var gradients = new GamGradients(weights);
        var y = new double[x.Length];
        var start = weights.Clone();
        module.Forward(x, y, shape, mode, activations);
        var dx = new double[x.Length];
        module.Backward(x, g, dx, shape, mode, activations, gradients);

        // The forward passes below must see the starting running statistics: train mode moves them on every call.
        double Loss()
        {
            foreach (var (buffer, index) in weights.Buffers.Select((b, i) => (b, i)))
            {
                buffer.CopyFrom(start.Buffers[index].Values);
            }

            var output = new double[x.Length];
            module.Forward(x, output, shape, mode);
            return output.Select((v, i) => v * g[i]).Sum();
        }

        var worst = 0.0;
        worst = Math.Max(worst, Check("x", dx, i => x[i], (i, v) => x[i] = v, Loss, random));
        foreach (var parameter in weights.Parameters)
        {
            var gradient = gradients.Find(parameter.Name)!.Values.ToArray();
            var values = parameter.Values.ToArray();
            worst = Math.Max(worst, Check(
                parameter.Name,
                gradient,
                i => values[i],
                (i, v) =>
                {
                    values[i] = v;
                    parameter.CopyFrom(values);
                },
                Loss,
                random));
        }

        output.WriteLine($"{name} {kernel} {path} {mode}: worst |analytic - numeric| / scale = {worst:E2}");
    }

    /// <summary>Checks up to 12 entries of a gradient (all of a short one) against (L(v + h) − L(v − h)) / 2h.</summary>
    private static double Check(string what, double[] analytic, Func<int, double> get, Action<int, double> set, Func<double> loss, Random random)
    {
        var indices = analytic.Length <= 12 ? Enumerable.Range(0, analytic.Length) : Enumerable.Range(0, 12).Select(_ => random.Next(analytic.Length));
        var scale = Math.Max(analytic.Max(Math.Abs), 1e-3);
        var worst = 0.0;
        foreach (var i in indices.Distinct())
        {
            var value = get(i);
            var h = 1e-5 * Math.Max(1, Math.Abs(value));
            set(i, value + h);
            var plus = loss();
            set(i, value - h);
            var minus = loss();
            set(i, value);
            var numeric = (plus - minus) / (2 * h);
            var error = Math.Abs(numeric - analytic[i]) / scale;
            Assert.True(error < 1e-6, $"{what}[{i}]: backward {analytic[i]:R}, central difference {numeric:R} (scale {scale:E3}, relative error {error:E2})");
            worst = Math.Max(worst, error);
        }

        return worst;
    }
}
