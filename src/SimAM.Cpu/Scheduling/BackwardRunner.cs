using System;
using System.Buffers;
using CommunityToolkit.HighPerformance.Helpers;
using SimAM.Kernels.Planes;
using SimAM.Kernels;
using SimAM.Validation;

namespace SimAM.Scheduling;

/// <summary>Schedules a backward pass: statistics (given or recomputed), the Σ a·u, Σ a·u² pass, then dx.</summary>
internal static unsafe class BackwardRunner<T, TKernel, TVariant>
    where T : unmanaged
    where TKernel : IPlaneKernel<T>
    where TVariant : IEnergy
{
    /// <summary>
    /// Runs a backward pass; statistics are the forward pass's, or empty to recompute them. <paramref name="streaming"/>:
    /// write dx with non-temporal stores (<see cref="StorePolicy"/>).
    /// </summary>
    public static void Run(ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, Span<T> gradInput, ReadOnlySpan<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, int maxDegreeOfParallelism, bool streaming)
    {
        var plan = WorkPlan.Create(geometry, maxDegreeOfParallelism);
        var energy = EnergyConstants.Create<TVariant>(geometry.PlaneSize);
        fixed (T* x = input)
        fixed (T* g = gradOutput)
        fixed (T* dx = gradInput)
        {
            if (!plan.SplitPlanes)
            {
                fixed (PlaneStatistics* given = statistics)
                {
                    Workers.Run(plan.Workers, new WholePlanes(x, g, dx, given, plan, geometry.PlaneCount, lambda, energy, streaming), streaming);
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
                            Workers.Run(plan.Workers, new ForwardRunner<T, TKernel, TVariant>.ChunkReduction(x, chunkMoments, plan, chunkCount));
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
                    Workers.Run(plan.Workers, new ChunkSums(x, g, stats, sums, plan, chunkCount, lambda, energy));

                    // The plane totals go after the chunk sums in the same rented array.
                    var planeSums = sums + chunkCount;
                    for (var plane = 0; plane < planeCount; plane++)
                    {
                        planeSums[plane] = PlaneWork<T, TKernel>.Fold(chunkSums.AsSpan(plane * plan.Chunks.ChunksPerPlane, plan.Chunks.ChunksPerPlane));
                    }

                    Workers.Run(plan.Workers, new ChunkGradients(x, g, dx, stats, planeSums, plan, chunkCount, lambda, energy, streaming), streaming);
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

    private readonly struct WholePlanes(T* x, T* g, T* dx, PlaneStatistics* given, WorkPlan plan, int planeCount, double lambda, EnergyConstants energy, bool streaming) : IAction
    {
        public void Invoke(int i)
        {
            var layout = plan.Chunks;
            var (start, end) = plan.Range(i, planeCount);
            var lanes = TKernel.PlanesPerLaneBatch(layout.PlaneSize);
            if (lanes != 0)
            {
                var (batches, rest) = plan.LaneShare(i, planeCount, lanes);
                LaneBatches(batches.Start, batches.End, lanes, layout.PlaneSize);
                (start, end) = rest;
            }

            // A plane of one chunk (under 5120 values) keeps s and a' from its reduction pass on the stack,
            // so the elementwise pass does not evaluate the exponential again; larger planes recompute them.
            var keep = layout.ChunksPerPlane == 1;
            if (keep && TKernel.FusesPlanes)
            {
                FusedPlanes(start, end);
                return;
            }

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
                    var sums = TKernel.BackwardSums<TVariant>(values, gradients, gate, energy, keptSigmoid, keptWeight, ahead);
                    TKernel.Backward<TVariant>(values, gradients, keptSigmoid, keptWeight, destination, gate, energy, new BackwardCoefficients(sums, layout.PlaneSize), ahead, streaming);
                }
                else
                {
                    var sums = PlaneWork<T, TKernel>.Sums<TVariant>(x, g, layout, plane, gate, energy);
                    TKernel.Backward<TVariant>(values, gradients, destination, gate, energy, new BackwardCoefficients(sums, layout.PlaneSize), 0, streaming);
                }
            }
        }

        /// <summary>Small planes, a SIMD vector of them at a time, from <paramref name="start"/> to <paramref name="end"/> (whole batches).</summary>
        private void LaneBatches(int start, int end, int lanes, int planeSize)
        {
            if (start == end)
            {
                return;
            }

            Span<int> indexTable = stackalloc int[TKernel.LaneIndexTableLength(planeSize)];
            TKernel.FillLaneIndexTable(indexTable, planeSize);
            var offset = (long)start * planeSize;
            TKernel.BackwardLanes<TVariant>(x + offset, g + offset, dx + offset, planeSize, (end - start) / lanes, indexTable, lambda, given == null ? null : given + start);
        }

        /// <summary>One-chunk planes of a kernel that runs all passes of a plane at once (converting it once).</summary>
        private void FusedPlanes(int start, int end)
        {
            var layout = plan.Chunks;
            for (var plane = start; plane < end; plane++)
            {
                var destination = PlaneWork<T, TKernel>.Plane(dx, layout, plane);
                var stats = TKernel.BackwardPlane<TVariant>(
                    PlaneWork<T, TKernel>.Plane(x, layout, plane), PlaneWork<T, TKernel>.Plane(g, layout, plane), destination,
                    given != null ? given[plane] : null, lambda, energy, streaming);
                if (!stats.IsFinite)
                {
                    PlaneWork<T, TKernel>.FillNaN(destination);
                }
            }
        }
    }

    private readonly struct ChunkSums(T* x, T* g, PlaneStatistics* statistics, BackwardSums* sums, WorkPlan plan, int chunkCount, double lambda, EnergyConstants energy) : IAction
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
                    ? TKernel.BackwardSums<TVariant>(PlaneWork<T, TKernel>.Chunk(x, layout, plane, chunk), PlaneWork<T, TKernel>.Chunk(g, layout, plane, chunk), new GateCoefficients(stats, lambda), energy)
                    : default;
            }
        }
    }

    private readonly struct ChunkGradients(T* x, T* g, T* dx, PlaneStatistics* statistics, BackwardSums* planeSums, WorkPlan plan, int chunkCount, double lambda, EnergyConstants energy, bool streaming) : IAction
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
                TKernel.Backward<TVariant>(PlaneWork<T, TKernel>.Chunk(x, layout, plane, chunk), PlaneWork<T, TKernel>.Chunk(g, layout, plane, chunk), destination, gate, energy, coefficients, ahead, streaming);
            }
        }
    }
}
