using System;
using System.Threading;
using SimAM.Cli.Benchmarking;
using Xunit;

namespace SimAM.Cli.Tests;

/// <summary>How <see cref="Timing"/> turns interleaved rounds into one median per call.</summary>
public sealed class TimingTests
{
    /// <summary>
    /// A call of some nanoseconds (a 56-byte copy) gets a positive, finite median of one call's time: the samples come
    /// from raw timestamps (through a TimeSpan, whole 100 ns ticks, they had given a median of 0 ms) and, after the
    /// warm-up, from batches at least <see cref="Timing.MinSampleSeconds"/> long divided by their calls.
    /// </summary>
    [Fact]
    public void A_call_below_the_clock_resolution_gets_a_positive_median()
    {
        var (source, target) = (new float[14], new float[14]);
        var calls = 0;
        var medians = new Timing(Warmup: 3, MinRepetitions: 9, MaxRepetitions: 9, MinSeconds: 0).MedianMilliseconds(
            [() => { source.CopyTo(target); calls++; }]);

        Assert.True(medians[0] > 0 && double.IsFinite(medians[0]), $"median {medians[0]:R} ms, {calls} calls");
        Assert.True(calls > 12, $"{calls} calls: the samples were not batched");
        Assert.True(medians[0] < Timing.MinSampleSeconds * 1000, $"median {medians[0]} ms is not per call");
    }

    /// <summary>
    /// A call longer than <see cref="Timing.MinSampleSeconds"/> runs once per sample: with one warm-up call and three
    /// rounds, four calls in all, and its median is about its own length.
    /// </summary>
    [Fact]
    public void A_long_call_runs_once_per_sample()
    {
        var calls = 0;
        var medians = new Timing(Warmup: 1, MinRepetitions: 3, MaxRepetitions: 3, MinSeconds: 0).MedianMilliseconds(
            [() => { calls++; Thread.Sleep(2); }]);

        Assert.Equal(4, calls);
        Assert.True(medians[0] >= 2 * 0.9, $"median {medians[0]} ms for a 2 ms call");
    }
}
