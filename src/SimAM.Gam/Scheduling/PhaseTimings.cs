using System;
using System.Diagnostics;
using System.Threading;

namespace SimAM.Gam.Scheduling;

/// <summary>The parts of a backward pass that <see cref="PhaseTimings"/> times.</summary>
internal enum BackwardPart
{
    /// <summary>x1 and h1 again from x and the kept first map (the channel MLP, BatchNorm 1), and x's planes for the MLP's backward pass.</summary>
    Recompute,

    /// <summary>The output gate's gradient and both BatchNorms' backward passes (their sums and the maps of ∂z).</summary>
    GateAndNorms,

    /// <summary>Both convolutions' weight gradients (with the output gradients' spectra on the spectral path).</summary>
    WeightGradients,

    /// <summary>Both convolutions' data gradients.</summary>
    DataGradients,

    /// <summary>The channel MLP's backward pass, its linear layers' weight gradients and the bias sums.</summary>
    ChannelMlp,
}

/// <summary>
/// Wall time per part of the backward passes of a module, summed over calls: the split between recomputation, weight
/// gradients and data gradients that <c>simam gam bench</c> reports; and the workers' time in the forward passes' direct
/// and packed convolutions, from which it reports their rate. Off (null) unless the benchmark sets
/// <see cref="GamModule.Timings"/>; then one timestamp pair per backward phase and per run of convolution items.
/// </summary>
internal sealed class PhaseTimings
{
    /// <summary>The workers told apart (a worker's index beyond it shares an entry, which only undercounts the busy ones).</summary>
    private const int MaxWorkers = 256;

    private readonly long[] _ticks = new long[Enum.GetValues<BackwardPart>().Length];
    private readonly long[] _forwardConvolutionTicks = new long[MaxWorkers];

    /// <summary>Gets the milliseconds summed for <paramref name="part"/>.</summary>
    public double Milliseconds(BackwardPart part) => Interlocked.Read(ref _ticks[(int)part]) * 1000.0 / Stopwatch.Frequency;

    /// <summary>
    /// Gets the milliseconds each worker that ran any spent on average in forward passes' direct and packed convolutions
    /// (their fused epilogues included), summed over the calls: the time the convolutions' work took with all of those
    /// workers on it, without their waits.
    /// </summary>
    public double ForwardConvolutionMillisecondsPerWorker
    {
        get
        {
            long sum = 0;
            var busy = 0;
            foreach (var ticks in _forwardConvolutionTicks)
            {
                sum += ticks;
                busy += ticks > 0 ? 1 : 0;
            }

            return busy == 0 ? 0 : sum * 1000.0 / Stopwatch.Frequency / busy;
        }
    }

    public void Add(BackwardPart part, long ticks) => Interlocked.Add(ref _ticks[(int)part], ticks);

    public void AddForwardConvolution(int worker, long ticks) => Interlocked.Add(ref _forwardConvolutionTicks[worker % MaxWorkers], ticks);
}
