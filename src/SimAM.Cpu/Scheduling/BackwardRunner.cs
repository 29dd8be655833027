using System;
using System.Buffers;
using CommunityToolkit.HighPerformance.Helpers;
using SimAM.Kernels;
using SimAM.Validation;

namespace SimAM.Scheduling;

/// <summary>Schedules a backward pass: statistics (given or recomputed), the Σ a·u, Σ a·u² pass, then dx.</summary>
internal static unsafe class BackwardRunner<T, TKernel>
    where T : unmanaged
    where TKernel : IPlaneKernel<T>
{
    /// <summary>Runs a backward pass; statistics are the forward pass's, or empty to recompute them.</summary>
    public static void Run(ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, Span<T> gradInput, ReadOnlySpan<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, int maxDegreeOfParallelism)
    {
        var plan = WorkPlan.Create(geometry, maxDegreeOfParallelism);
        fixed (T* x = input)
        fixed (T* g = gradOutput)
        fixed (T* dx = gradInput)
        {
            if (!plan.SplitPlanes)
            {
                fixed (PlaneStatistics* given = statistics)
                {
                    Workers.Run(plan, new WholePlanes(x, g, dx, given, plan, geometry.PlaneCount, lambda));
                }

                return;
            }

            var planeCount = geometry.PlaneCount;
            var chunkCount = planeCount * plan.Chunks.ChunksPerPlane;
            var ownStatistics = statistics.IsEmpty ? ArrayPool<PlaneStatistics>.Shared.Rent(planeCount) : null;
            var chunkSums = ArrayPool<BackwardSums>.Shared.Rent(chunkCount + planeCount);
            try
            {
                if (ownStatistics is not null)
                {
                    var moments = ArrayPool<ChunkMoments>.Shared.Rent(chunkCount);
                    try
                    {
                        fixed (ChunkMoments* chunkMoments = moments)
                        {
                            Workers.Run(plan, new ForwardRunner<T, TKernel>.ChunkReduction(x, chunkMoments, plan, chunkCount));
                        }

                        for (var plane = 0; plane < planeCount; plane++)
                        {
                            ownStatistics[plane] = PlaneWork<T, TKernel>.Fold(moments.AsSpan(plane * plan.Chunks.ChunksPerPlane, plan.Chunks.ChunksPerPlane));
                        }
                    }
                    finally
                    {
                        ArrayPool<ChunkMoments>.Shared.Return(moments);
                    }
                }

                var planeStatistics = ownStatistics is null ? statistics : ownStatistics.AsSpan(0, planeCount);
                fixed (PlaneStatistics* stats = planeStatistics)
                fixed (BackwardSums* sums = chunkSums)
                {
                    Workers.Run(plan, new ChunkSums(x, g, stats, sums, plan, chunkCount, lambda));

                    // The plane totals go after the chunk sums in the same rented array.
                    var planeSums = sums + chunkCount;
                    for (var plane = 0; plane < planeCount; plane++)
                    {
                        planeSums[plane] = PlaneWork<T, TKernel>.Fold(chunkSums.AsSpan(plane * plan.Chunks.ChunksPerPlane, plan.Chunks.ChunksPerPlane));
                    }

                    Workers.Run(plan, new ChunkGradients(x, g, dx, stats, planeSums, plan, chunkCount, lambda));
                }
            }
            finally
            {
                ArrayPool<BackwardSums>.Shared.Return(chunkSums);
                if (ownStatistics is not null)
                {
                    ArrayPool<PlaneStatistics>.Shared.Return(ownStatistics);
                }
            }
        }
    }

    private readonly struct WholePlanes(T* x, T* g, T* dx, PlaneStatistics* given, WorkPlan plan, int planeCount, double lambda) : IAction
    {
        public void Invoke(int i)
        {
            var layout = plan.Chunks;
            var (start, end) = plan.Range(i, planeCount);

            // A plane of one chunk (under 5120 values) keeps s and a' from its reduction pass on the stack,
            // so the elementwise pass does not evaluate the exponential again; larger planes recompute them.
            var keep = layout.ChunksPerPlane == 1;
            var kept = keep ? stackalloc T[2 * layout.PlaneSize] : default;
            var keptSigmoid = kept[..(kept.Length / 2)];
            var keptWeight = kept[(kept.Length / 2)..];
            for (var plane = start; plane < end; plane++)
            {
                var stats = given != null ? given[plane] : PlaneWork<T, TKernel>.Statistics(x, layout, plane);
                var destination = PlaneWork<T, TKernel>.Plane(dx, layout, plane);
                if (!stats.IsFinite)
                {
                    PlaneWork<T, TKernel>.FillNaN(destination);
                    continue;
                }

                var gate = new GateCoefficients(stats, lambda);
                var values = PlaneWork<T, TKernel>.Plane(x, layout, plane);
                var gradients = PlaneWork<T, TKernel>.Plane(g, layout, plane);
                if (keep)
                {
                    // Both passes but the first read from cache, so the next plane is prefetched across the two:
                    // its x and g during the reduction pass, its dx lines (for ownership) during the gradient pass.
                    // Prefetching all three in the short gradient pass alone left them arriving late.
                    var ahead = plane + 1 < end ? layout.PlaneSize : 0;
                    var sums = TKernel.BackwardSums(values, gradients, gate, keptSigmoid, keptWeight, ahead);
                    TKernel.Backward(values, gradients, keptSigmoid, keptWeight, destination, gate, new BackwardCoefficients(sums, layout.PlaneSize), ahead);
                }
                else
                {
                    var sums = PlaneWork<T, TKernel>.Sums(x, g, layout, plane, gate);
                    TKernel.Backward(values, gradients, destination, gate, new BackwardCoefficients(sums, layout.PlaneSize), 0);
                }
            }
        }
    }

    private readonly struct ChunkSums(T* x, T* g, PlaneStatistics* statistics, BackwardSums* sums, WorkPlan plan, int chunkCount, double lambda) : IAction
    {
        public void Invoke(int i)
        {
            var layout = plan.Chunks;
            var (start, end) = plan.Range(i, chunkCount);
            for (var index = start; index < end; index++)
            {
                var plane = index / layout.ChunksPerPlane;
                var chunk = index % layout.ChunksPerPlane;
                var stats = statistics[plane];

                // A non-finite plane is filled with NaN in the next phase; its sums are never used.
                sums[index] = stats.IsFinite
                    ? TKernel.BackwardSums(PlaneWork<T, TKernel>.Chunk(x, layout, plane, chunk), PlaneWork<T, TKernel>.Chunk(g, layout, plane, chunk), new GateCoefficients(stats, lambda))
                    : default;
            }
        }
    }

    private readonly struct ChunkGradients(T* x, T* g, T* dx, PlaneStatistics* statistics, BackwardSums* planeSums, WorkPlan plan, int chunkCount, double lambda) : IAction
    {
        public void Invoke(int i)
        {
            var layout = plan.Chunks;
            var (start, end) = plan.Range(i, chunkCount);
            for (var index = start; index < end; index++)
            {
                var plane = index / layout.ChunksPerPlane;
                var chunk = index % layout.ChunksPerPlane;
                var stats = statistics[plane];
                var destination = PlaneWork<T, TKernel>.MutableChunk(dx, layout, plane, chunk);
                if (!stats.IsFinite)
                {
                    PlaneWork<T, TKernel>.FillNaN(destination);
                    continue;
                }

                var gate = new GateCoefficients(stats, lambda);
                var coefficients = new BackwardCoefficients(planeSums[plane], layout.PlaneSize);
                var ahead = index + 1 < end ? destination.Length : 0;
                TKernel.Backward(PlaneWork<T, TKernel>.Chunk(x, layout, plane, chunk), PlaneWork<T, TKernel>.Chunk(g, layout, plane, chunk), destination, gate, coefficients, ahead);
            }
        }
    }
}
