using CommunityToolkit.HighPerformance.Helpers;

namespace SimAM.Scheduling;

/// <summary>
/// Runs a struct action once per worker, for both families. Struct actions (CommunityToolkit's <see cref="IAction"/>)
/// carry raw pointers and sizes, so a call allocates only what <c>Parallel.For</c> itself needs: no
/// delegate or closure per plane or chunk.
/// </summary>
internal static class Workers
{
    public static void Run<TAction>(int workers, in TAction action)
        where TAction : struct, IAction
    {
        if (workers == 1)
        {
            action.Invoke(0);
            return;
        }

        // One item per worker: ParallelHelper then runs exactly that many batches (or fewer, when the
        // caller asked for more workers than there are cores).
        ParallelHelper.For(0, workers, in action, minimumActionsPerThread: 1);
    }
}
