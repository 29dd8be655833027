using System;
using System.Collections.Generic;
using SimAM.Gam;
using SimAM.Gam.Scheduling;

namespace SimAM.Cli.Benchmarking.Gam;

/// <summary>One row of <c>simam gam bench</c>.</summary>
/// <param name="Case">The configuration.</param>
/// <param name="Mode">eval or train.</param>
/// <param name="ForwardMs">The median forward time.</param>
/// <param name="GigaFlops">The forward pass's multiply-adds per second (see <see cref="GamBenchCase.Flops"/>).</param>
/// <param name="PeakGigaFlops">The FMA peak the shares are taken of (the highest measured around the run).</param>
/// <param name="Step">In train mode, the training step timed in the same rounds; <see langword="null"/> in eval mode.</param>
/// <param name="ConvolutionGigaFlops">
/// The forward pass's two convolutions' multiply-adds (<see cref="GamBenchCase.ConvolutionFlops"/>) per second of the time
/// the workers spent in them, from further calls after the timed rounds: the direct (or packed) convolution core's rate
/// with all workers on it; <see langword="null"/> where the pass convolves through the Fourier transform.
/// </param>
internal sealed record GamBenchResult(GamBenchCase Case, GamMode Mode, double ForwardMs, double GigaFlops, double PeakGigaFlops, GamTrainStep? Step, double? ConvolutionGigaFlops = null)
{
    /// <summary>Gets <see cref="GigaFlops"/> over <see cref="PeakGigaFlops"/>.</summary>
    public double OfPeak => GigaFlops / PeakGigaFlops;

    /// <summary>Gets <see cref="ConvolutionGigaFlops"/> over <see cref="PeakGigaFlops"/>; <see langword="null"/> where there is no direct convolution.</summary>
    public double? ConvolutionOfPeak => ConvolutionGigaFlops / PeakGigaFlops;

    /// <summary>Gets the backward pass's GFLOP/s over <see cref="PeakGigaFlops"/>; <see langword="null"/> in eval mode.</summary>
    public double? BackwardOfPeak => Step is null ? null : Step.BackwardGigaFlops / PeakGigaFlops;
}

/// <summary>
/// A training step: the train-mode forward pass keeping its activations, then the backward pass; the parameters count as
/// changed after it, as after an optimizer step, so every forward pass pays for repacking (or transforming) the weights.
/// </summary>
/// <param name="ForwardMs">The median time of the forward pass with activations.</param>
/// <param name="BackwardMs">The median time of the backward pass (∂L/∂x and every parameter's gradient).</param>
/// <param name="BackwardGigaFlops">The backward pass's multiply-adds per second (see <see cref="GamBenchCase.BackwardFlops"/>).</param>
/// <param name="Split">Where the backward pass's time goes, from further steps after the timed rounds.</param>
internal sealed record GamTrainStep(double ForwardMs, double BackwardMs, double BackwardGigaFlops, BackwardSplit Split)
{
    /// <summary>Gets the step's time: the forward pass with activations plus the backward pass.</summary>
    public double StepMs => ForwardMs + BackwardMs;
}

/// <summary>The backward pass's time per part, in milliseconds per call: the means of several steps.</summary>
/// <param name="RecomputeMs">x1 and h1 recomputed (the channel MLP, BatchNorm 1).</param>
/// <param name="GateAndNormsMs">The output gate's gradient and both BatchNorms' backward passes.</param>
/// <param name="WeightGradientsMs">Both convolutions' weight gradients (with the output gradients' spectra on the spectral path).</param>
/// <param name="DataGradientsMs">Both convolutions' data gradients.</param>
/// <param name="ChannelMlpMs">The channel MLP's backward pass and its weight gradients.</param>
internal sealed record BackwardSplit(double RecomputeMs, double GateAndNormsMs, double WeightGradientsMs, double DataGradientsMs, double ChannelMlpMs);

