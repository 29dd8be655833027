using System;
using System.Buffers;
using CommunityToolkit.HighPerformance.Helpers;
using SimAM.Kernels.Planes;
using SimAM.Kernels;
using SimAM.Validation;

namespace SimAM.Scheduling;

/// <summary>Schedules a channels-first forward pass over planes (or chunks) and workers.</summary>
internal static unsafe class ForwardRunner<T, TKernel, TVariant>
    where T : unmanaged
    where TKernel : IPlaneKernel<T>
    where TVariant : IEnergy
{
    /// <summary>
    /// Runs a forward pass; statistics receives per-plane statistics, or is empty. <paramref name="streaming"/>: write y
    /// with non-temporal stores (<see cref="StorePolicy"/>).
    /// </summary>
    public static void Run(ReadOnlySpan<T> input, Span<T> output, Span<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, int maxDegreeOfParallelism, bool streaming)
    {
        var plan = WorkPlan.Create(geometry, maxDegreeOfParallelism);
        var energy = EnergyConstants.Create<TVariant>(geometry.PlaneSize);
        fixed (T* x = input)
        fixed (T* y = output)
        {
            if (!plan.SplitPlanes)
            {
                fixed (PlaneStatistics* stats = statistics)
                {
                    Workers.Run(plan.Workers, new WholePlanes(x, y, stats, plan, geometry.PlaneCount, lambda, energy, streaming), streaming);
                }

                return;
            }

            // Few large planes: every worker reduces a share of every plane's chunks, the moments are
            // folded per plane, then every worker gates a share of the chunks.
            var planeCount = geometry.PlaneCount;
            var chunkCount = planeCount * plan.Chunks.ChunksPerPlane;
            var moments = ArrayPool<ChunkMoments>.Shared.Rent(chunkCount);
            var ownStatistics = statistics.IsEmpty ? ArrayPool<PlaneStatistics>.Shared.Rent(planeCount) : null;
            try
            {
                var planeStatistics = ownStatistics is null ? statistics : ownStatistics.AsSpan(0, planeCount);
                fixed (ChunkMoments* chunkMoments = moments)
                fixed (PlaneStatistics* stats = planeStatistics)
                {
                    Workers.Run(plan.Workers, new ChunkReduction(x, chunkMoments, plan, chunkCount));
                    for (var plane = 0; plane < planeCount; plane++)
                    {
                        stats[plane] = PlaneWork<T, TKernel>.Fold(moments.AsSpan(plane * plan.Chunks.ChunksPerPlane, plan.Chunks.ChunksPerPlane));
                    }

                    Workers.Run(plan.Workers, new ChunkGate(x, y, stats, plan, chunkCount, lambda, energy, streaming), streaming);
                }
            }
            finally
            {
                ArrayPool<ChunkMoments>.Shared.Return(moments);
                if (ownStatistics is not null)
                {
                    ArrayPool<PlaneStatistics>.Shared.Return(ownStatistics);
                }
            }
        }
    }

    /// <summary>Each worker reduces and gates whole planes, so a plane is gated while it is still in cache.</summary>
    private readonly struct WholePlanes(T* x, T* y, PlaneStatistics* statistics, WorkPlan plan, int planeCount, double lambda, EnergyConstants energy, bool streaming) : IAction
    {
        public void Invoke(int i)
        {
            var planeSize = plan.Chunks.PlaneSize;
            var lanes = TKernel.PlanesPerLaneBatch(planeSize);
            if (lanes == 0)
            {
                var (start, end) = plan.Range(i, planeCount);
                if (TKernel.FusesPlanes && plan.Chunks.ChunksPerPlane == 1)
                {
                    FusedPlanes(start, end);
                }
                else
                {
                    PlaneBatches(start, end);
                }

                return;
            }

            var (batches, rest) = plan.LaneShare(i, planeCount, lanes);
            LaneBatches(batches.Start, batches.End, lanes, planeSize);
            PlaneBatches(rest.Start, rest.End);
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
            TKernel.ForwardLanes<TVariant>(x + offset, y + offset, planeSize, (end - start) / lanes, indexTable, lambda, statistics == null ? null : statistics + start, streaming);
        }

        /// <summary>One-chunk planes of a kernel that runs both passes of a plane at once (converting it once).</summary>
        private void FusedPlanes(int start, int end)
        {
            var layout = plan.Chunks;
            for (var plane = start; plane < end; plane++)
            {
                var destination = PlaneWork<T, TKernel>.Plane(y, layout, plane);
                var stats = TKernel.ForwardPlane<TVariant>(PlaneWork<T, TKernel>.Plane(x, layout, plane), destination, lambda, energy, streaming);
                if (statistics != null)
                {
                    statistics[plane] = stats;
                }

                if (!stats.IsFinite)
                {
                    PlaneWork<T, TKernel>.FillNaN(destination);
                }
            }
        }

        /// <summary>Planes one at a time, their reductions batched while the batch fits in L1.</summary>
        private void PlaneBatches(int start, int end)
        {
            var layout = plan.Chunks;
            Span<PlaneStatistics> batch = stackalloc PlaneStatistics[16];
            for (var first = start; first < end; first += layout.PlanesPerBatch)
            {
                var count = Math.Min(layout.PlanesPerBatch, end - first);

                // While a batch of one-chunk planes is gated, the next batch (the same span further on)
                // is prefetched; larger planes stream through the reductions, which the hardware
                // prefetcher follows by itself.
                var ahead = layout.ChunksPerPlane == 1 && first + count < end ? count * layout.PlaneSize : 0;
                for (var k = 0; k < count; k++)
                {
                    batch[k] = PlaneWork<T, TKernel>.Statistics(x, layout, first + k);
                }

                for (var k = 0; k < count; k++)
                {
                    var plane = first + k;
                    var stats = batch[k];
                    if (statistics != null)
                    {
                        statistics[plane] = stats;
                    }

                    var destination = PlaneWork<T, TKernel>.Plane(y, layout, plane);
                    if (stats.IsFinite)
                    {
                        TKernel.Forward<TVariant>(PlaneWork<T, TKernel>.Plane(x, layout, plane), destination, new GateCoefficients(stats, lambda), energy, ahead, streaming);
                    }
                    else
                    {
                        PlaneWork<T, TKernel>.FillNaN(destination);
                    }
                }
            }
        }
    }

    private readonly struct ChunkGate(T* x, T* y, PlaneStatistics* statistics, WorkPlan plan, int chunkCount, double lambda, EnergyConstants energy, bool streaming) : IAction
    {
        public void Invoke(int i)
        {
            var layout = plan.Chunks;
            var (start, end) = plan.Range(i, chunkCount);
            for (var index = start; index < end; index++)
            {
                var plane = index / layout.ChunksPerPlane;
                var chunk = index % layout.ChunksPerPlane;
                var destination = PlaneWork<T, TKernel>.MutableChunk(y, layout, plane, chunk);
                var stats = statistics[plane];
                if (stats.IsFinite)
                {
                    // The next chunk starts where this one ends.
                    var ahead = index + 1 < end ? destination.Length : 0;
                    TKernel.Forward<TVariant>(PlaneWork<T, TKernel>.Chunk(x, layout, plane, chunk), destination, new GateCoefficients(stats, lambda), energy, ahead, streaming);
                }
                else
                {
                    PlaneWork<T, TKernel>.FillNaN(destination);
                }
            }
        }
    }

    /// <summary>Chunk moments for the split mode; shared with the backward pass when it must recompute statistics.</summary>
    internal readonly struct ChunkReduction(T* x, ChunkMoments* moments, WorkPlan plan, int chunkCount) : IAction
    {
        public void Invoke(int i)
        {
            var layout = plan.Chunks;
            var (start, end) = plan.Range(i, chunkCount);
            for (var index = start; index < end; index++)
            {
                moments[index] = TKernel.Moments(PlaneWork<T, TKernel>.Chunk(x, layout, index / layout.ChunksPerPlane, index % layout.ChunksPerPlane));
            }
        }
    }
}
