using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace SimAM.Cli.Benchmarking;

/// <summary>
/// How long each of a set of calls takes, measured together: warm-up, then rounds in which every call runs once,
/// timed, in turn; the median of each call's samples. On a shared machine the speed of the whole host drifts
/// over seconds; interleaving puts every call in the same windows, so the ratios between them (engine over
/// memcpy, say) hold even when the absolute times move.
/// </summary>
/// <param name="Warmup">Untimed calls of each first (JIT tiers, page faults, caches).</param>
/// <param name="MinRepetitions">Rounds at least.</param>
/// <param name="MaxRepetitions">Rounds at most.</param>
/// <param name="MinSeconds">Keep adding rounds (up to <paramref name="MaxRepetitions"/>) until each call has had this much time on average: more samples for fast calls.</param>
internal sealed record Timing(int Warmup, int MinRepetitions, int MaxRepetitions, double MinSeconds)
{
    /// <summary>Gets the settings of <c>bench --quick</c>.</summary>
    public static Timing Quick { get; } = new(Warmup: 3, MinRepetitions: 9, MaxRepetitions: 31, MinSeconds: 0.15);

    /// <summary>Gets the settings of a full <c>bench</c>.</summary>
    public static Timing Standard { get; } = new(Warmup: 3, MinRepetitions: 9, MaxRepetitions: 41, MinSeconds: 0.3);

    /// <summary>Times <paramref name="actions"/> in interleaved rounds.</summary>
    /// <param name="actions">The calls to time.</param>
    /// <returns>The median time of one call of each, in milliseconds, in the order given.</returns>
    public IReadOnlyList<double> MedianMilliseconds(IReadOnlyList<Action> actions)
    {
        foreach (var action in actions)
        {
            for (var i = 0; i < Warmup; i++)
            {
                action();
            }
        }

        var samples = new List<double>[actions.Count];
        for (var k = 0; k < samples.Length; k++)
        {
            samples[k] = [];
        }

        var total = 0.0;
        var rounds = 0;
        while (rounds < MinRepetitions || (total < MinSeconds * actions.Count && rounds < MaxRepetitions))
        {
            for (var k = 0; k < actions.Count; k++)
            {
                var start = Stopwatch.GetTimestamp();
                actions[k]();
                var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                samples[k].Add(seconds * 1000);
                total += seconds;
            }

            rounds++;
        }

        var medians = new double[actions.Count];
        for (var k = 0; k < medians.Length; k++)
        {
            medians[k] = Median(samples[k]);
        }

        return medians;
    }

    private static double Median(List<double> samples)
    {
        samples.Sort();
        var middle = samples.Count / 2;
        return samples.Count % 2 == 1 ? samples[middle] : (samples[middle - 1] + samples[middle]) / 2;
    }
}
