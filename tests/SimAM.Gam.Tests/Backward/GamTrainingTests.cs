using System;
using System.Diagnostics;
using System.Linq;
using SimAM.Gam.Tests.Infrastructure;
using Xunit;

namespace SimAM.Gam.Tests.Backward;

/// <summary>
/// The backward pass trains: a GAM fitted by plain SGD in train mode to another, randomly initialised GAM (the teacher,
/// eval mode) on random inputs comes close to it.
/// </summary>
public class GamTrainingTests(ITestOutputHelper output)
{
    /// <summary>
    /// <see cref="GamGradients.ApplySgd"/> is w − η·g for every element of every learnable tensor, the product rounded
    /// before the subtraction (as the scalar definition, and not fused), and leaves the running statistics alone. Random
    /// weights and gradients of C = 36 (tensors of odd lengths, so every vector tail is taken); a fused step would differ in
    /// the last bit of many of them.
    /// </summary>
    [Fact]
    public void Sgd_step_is_the_rounded_product_subtracted_from_every_learnable_tensor()
    {
        const double LearningRate = 0.0371;
        var weights = GamWeights.CreateDefault(36, rate: 4, seed: 7);
        var gradients = new GamGradients(weights);
        var random = new Random(11);
        foreach (var parameter in gradients.Parameters)
        {
            var values = parameter.Storage;
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (2 * random.NextDouble()) - 1;
            }
        }

        var before = weights.AllTensors().Select(t => t.Values.ToArray()).ToArray();
        gradients.ApplySgd(weights, LearningRate);

