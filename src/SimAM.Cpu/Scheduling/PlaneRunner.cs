using System;
using System.Buffers;
using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance.Helpers;
using SimAM.Kernels.Planes;
using SimAM.Kernels;
using SimAM.Validation;

namespace SimAM.Scheduling;

/// <summary>
/// Schedules a channels-first pass, forward or backward, over planes (or chunks) and workers. Workers take whole planes
/// when there are enough of them: small planes a SIMD vector of them at a time, one-chunk planes of a converting kernel
/// whole, the others plane by plane. Otherwise every phase (chunk moments; gate, or gradient sums and gradients) is
/// spread over the chunks of all planes, with the per-plane folds in between on the calling thread.
/// </summary>
internal static unsafe class PlaneRunner<T, TKernel, TVariant>
    where T : unmanaged
    where TKernel : IPlaneKernel<T>
    where TVariant : IEnergy
{
    /// <summary>
    /// Runs a forward pass; statistics receives per-plane statistics, or is empty. <paramref name="streaming"/>: write y
    /// with non-temporal stores (<see cref="StorePolicy"/>).
    /// </summary>
    public static void Forward(ReadOnlySpan<T> input, Span<T> output, Span<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, int maxDegreeOfParallelism, bool streaming) =>
        Run(input, default, output, statistics, geometry, lambda, maxDegreeOfParallelism, backward: false, streaming);

    /// <summary>
    /// Runs a backward pass; statistics are the forward pass's, or empty to recompute them. <paramref name="streaming"/>:
    /// write dx with non-temporal stores (<see cref="StorePolicy"/>).
    /// </summary>
    public static void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, Span<T> gradInput, ReadOnlySpan<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, int maxDegreeOfParallelism, bool streaming) =>
        // Given statistics are only read: the pass writes statistics only into its own buffer, when none are given.
        Run(input, gradOutput, gradInput, MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(statistics), statistics.Length), geometry, lambda, maxDegreeOfParallelism, backward: true, streaming);

    private static void Run(ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, Span<T> output, Span<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, int maxDegreeOfParallelism, bool backward, bool streaming)
    {
        var plan = WorkPlan.Create(geometry, maxDegreeOfParallelism);
        fixed (T* x = input)
        fixed (T* g = gradOutput)
        fixed (T* y = output)
        {
            var call = new Call(x, g, y, plan, geometry.PlaneCount, lambda, EnergyConstants.Create<TVariant>(geometry.PlaneSize), streaming);
            if (!plan.SplitPlanes)
            {
                // The forward pass writes the statistics through this pointer, the backward pass reads them (null: none).
                fixed (PlaneStatistics* stats = statistics)
                {
                    Workers.Run(plan.Workers, new WholePlanes(call, stats, backward), streaming);
                }

                return;
            }

            // Few large planes: every worker reduces a share of every plane's chunks, the moments are folded per
            // plane, then every phase after it spreads all chunks over the workers likewise.
            var planeCount = geometry.PlaneCount;
            var own = statistics.IsEmpty ? ArrayPool<PlaneStatistics>.Shared.Rent(planeCount) : null;
            try
            {
                var planeStatistics = own is null ? statistics : own.AsSpan(0, planeCount);
                if (!backward || own is not null)
                {
                    Reduce(call, planeStatistics);
                }

                fixed (PlaneStatistics* stats = planeStatistics)
                {
                    if (backward)
                    {
                        BackwardChunks(call, stats);
                    }
                    else
                    {
                        Workers.Run(plan.Workers, new ChunkPhase<ChunkGate>(call, new ChunkGate(stats)), streaming);
                    }
                }
            }
            finally
            {
                if (own is not null)
                {
                    ArrayPool<PlaneStatistics>.Shared.Return(own);
                }
            }
        }
    }

    /// <summary>Split mode: every plane's statistics from the moments of its chunks, reduced by all workers.</summary>
    private static void Reduce(in Call call, Span<PlaneStatistics> statistics)
    {
        var chunksPerPlane = call.Plan.Chunks.ChunksPerPlane;
        var moments = ArrayPool<ChunkMoments>.Shared.Rent(call.ChunkCount);
        try
        {
            fixed (ChunkMoments* chunkMoments = moments)
            {
                Workers.Run(call.Plan.Workers, new ChunkPhase<ChunkReduction>(call, new ChunkReduction(chunkMoments)));
            }

            for (var plane = 0; plane < call.PlaneCount; plane++)
            {
                statistics[plane] = PlaneWork<T, TKernel>.Fold(moments.AsSpan(plane * chunksPerPlane, chunksPerPlane));
            }
        }
        finally
        {
            ArrayPool<ChunkMoments>.Shared.Return(moments);
        }
    }

    /// <summary>Split mode, backward: the chunks' gradient sums, their totals per plane, then the chunks' gradients.</summary>
    private static void BackwardChunks(in Call call, PlaneStatistics* statistics)
    {
        var chunkCount = call.ChunkCount;
        var chunksPerPlane = call.Plan.Chunks.ChunksPerPlane;

        // The plane totals go after the chunk sums in the same rented array.
        var chunkSums = ArrayPool<BackwardSums>.Shared.Rent(chunkCount + call.PlaneCount);
        try
        {
            fixed (BackwardSums* sums = chunkSums)
            {
                Workers.Run(call.Plan.Workers, new ChunkPhase<ChunkSums>(call, new ChunkSums(statistics, sums)));
                var planeSums = sums + chunkCount;
                for (var plane = 0; plane < call.PlaneCount; plane++)
                {
                    planeSums[plane] = PlaneWork<T, TKernel>.Fold(chunkSums.AsSpan(plane * chunksPerPlane, chunksPerPlane));
                }

                Workers.Run(call.Plan.Workers, new ChunkPhase<ChunkGradients>(call, new ChunkGradients(statistics, planeSums)), call.Streaming);
            }
        }
        finally
        {
            ArrayPool<BackwardSums>.Shared.Return(chunkSums);
        }
    }

    /// <summary>What every step of one call shares: the tensors (g null in a forward pass), the plan and the gate's constants.</summary>
    private readonly struct Call(T* x, T* g, T* y, WorkPlan plan, int planeCount, double lambda, EnergyConstants energy, bool streaming)
    {
        public readonly T* X = x;
        public readonly T* G = g;

        /// <summary>y in a forward pass, dx in a backward pass.</summary>
        public readonly T* Y = y;
        public readonly WorkPlan Plan = plan;
        public readonly int PlaneCount = planeCount;
        public readonly double Lambda = lambda;
        public readonly EnergyConstants Energy = energy;
        public readonly bool Streaming = streaming;

        public int ChunkCount => PlaneCount * Plan.Chunks.ChunksPerPlane;

        public ReadOnlySpan<T> Plane(T* tensor, int plane) => PlaneWork<T, TKernel>.Plane(tensor, Plan.Chunks, plane);

        public Span<T> DestinationPlane(int plane) => PlaneWork<T, TKernel>.Plane(Y, Plan.Chunks, plane);

        /// <summary>The plane and the chunk within it of chunk <paramref name="index"/>, chunks counted plane after plane.</summary>
        public (int Plane, int Chunk) Locate(int index) => (index / Plan.Chunks.ChunksPerPlane, index % Plan.Chunks.ChunksPerPlane);

        public ReadOnlySpan<T> Chunk(T* tensor, int plane, int chunk) => PlaneWork<T, TKernel>.Chunk(tensor, Plan.Chunks, plane, chunk);

        public Span<T> DestinationChunk(int plane, int chunk) => PlaneWork<T, TKernel>.MutableChunk(Y, Plan.Chunks, plane, chunk);
    }

    /// <summary>
    /// Each worker takes whole planes, so a plane's passes after the first read it from cache. <c>statistics</c>: where
    /// the forward pass writes them, or the backward pass's given ones (null: none).
    /// </summary>
    private readonly struct WholePlanes(Call call, PlaneStatistics* statistics, bool backward) : IAction
    {
        public void Invoke(int i)
        {
            var layout = call.Plan.Chunks;
            var (start, end) = call.Plan.Range(i, call.PlaneCount);
            var lanes = TKernel.PlanesPerLaneBatch(layout.PlaneSize);
            if (lanes != 0)
            {
                var (batches, rest) = call.Plan.LaneShare(i, call.PlaneCount, lanes);
                LaneBatches(batches.Start, batches.End, lanes, layout.PlaneSize);
                (start, end) = rest;
            }

            if (TKernel.FusesPlanes && layout.ChunksPerPlane == 1)
            {
                FusedPlanes(start, end);
            }
            else if (backward)
            {
                BackwardPlanes(start, end);
            }
            else
            {
                ForwardPlanes(start, end);
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
            var batches = (end - start) / lanes;
            var stats = statistics == null ? null : statistics + start;
            if (backward)
            {
                TKernel.BackwardLanes<TVariant>(call.X + offset, call.G + offset, call.Y + offset, planeSize, batches, indexTable, call.Lambda, stats);
            }
            else
            {
                TKernel.ForwardLanes<TVariant>(call.X + offset, call.Y + offset, planeSize, batches, indexTable, call.Lambda, stats, call.Streaming);
            }
        }

        /// <summary>One-chunk planes of a kernel that runs all passes of a plane at once (converting it once).</summary>
        private void FusedPlanes(int start, int end)
        {
            for (var plane = start; plane < end; plane++)
            {
                var destination = call.DestinationPlane(plane);
                PlaneStatistics stats;
                if (backward)
                {
                    stats = TKernel.BackwardPlane<TVariant>(
                        call.Plane(call.X, plane), call.Plane(call.G, plane), destination, statistics != null ? statistics[plane] : null, call.Lambda, call.Energy, call.Streaming);
                }
                else
                {
                    stats = TKernel.ForwardPlane<TVariant>(call.Plane(call.X, plane), destination, call.Lambda, call.Energy, call.Streaming);
                    if (statistics != null)
                    {
                        statistics[plane] = stats;
                    }
                }

                if (!stats.IsFinite)
                {
                    PlaneWork<T, TKernel>.FillNaN(destination);
                }
            }
        }

        /// <summary>Forward, planes one at a time, their reductions batched while the batch fits in L1.</summary>
        private void ForwardPlanes(int start, int end)
        {
            var layout = call.Plan.Chunks;
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
                    batch[k] = PlaneWork<T, TKernel>.Statistics(call.X, layout, first + k);
                }

                for (var k = 0; k < count; k++)
                {
                    var plane = first + k;
                    var stats = batch[k];
                    if (statistics != null)
                    {
                        statistics[plane] = stats;
                    }

                    var destination = call.DestinationPlane(plane);
                    if (stats.IsFinite)
                    {
                        TKernel.Forward<TVariant>(call.Plane(call.X, plane), destination, new GateCoefficients(stats, call.Lambda), call.Energy, ahead, call.Streaming);
                    }
                    else
                    {
                        PlaneWork<T, TKernel>.FillNaN(destination);
                    }
                }
            }
        }

        /// <summary>Backward, planes one at a time: statistics (given or reduced), the gradient sums, then dx.</summary>
        private void BackwardPlanes(int start, int end)
        {
            // A plane of one chunk (under 5120 values) keeps s and a' from its reduction pass on the stack,
            // so the elementwise pass does not evaluate the exponential again; larger planes recompute them.
            var layout = call.Plan.Chunks;
            var keep = layout.ChunksPerPlane == 1 && TKernel.KeepsValues;
            var kept = keep ? stackalloc T[2 * layout.PlaneSize] : default;
            var keptSigmoid = kept[..(kept.Length / 2)];
            var keptWeight = kept[(kept.Length / 2)..];
            for (var plane = start; plane < end; plane++)
            {
                var stats = statistics != null ? statistics[plane] : PlaneWork<T, TKernel>.Statistics(call.X, layout, plane);
                var destination = call.DestinationPlane(plane);
                if (!stats.IsFinite)
                {
                    PlaneWork<T, TKernel>.FillNaN(destination);
                    continue;
                }

                var gate = new GateCoefficients(stats, call.Lambda);
                var values = call.Plane(call.X, plane);
                var gradients = call.Plane(call.G, plane);
                if (keep)
                {
                    // Both passes but the first read from cache, so the next plane is prefetched across the two:
                    // its x and g during the reduction pass, its dx lines (for ownership) during the gradient pass.
                    // Prefetching all three in the short gradient pass alone left them arriving late.
                    var ahead = plane + 1 < end ? layout.PlaneSize : 0;
                    var sums = TKernel.BackwardSums<TVariant>(values, gradients, gate, call.Energy, keptSigmoid, keptWeight, ahead);
                    TKernel.Backward<TVariant>(values, gradients, keptSigmoid, keptWeight, destination, gate, call.Energy, new BackwardCoefficients(sums, layout.PlaneSize), ahead, call.Streaming);
                }
                else
                {
                    var sums = PlaneWork<T, TKernel>.Sums<TVariant>(call.X, call.G, layout, plane, gate, call.Energy);
                    TKernel.Backward<TVariant>(values, gradients, destination, gate, call.Energy, new BackwardCoefficients(sums, layout.PlaneSize), 0, call.Streaming);
                }
            }
        }
    }

    /// <summary>One split-mode phase's work on one chunk.</summary>
    private interface IChunkStep
    {
        /// <summary>
        /// Does the phase's work on chunk <paramref name="index"/>, which is <paramref name="chunk"/> of
        /// <paramref name="plane"/>; <paramref name="more"/>: the same worker takes the next chunk after it.
        /// </summary>
        void Run(in Call call, int index, int plane, int chunk, bool more);
    }

    /// <summary>Split mode: each worker runs a phase's step over its share of all chunks, in index order.</summary>
    private readonly struct ChunkPhase<TStep>(Call call, TStep step) : IAction
        where TStep : struct, IChunkStep
    {
        public void Invoke(int i)
        {
            var (start, end) = call.Plan.Range(i, call.ChunkCount);
            for (var index = start; index < end; index++)
            {
                var (plane, chunk) = call.Locate(index);
                step.Run(call, index, plane, chunk, index + 1 < end);
            }
        }
    }

    /// <summary>Split mode: a chunk's moments.</summary>
    private readonly struct ChunkReduction(ChunkMoments* moments) : IChunkStep
    {
        public void Run(in Call call, int index, int plane, int chunk, bool more) =>
            moments[index] = TKernel.Moments(call.Chunk(call.X, plane, chunk));
    }

    /// <summary>Split mode, forward: a chunk's gate.</summary>
    private readonly struct ChunkGate(PlaneStatistics* statistics) : IChunkStep
    {
        public void Run(in Call call, int index, int plane, int chunk, bool more)
        {
            var stats = statistics[plane];
            var destination = call.DestinationChunk(plane, chunk);
            if (stats.IsFinite)
            {
                // The next chunk starts where this one ends.
                var ahead = more ? destination.Length : 0;
                TKernel.Forward<TVariant>(call.Chunk(call.X, plane, chunk), destination, new GateCoefficients(stats, call.Lambda), call.Energy, ahead, call.Streaming);
            }
            else
            {
                PlaneWork<T, TKernel>.FillNaN(destination);
            }
        }
    }

    /// <summary>Split mode, backward: a chunk's gradient sums.</summary>
    private readonly struct ChunkSums(PlaneStatistics* statistics, BackwardSums* sums) : IChunkStep
    {
        public void Run(in Call call, int index, int plane, int chunk, bool more)
        {
            // A non-finite plane is filled with NaN in the next phase; its sums are never used.
            var stats = statistics[plane];
            sums[index] = stats.IsFinite
                ? TKernel.BackwardSums<TVariant>(call.Chunk(call.X, plane, chunk), call.Chunk(call.G, plane, chunk), new GateCoefficients(stats, call.Lambda), call.Energy)
                : default;
        }
    }

    /// <summary>Split mode, backward: a chunk's dx, from its plane's summed sums.</summary>
    private readonly struct ChunkGradients(PlaneStatistics* statistics, BackwardSums* planeSums) : IChunkStep
    {
        public void Run(in Call call, int index, int plane, int chunk, bool more)
        {
            var stats = statistics[plane];
            var destination = call.DestinationChunk(plane, chunk);
            if (!stats.IsFinite)
            {
                PlaneWork<T, TKernel>.FillNaN(destination);
                return;
            }

            var ahead = more ? destination.Length : 0;
            TKernel.Backward<TVariant>(
                call.Chunk(call.X, plane, chunk), call.Chunk(call.G, plane, chunk), destination,
                new GateCoefficients(stats, call.Lambda), call.Energy, new BackwardCoefficients(planeSums[plane], call.Plan.Chunks.PlaneSize), ahead, call.Streaming);
        }
    }
}
