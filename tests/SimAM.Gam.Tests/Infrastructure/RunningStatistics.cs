using System;
using System.Collections.Generic;
using System.Linq;
using Xunit.Sdk;

namespace SimAM.Gam.Tests.Infrastructure;

/// <summary>
/// The running statistics after a train-mode call against a float64 evaluation: double to 1e-12 of the tensor's
/// largest value; float to the bound that float convolution outputs allow (<see cref="StatisticBudget"/>).
/// </summary>
public static class RunningStatistics
{
    /// <summary>
    /// The float module's budget for each convolution output z of a channel, relative to the channel's scale
    /// S = |μ| + σ (its batch mean and biased standard deviation): τ = 2e-6, the budget the issue gives the outputs.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The float module computes z in float and the batch moments in double from those float values, so the running
    /// statistics inherit z's rounding. With |ẑ − z| ≤ τ·S for every value of the channel: the batch mean errs by at
    /// most τ·S; the biased variance mean(d²), d = z − μ, becomes mean((d + e)²) with |e| ≤ 2τS (the mean's error
    /// included), so it errs by at most 2·σ·2τS + (2τS)² (Cauchy–Schwarz on mean(d·e)); and PyTorch's update scales
    /// the two by 0.1 and 0.1·n/(n − 1) (n = N·H·W, the unbiased variance).
    /// </para>
    /// <para>
    /// τ is a budget, not a worst-case proof: the worst case of a K-term float dot product (K·2^-24 of Σ|w·x|, with
    /// K = 49·C/groups) would be a thousand times looser than anything observed. The golden cases measure at most
    /// 2e-7·S (a few ulps of S) at every width and on both paths: ten times inside, as the outputs are (at most
    /// 3.4e-7 of their 2e-6).
    /// </para>
    /// </remarks>
    public const double StatisticBudget = 2e-6;

    /// <summary>Gets the four running-statistics tensors by name.</summary>
    public static Dictionary<string, double[]> Of(GamWeights weights) =>
        weights.Buffers.ToDictionary(b => b.Name, b => b.Values.ToArray());

    /// <summary>Asserts each running statistic within 1e-12 of the tensor's largest expected value.</summary>
    public static void AssertDouble(IReadOnlyDictionary<string, double[]> expected, GamWeights actual, string context)
    {
        if (expected.Count != 4)
        {
            throw new XunitException($"{context}: {expected.Count} expected running statistics, not 4.");
        }

        foreach (var (name, values) in expected)
        {
            _ = Accuracy.AssertClose(actual.Find(name)!.Values, values, Accuracy.DoubleBound, $"{context} {name}");
        }
    }

    /// <summary>
    /// Asserts the float module's running statistics within the <see cref="StatisticBudget"/> bounds, channel by channel;
    /// returns the worst error relative to its part of the budget's scale (0.1·S for means, 0.1·n/(n − 1)·2σS for variances).
    /// </summary>
    /// <param name="start">The weights before the call (their running statistics).</param>
    /// <param name="expected">The float64 running statistics after the call, by name.</param>
    /// <param name="actual">The float module's weights after the call.</param>
    /// <param name="n">N·H·W.</param>
    /// <param name="context">What the failure message starts with.</param>
    public static double AssertFloat(GamWeights start, IReadOnlyDictionary<string, double[]> expected, GamWeights actual, long n, string context)
    {
        var worst = 0.0;
        foreach (var layer in new[] { 1, 4 })
        {
            var meanName = $"spatial_attention.{layer}.running_mean";
            var varName = $"spatial_attention.{layer}.running_var";
            var meanBefore = start.Find(meanName)!.Values;
            var varBefore = start.Find(varName)!.Values;
            var meanAfter = expected[meanName];
            var varAfter = expected[varName];
            var meanActual = actual.Find(meanName)!.Values;
            var varActual = actual.Find(varName)!.Values;
            for (var channel = 0; channel < meanAfter.Length; channel++)
            {
                // The float64 batch moments, recovered from the update running = 0.9·running + 0.1·batch.
                var mean = (meanAfter[channel] - (0.9 * meanBefore[channel])) / 0.1;
                var variance = Math.Max(0, (varAfter[channel] - (0.9 * varBefore[channel])) / 0.1 * (n - 1) / n);
                var sigma = Math.Sqrt(variance);
                var scale = Math.Abs(mean) + sigma;
                var deviation = 2 * StatisticBudget * scale;
                var meanLimit = 0.1 * StatisticBudget * scale;
                var varLimit = 0.1 * n / (n - 1) * ((2 * sigma * deviation) + (deviation * deviation));
                var meanError = Math.Abs(meanActual[channel] - meanAfter[channel]);
                var varError = Math.Abs(varActual[channel] - varAfter[channel]);
                if (!(meanError <= meanLimit) || !(varError <= varLimit))
                {
                    throw new XunitException(
                        $"{context}: layer {layer} channel {channel}: running mean {meanActual[channel]:R} (float64 {meanAfter[channel]:R}, limit {meanLimit:E3}), " +
                        $"running var {varActual[channel]:R} (float64 {varAfter[channel]:R}, limit {varLimit:E3}).");
                }

                worst = Math.Max(worst, meanError / (0.1 * scale));
                if (sigma > 0)
                {
                    worst = Math.Max(worst, varError / (0.1 * n / (n - 1) * 2 * sigma * scale));
                }
            }
        }

        return worst;
    }
}
