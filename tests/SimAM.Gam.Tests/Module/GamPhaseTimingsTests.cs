using System;
using SimAM.Gam.Scheduling;
using Xunit;

namespace SimAM.Gam.Tests.ModuleTests;

/// <summary>
/// The timings <c>simam gam bench</c> reads: the forward passes' direct and packed convolutions are timed on every path
/// that runs them (whole samples per worker, one sample spread over the workers, the phased train pass, the packed
/// tiles), the spectral convolutions never, and nothing is timed while no timings are set.
/// </summary>
public class GamPhaseTimingsTests
{
    [Theory]
    [InlineData(4, 14, false, GamMode.Eval)]
    [InlineData(1, 14, false, GamMode.Eval)]
    [InlineData(4, 14, false, GamMode.Train)]
    [InlineData(4, 7, true, GamMode.Eval)]
    [InlineData(4, 7, true, GamMode.Train)]
    public void Direct_and_packed_convolutions_are_timed_on_every_path(int batch, int side, bool packed, GamMode mode)
    {
        var module = new GamModule(
            GamWeights.CreateDefault(32, seed: 3), new GamOptions { SpectralConvolution = false, PackedConvolution = packed, MaxDegreeOfParallelism = 2 });
        var timings = Forward(module, batch, side, mode);
        Assert.True(timings.ForwardConvolutionMillisecondsPerWorker > 0, $"{mode} [{batch},32,{side},{side}], packed {packed}: no time in the convolutions");
    }

    [Theory]
    [InlineData(GamMode.Eval)]
    [InlineData(GamMode.Train)]
    public void Spectral_convolutions_are_not_counted_as_direct_ones(GamMode mode)
    {
        var module = new GamModule(GamWeights.CreateDefault(32, seed: 3), new GamOptions { SpectralConvolution = true, MaxDegreeOfParallelism = 2 });
        Assert.Equal(0, Forward(module, 4, 14, mode).ForwardConvolutionMillisecondsPerWorker);
    }

    [Fact]
    public void A_module_without_timings_records_nothing()
    {
        var module = new GamModule(GamWeights.CreateDefault(32, seed: 3), new GamOptions { SpectralConvolution = false });
        var timings = Forward(module, 4, 14, GamMode.Eval);
        var before = timings.ForwardConvolutionMillisecondsPerWorker;
        module.Timings = null;
        var input = new float[4 * 32 * 14 * 14];
        module.Forward(input, new float[input.Length], [4, 32, 14, 14], GamMode.Eval);
        Assert.Equal(before, timings.ForwardConvolutionMillisecondsPerWorker);
    }

    private static PhaseTimings Forward(GamModule module, int batch, int side, GamMode mode)
    {
        var input = new float[batch * 32 * side * side];
        var random = new Random(5);
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (float)((random.NextDouble() * 2) - 1);
        }

        var timings = new PhaseTimings();
        module.Timings = timings;
        module.Forward(input, new float[input.Length], [batch, 32, side, side], mode);
        return timings;
    }
}
