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
/// gradients and data gradients that <c>simam gam bench</c> reports. Off (null) unless the benchmark sets
/// <see cref="GamModule.BackwardTimings"/>; then one timestamp pair per phase, nothing per item.
/// </summary>
internal sealed class PhaseTimings
{
    private readonly long[] _ticks = new long[Enum.GetValues<BackwardPart>().Length];

    /// <summary>Gets the milliseconds summed for <paramref name="part"/>.</summary>
    public double Milliseconds(BackwardPart part) => Interlocked.Read(ref _ticks[(int)part]) * 1000.0 / Stopwatch.Frequency;

    public void Add(BackwardPart part, long ticks) => Interlocked.Add(ref _ticks[(int)part], ticks);
}
