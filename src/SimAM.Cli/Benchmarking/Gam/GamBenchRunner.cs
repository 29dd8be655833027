using System;
using System.Collections.Generic;
using SimAM.Gam;

namespace SimAM.Cli.Benchmarking.Gam;

/// <summary>One row of <c>simam gam bench</c>.</summary>
/// <param name="Case">The configuration.</param>
/// <param name="Mode">eval or train.</param>
/// <param name="ForwardMs">The median forward time.</param>
/// <param name="GigaFlops">The forward pass's multiply-adds per second (see <see cref="GamBenchCase.Flops"/>).</param>
/// <param name="OfPeak">GigaFlops over the FMA peak measured in the same run.</param>
internal sealed record GamBenchResult(GamBenchCase Case, GamMode Mode, double ForwardMs, double GigaFlops, double OfPeak);

/// <summary>Times the GAM module on the benchmark cases, in both modes, against this machine's FMA peak.</summary>
internal static class GamBenchRunner
{
    /// <summary>Runs every case in eval and train mode with PyTorch-initialised weights (seed 1) and a uniform input.</summary>
    /// <param name="cases">The configurations.</param>
    /// <param name="timing">Warm-up and repetitions.</param>
    /// <param name="peakGigaFlops">The FMA peak of this run.</param>
    /// <param name="progress">Called with each row as it is measured.</param>
    /// <returns>One result per case and mode.</returns>
    public static IReadOnlyList<GamBenchResult> Run(IReadOnlyList<GamBenchCase> cases, Timing timing, double peakGigaFlops, Action<GamBenchResult>? progress = null)
    {
        var results = new List<GamBenchResult>();
        foreach (var c in cases)
        {
            var weights = GamWeights.CreateDefault(c.Channels, c.Rate, c.Groups, seed: 1);
            var module = new GamModule(weights, new GamOptions { ShuffleGroups = c.ShuffleGroups });
            var x = new float[c.Shape[0] * c.Shape[1] * c.Shape[2] * c.Shape[3]];
            var random = new Random(7);
            for (var i = 0; i < x.Length; i++)
            {
                x[i] = (float)((random.NextDouble() * 2) - 1);
            }

            var y = new float[x.Length];
            foreach (var mode in new[] { GamMode.Eval, GamMode.Train })
            {
                var ms = timing.MedianMilliseconds([() => module.Forward(x, y, c.Shape, mode)])[0];
                var gigaFlops = c.Flops / (ms * 1e6);
                var result = new GamBenchResult(c, mode, ms, gigaFlops, gigaFlops / peakGigaFlops);
                results.Add(result);
                progress?.Invoke(result);
            }
        }

        return results;
    }
}
