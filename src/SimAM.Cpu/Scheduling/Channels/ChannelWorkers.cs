using CommunityToolkit.HighPerformance.Helpers;

namespace SimAM.Scheduling.Channels;

/// <summary>Runs a struct action once per worker (no delegate or closure per sample or chunk).</summary>
internal static class ChannelWorkers
{
    public static void Run<TAction>(int workers, in TAction action)
        where TAction : struct, IAction
    {
        if (workers == 1)
        {
            action.Invoke(0);
            return;
        }

        ParallelHelper.For(0, workers, in action, minimumActionsPerThread: 1);
    }
}
