using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace SimAM.Cli.Benchmarking;

/// <summary>
/// How long each of a set of calls takes, measured together: warm-up, then rounds in which every call runs once,
/// timed, in turn; the median of each call's samples. On a shared machine the speed of the whole host drifts
/// over seconds; interleaving puts every call in the same windows, so the ratios between them (engine over
/// memcpy, say) hold even when the absolute times move. Times come from the raw timestamps: through a TimeSpan they
/// were whole 100 ns ticks, and a copy of a few dozen bytes had a median of 0 ms. A call shorter than
/// <see cref="MinSampleSeconds"/> is timed in a batch of calls per sample (the batch's time over its calls), so that the
/// clock's own cost, some tens of nanoseconds a reading, does not stand for the call's.
/// </summary>
/// <param name="Warmup">Untimed calls of each first (JIT tiers, page faults, caches).</param>
/// <param name="MinRepetitions">Rounds at least.</param>
/// <param name="MaxRepetitions">Rounds at most.</param>
/// <param name="MinSeconds">Keep adding rounds (up to <paramref name="MaxRepetitions"/>) until each call has had this much time on average: more samples for fast calls.</param>
internal sealed record Timing(int Warmup, int MinRepetitions, int MaxRepetitions, double MinSeconds)
{
    /// <summary>The shortest time one sample spans: faster calls run in batches per sample.</summary>
    public const double MinSampleSeconds = 10e-6;

    /// <summary>Gets the settings of <c>bench --quick</c>.</summary>
    public static Timing Quick { get; } = new(Warmup: 3, MinRepetitions: 9, MaxRepetitions: 31, MinSeconds: 0.15);

    /// <summary>Gets the settings of a full <c>bench</c>.</summary>
    public static Timing Standard { get; } = new(Warmup: 3, MinRepetitions: 9, MaxRepetitions: 41, MinSeconds: 0.3);

    /// <summary>Times <paramref name="actions"/> in interleaved rounds.</summary>
    /// <param name="actions">The calls to time.</param>
    /// <returns>The median time of one call of each, in milliseconds, in the order given.</returns>
    public IReadOnlyList<double> MedianMilliseconds(IReadOnlyList<Action> actions)
    {
        var batches = new int[actions.Count];
        for (var k = 0; k < actions.Count; k++)
        {
            var action = actions[k];
            var last = double.NaN;
            for (var i = 0; i < Warmup; i++)
            {
                var start = Stopwatch.GetTimestamp();
                action();
                last = Seconds(start);
            }

            // The last warm-up call says whether one call is long enough to time alone; without warm-up, or where it is
            // not, batches of growing size say how many calls are.
            batches[k] = last >= MinSampleSeconds ? 1 : Batch(action);
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
                var (action, calls) = (actions[k], batches[k]);
                var start = Stopwatch.GetTimestamp();
                for (var i = 0; i < calls; i++)
                {
                    action();
                }

                var seconds = Seconds(start);
                samples[k].Add(seconds * 1000 / calls);
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

    /// <summary>
    /// Gets how many calls of <paramref name="action"/> one sample times: 1 where a call takes <see cref="MinSampleSeconds"/>
    /// or more, else the power of two whose batch first does (at most about a million calls).
    /// </summary>
    private static int Batch(Action action)
    {
        for (var calls = 1; ; calls *= 2)
        {
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < calls; i++)
            {
                action();
            }

            if (Seconds(start) >= MinSampleSeconds || calls >= 1 << 20)
            {
                return calls;
            }
        }
    }

    /// <summary>Gets the seconds since timestamp <paramref name="start"/>, at the timestamps' own resolution.</summary>
    private static double Seconds(long start) => (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;

    private static double Median(List<double> samples)
    {
        samples.Sort();
        var middle = samples.Count / 2;
        return samples.Count % 2 == 1 ? samples[middle] : (samples[middle - 1] + samples[middle]) / 2;
    }
}
