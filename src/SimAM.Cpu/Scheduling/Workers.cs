using CommunityToolkit.HighPerformance.Helpers;

namespace SimAM.Scheduling;

/// <summary>
/// Runs a struct action once per worker, for both families. Struct actions (CommunityToolkit's <see cref="IAction"/>)
/// carry raw pointers and sizes, so a call allocates only what <c>Parallel.For</c> itself needs: no
/// delegate or closure per plane or chunk.
/// </summary>
internal static class Workers
{
    /// <summary>
    /// Runs <paramref name="action"/> for workers 0 to <paramref name="workers"/> − 1. Workers that wrote with
    /// non-temporal stores (<paramref name="streaming"/>) fence them before they report done, so the caller sees
    /// every value once the call returns.
    /// </summary>
    public static void Run<TAction>(int workers, in TAction action, bool streaming = false)
        where TAction : struct, IAction
    {
        if (workers == 1)
        {
            // The calling thread sees its own stores, non-temporal or not.
            action.Invoke(0);
            return;
        }

        // One item per worker: ParallelHelper then runs exactly that many batches (or fewer, when the
        // caller asked for more workers than there are cores).
        if (streaming)
        {
            ParallelHelper.For(0, workers, new Fenced<TAction>(action), minimumActionsPerThread: 1);
        }
        else
        {
            ParallelHelper.For(0, workers, in action, minimumActionsPerThread: 1);
        }
    }

    private readonly struct Fenced<TAction>(TAction action) : IAction
        where TAction : struct, IAction
    {
        public void Invoke(int i)
        {
            action.Invoke(i);
            StorePolicy.Fence();
        }
    }
}