        var learnable = weights.Parameters.Select(p => p.Name).ToHashSet();
        for (var t = 0; t < weights.AllTensors().Count; t++)
        {
            var tensor = weights.AllTensors()[t];
            var expected = before[t];
            if (learnable.Contains(tensor.Name))
            {
                var gradient = gradients.Parameters.Single(p => p.Name == tensor.Name).Values.ToArray();
                expected = expected.Select((w, i) => w - (LearningRate * gradient[i])).ToArray();
            }

            Assert.Equal(expected, tensor.Values.ToArray());
        }
    }

    /// <summary>
    /// C = 8, rate 4 (m = 2), 6×6 maps, batches of 8 fresh inputs uniform in (−2, 2), float; loss = mean((y − t)²), so
    /// ∂L/∂y = 2(y − t)/count; one SGD step per batch. The student normalises with each batch's statistics while the
    /// teacher uses its running ones, so the loss has a floor: it falls from 0.16 to about 5e-3 (30×) in 300 steps at
    /// rate 2 (rate 1 reaches 19×, rate 3 38×), in a fifth of a second. The test asks for 10×, comparing the first step's
    /// loss with the mean of the last ten.
    /// </summary>
    [Fact]
    public void Sgd_in_train_mode_fits_a_random_teacher_ten_times_closer()
    {
        const int Steps = 300;
        const double LearningRate = 2;
        int[] shape = [8, 8, 6, 6];
        var count = shape.Aggregate(1, (a, b) => a * b);
        var teacher = new GamModule(GamWeights.CreateDefault(8, rate: 4, seed: 1));
        var weights = GamWeights.CreateDefault(8, rate: 4, seed: 2);
        var student = new GamModule(weights);
        var gradients = new GamGradients(weights);
        var activations = new GamActivations();
        var random = new Random(3);
        var (x, t, y, dy, dx) = (new float[count], new float[count], new float[count], new float[count], new float[count]);
        var losses = new double[Steps];
        var time = Stopwatch.StartNew();
        for (var step = 0; step < Steps; step++)
        {
            for (var i = 0; i < count; i++)
            {
                x[i] = (float)((4 * random.NextDouble()) - 2);
            }

            teacher.Forward(x, t, shape, GamMode.Eval);
            student.Forward(x, y, shape, GamMode.Train, activations);
            var loss = 0.0;
            for (var i = 0; i < count; i++)
            {
                var difference = (double)y[i] - t[i];
                loss += difference * difference;
                dy[i] = (float)(2 * difference / count);
            }

            losses[step] = loss / count;
            Assert.True(double.IsFinite(losses[step]), $"step {step}: the loss is {losses[step]}");
            gradients.Clear();
            student.Backward(x, dy, dx, shape, GamMode.Train, activations, gradients);
            gradients.ApplySgd(weights, LearningRate);
        }

        time.Stop();
        for (var step = 0; step < Steps; step += 10)
        {
            output.WriteLine($"step {step,3}: loss {losses[step]:E3}");
        }

        var first = losses[0];
        var last = losses[^10..].Average();
        output.WriteLine($"{Steps} steps at rate {LearningRate} in {time.ElapsedMilliseconds} ms: loss {first:E3} -> {last:E3} (mean of the last ten), {first / last:F1}x lower");
        Assert.True(last * 10 <= first, $"the loss fell from {first:E3} to {last:E3} in {Steps} steps, only {first / last:F1}x (10x expected)");
        Assert.Equal(Steps, weights.BatchesTracked1);
    }

    /// <summary>
    /// After an optimizer step the module repacks (or, on the spectral path, transforms again) the weights of its training
    /// plan in place: the next steps give the bits of a fresh module with the same weights (train-mode outputs, running
    /// statistics, dx and every gradient, float and double, on every path). That such a step allocates no new plan is
    /// checked with the other allocation tests (GamBackwardAllocationTests).
    /// </summary>
    [Theory]
    [InlineData(ConvolutionPath.Direct)]
    [InlineData(ConvolutionPath.Packed)]
    [InlineData(ConvolutionPath.Spectral)]
    public void A_training_loop_repacks_its_weights_in_place_with_the_bits_of_a_fresh_module(ConvolutionPath path)
    {
        int[] shape = [8, 32, 7, 7];
        var count = shape.Aggregate(1, (a, b) => a * b);
        var random = new Random(4);
        var x = Enumerable.Range(0, count).Select(_ => (float)((4 * random.NextDouble()) - 2)).ToArray();
        var dy = Enumerable.Range(0, count).Select(_ => (float)((2 * random.NextDouble()) - 1)).ToArray();
        var weights = GamWeights.CreateDefault(32, rate: 4, seed: 5);
        var options = ModulePaths.Options(SimAmKernel.Auto, path);
        var module = new GamModule(weights, options);
        var (gradients, activations) = (new GamGradients(weights), new GamActivations());
        var (y, dx) = (new float[count], new float[count]);
        for (var step = 0; step < 4; step++)
        {
            module.Forward(x, y, shape, GamMode.Train, activations);
            gradients.Clear();
            module.Backward(x, dy, dx, shape, GamMode.Train, activations, gradients);
            gradients.ApplySgd(weights, 0.05);
        }

        var fresh = new GamModule(weights.Clone(), options);
        var freshWeights = fresh.Weights;
        var (expected, expectedDx) = (new float[count], new float[count]);
        var freshGradients = new GamGradients(freshWeights);
        var freshActivations = new GamActivations();
        fresh.Forward(x, expected, shape, GamMode.Train, freshActivations);
        fresh.Backward(x, dy, expectedDx, shape, GamMode.Train, freshActivations, freshGradients);
        module.Forward(x, y, shape, GamMode.Train, activations);
        gradients.Clear();
        module.Backward(x, dy, dx, shape, GamMode.Train, activations, gradients);
        Assert.Equal(expected, y);
        Assert.Equal(expectedDx, dx);
        for (var i = 0; i < freshGradients.Parameters.Count; i++)
        {
            Assert.Equal(freshGradients.Parameters[i].Values.ToArray(), gradients.Parameters[i].Values.ToArray());
        }

        var (expected64, y64) = (new double[count], new double[count]);
        var x64 = x.Select(v => (double)v).ToArray();
        fresh.Forward(x64, expected64, shape, GamMode.Train);
        module.Forward(x64, y64, shape, GamMode.Train);
        Assert.Equal(expected64, y64);
        for (var i = 0; i < weights.AllTensors().Count; i++)
        {
            Assert.Equal(freshWeights.AllTensors()[i].Values.ToArray(), weights.AllTensors()[i].Values.ToArray());
        }
    }
}
