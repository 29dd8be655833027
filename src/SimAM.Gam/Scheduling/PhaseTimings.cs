using System.Collections.Generic;
using System.Diagnostics;

namespace SimAM.Gam.Scheduling;

/// <summary>
/// Wall time per phase of the backward passes of a module, summed over calls: what the benchmarks report as the split
/// between recomputation, data gradients and weight gradients. Off (null) unless a benchmark sets
/// <see cref="GamModule.BackwardTimings"/>; then one timestamp pair per phase, nothing per item.
/// </summary>
internal sealed class PhaseTimings
{
    private readonly Dictionary<string, long> _ticks = [];

    /// <summary>Gets the milliseconds per phase name, in the order the phases first ran.</summary>
    public IEnumerable<KeyValuePair<string, double>> Milliseconds
    {
        get
        {
            foreach (var (name, ticks) in _ticks)
            {
                yield return new(name, ticks * 1000.0 / Stopwatch.Frequency);
            }
        }
    }

    public void Add(string phase, long ticks)
    {
        lock (_ticks)
        {
            _ticks[phase] = _ticks.GetValueOrDefault(phase) + ticks;
        }
    }

    public void Clear()
    {
        lock (_ticks)
        {
            _ticks.Clear();
        }
    }
}
