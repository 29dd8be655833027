using System;
using System.Numerics;
using CommunityToolkit.HighPerformance.Helpers;

namespace SimAM.Gam.Scheduling;

/// <summary>A phase of a pass as runs of independent items (any order, any worker).</summary>
internal interface IItemRuns
{
    /// <summary>Runs items [<paramref name="from"/>, <paramref name="to"/>) on <paramref name="worker"/>'s scratch.</summary>
    void Run(int worker, int from, int to);
}

/// <summary>
/// Hands the items of one phase to the workers. Workers claim runs of items from a shared counter instead of a fixed
/// share each: that keeps a pass as fast as its free cores on a busy host (a fixed half on a core shared with another
/// process made two threads slower than one), and runs of several items keep each worker's reduction chunks in its
/// cache. Which worker computes an item never changes its bits.
/// </summary>
internal static class ItemScheduler
{
    /// <summary>Runs <paramref name="items"/> items of <paramref name="runs"/> on up to <paramref name="workers"/> threads.</summary>
    public static void Execute<T, TRuns>(GamWorkspace<T> workspace, in TRuns runs, int items, int workers)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRuns : struct, IItemRuns
    {
        workers = Math.Min(workers, items);
        if (workers <= 1)
        {
            if (items > 0)
            {
                runs.Run(0, 0, items);
            }

            return;
        }

        workspace.NextItem = 0;
        ParallelHelper.For(0, workers, new Claims<T, TRuns>(workspace, runs, items, workers), minimumActionsPerThread: 1);
    }

    private readonly struct Claims<T, TRuns>(GamWorkspace<T> workspace, TRuns runs, int items, int workers) : IAction
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRuns : struct, IItemRuns
    {
        public void Invoke(int worker)
        {
            var run = Math.Max(1, items / (workers * 8));
            while (true)
            {
                var claimed = System.Threading.Interlocked.Add(ref workspace.NextItem, run);
                var from = claimed - run;
                if (from >= items)
                {
                    return;
                }

                runs.Run(worker, from, Math.Min(items, claimed));
            }
        }
    }
}