/// <summary>Times the GAM module on the benchmark cases, in both modes, against this machine's FMA peak.</summary>
internal static class GamBenchRunner
{
    /// <summary>
    /// Runs every case in eval and train mode with PyTorch-initialised weights (seed 1), a uniform input and a uniform ∂L/∂y.
    /// In train mode the plain forward pass, the forward pass keeping activations and the backward pass take turns in the
    /// same rounds, so the three times saw the same machine conditions. The backward pass ends by marking the parameters
    /// changed (their values stay, so every round measures the same), as an optimizer step would: a training loop's
    /// forward passes pay for taking in new weights, and so do these.
    /// </summary>
    /// <param name="cases">The configurations.</param>
    /// <param name="timing">Warm-up and repetitions.</param>
    /// <param name="peakGigaFlops">The FMA peak measured before the run (a caller that measures it again after may take the higher, <c>result with { PeakGigaFlops = … }</c>).</param>
    /// <param name="progress">Called with each row as it is measured.</param>
    /// <returns>One result per case and mode.</returns>
    public static IReadOnlyList<GamBenchResult> Run(IReadOnlyList<GamBenchCase> cases, Timing timing, double peakGigaFlops, Action<GamBenchResult>? progress = null)
    {
        var results = new List<GamBenchResult>();
        foreach (var c in cases)
        {
            var weights = GamWeights.CreateDefault(c.Channels, c.Rate, c.Groups, seed: 1);
            var module = new GamModule(weights, new GamOptions { ShuffleGroups = c.ShuffleGroups });
            var length = c.Shape[0] * c.Shape[1] * c.Shape[2] * c.Shape[3];
            var x = Uniform(length, seed: 7);
            var y = new float[length];
            foreach (var mode in new[] { GamMode.Eval, GamMode.Train })
            {
                var result = mode == GamMode.Eval
                    ? Row(c, mode, timing.MedianMilliseconds([() => module.Forward(x, y, c.Shape, mode)])[0], null, peakGigaFlops)
                    : TrainRow(c, module, x, y, timing, peakGigaFlops);
                result = result with { ConvolutionGigaFlops = ConvolutionRate(c, module, () => module.Forward(x, y, c.Shape, mode), timing.MinRepetitions) };
                results.Add(result);
                progress?.Invoke(result);
            }
        }

        return results;
    }

    private static GamBenchResult TrainRow(GamBenchCase c, GamModule module, float[] x, float[] y, Timing timing, double peakGigaFlops)
    {
        var g = Uniform(x.Length, seed: 8);
        var dx = new float[x.Length];
        var activations = new GamActivations();
        var gradients = new GamGradients(module.Weights);

        // The backward pass runs right after the forward pass that filled the activations, in the warm-up and in every round.
        void ForwardKeeping() => module.Forward(x, y, c.Shape, GamMode.Train, activations);
        void Backward()
        {
            module.Backward(x, g, dx, c.Shape, GamMode.Train, activations, gradients);
            module.Weights.MarkChanged();
        }

        var ms = timing.MedianMilliseconds([() => module.Forward(x, y, c.Shape, GamMode.Train), ForwardKeeping, Backward]);
        var backwardGigaFlops = c.BackwardFlops / (ms[2] * 1e6);
        return Row(c, GamMode.Train, ms[0], new GamTrainStep(ms[1], ms[2], backwardGigaFlops, Split(module, ForwardKeeping, Backward, timing.MinRepetitions)), peakGigaFlops);
    }

    /// <summary>
    /// The rate of the forward pass's direct or packed convolutions, the median over <paramref name="calls"/> further calls
    /// of <paramref name="forward"/>: their multiply-adds over the time each worker spent in them; null where the pass
    /// convolves through the Fourier transform (no time in direct convolutions).
    /// </summary>
    private static double? ConvolutionRate(GamBenchCase c, GamModule module, Action forward, int calls)
    {
        var rates = new List<double>();
        for (var i = 0; i < calls; i++)
        {
            var timings = new PhaseTimings();
            Timed(module, timings, forward);
            var ms = timings.ForwardConvolutionMillisecondsPerWorker;
            if (ms > 0)
            {
                rates.Add(c.ConvolutionFlops / (ms * 1e6));
            }
        }

        rates.Sort();
        return rates.Count == 0 ? null : rates[rates.Count / 2];
    }

    /// <summary>
    /// The backward pass's split over <paramref name="steps"/> further training steps (<paramref name="forward"/>, then
    /// <paramref name="backward"/>), timed per phase: the timed rounds ran without the timestamps.
    /// </summary>
    private static BackwardSplit Split(GamModule module, Action forward, Action backward, int steps)
    {
        var timings = new PhaseTimings();
        Timed(module, timings, () =>
        {
            for (var i = 0; i < steps; i++)
            {
                forward();
                backward();
            }
        });

        double Mean(BackwardPart part) => timings.Milliseconds(part) / steps;
        return new BackwardSplit(
            Mean(BackwardPart.Recompute), Mean(BackwardPart.GateAndNorms), Mean(BackwardPart.WeightGradients), Mean(BackwardPart.DataGradients), Mean(BackwardPart.ChannelMlp));
    }

    /// <summary>Runs <paramref name="run"/> with <paramref name="timings"/> set on <paramref name="module"/>, and unsets them after.</summary>
    private static void Timed(GamModule module, PhaseTimings timings, Action run)
    {
        module.Timings = timings;
        try
        {
            run();
        }
        finally
        {
            module.Timings = null;
        }
    }

    private static GamBenchResult Row(GamBenchCase c, GamMode mode, double forwardMs, GamTrainStep? step, double peakGigaFlops)
    {
        var gigaFlops = c.Flops / (forwardMs * 1e6);
        return new GamBenchResult(c, mode, forwardMs, gigaFlops, peakGigaFlops, step);
    }

    private static float[] Uniform(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }
}
