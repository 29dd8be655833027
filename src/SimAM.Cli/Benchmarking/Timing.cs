using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace SimAM.Cli.Benchmarking;

/// <summary>How long one measured call takes: warm up, then the median of several timed repetitions.</summary>
/// <param name="Warmup">Untimed calls first (JIT tiers, page faults, caches).</param>
/// <param name="MinRepetitions">Timed calls at least.</param>
/// <param name="MaxRepetitions">Timed calls at most.</param>
/// <param name="MinSeconds">Keep repeating (up to <paramref name="MaxRepetitions"/>) until this much time is measured: more samples for fast calls.</param>
internal sealed record Timing(int Warmup, int MinRepetitions, int MaxRepetitions, double MinSeconds)
{
    /// <summary>Gets the settings of <c>bench --quick</c>.</summary>
    public static Timing Quick { get; } = new(Warmup: 3, MinRepetitions: 9, MaxRepetitions: 31, MinSeconds: 0.15);

    /// <summary>Gets the settings of a full <c>bench</c>.</summary>
    public static Timing Standard { get; } = new(Warmup: 3, MinRepetitions: 9, MaxRepetitions: 41, MinSeconds: 0.3);

    /// <summary>Times <paramref name="action"/>.</summary>
    /// <param name="action">The call to time.</param>
    /// <returns>The median time of one call in milliseconds.</returns>
    public double MedianMilliseconds(Action action)
    {
        for (var i = 0; i < Warmup; i++)
        {
            action();
        }

        var samples = new List<double>();
        var total = 0.0;
        while (samples.Count < MinRepetitions || (total < MinSeconds && samples.Count < MaxRepetitions))
        {
            var start = Stopwatch.GetTimestamp();
            action();
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            samples.Add(seconds * 1000);
            total += seconds;
        }

        samples.Sort();
        var middle = samples.Count / 2;
        return samples.Count % 2 == 1 ? samples[middle] : (samples[middle - 1] + samples[middle]) / 2;
    }
}
