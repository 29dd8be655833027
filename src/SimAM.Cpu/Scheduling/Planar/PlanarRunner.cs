using System;
using System.Buffers;
using System.Numerics;
using CommunityToolkit.HighPerformance.Helpers;
using SimAM.Kernels;
using SimAM.Kernels.ChannelVectors;
using SimAM.Kernels.Planar;
using SimAM.Validation;

namespace SimAM.Scheduling.Planar;

/// <summary>
/// Schedules channels-first tensors on <see cref="IPlanarKernel{T}"/> kernels (the exact variant, and
/// Half). Same plan, chunk layout and workers as the float planes (<see cref="WorkPlan"/>,
/// <see cref="ChunkLayout"/>, <see cref="Workers"/>), so it threads, splits large planes and stays
/// bitwise identical for any degree of parallelism in the same way; it adds the energy formula and
/// its plane-size constants, and fills non-finite planes with the element type's own NaN.
/// </summary>
internal static unsafe class PlanarRunner<T, TKernel>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TKernel : IPlanarKernel<T>
{
    public static void Forward<TEnergy>(ReadOnlySpan<T> input, Span<T> output, Span<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmVariant variant, int maxDegreeOfParallelism)
        where TEnergy : IEnergy
    {
        var plan = WorkPlan.Create(geometry, maxDegreeOfParallelism);
        var energy = EnergyConstants.Create(variant, geometry.PlaneSize);
        fixed (T* x = input)
        fixed (T* y = output)
        {
            if (!plan.SplitPlanes)
            {
                fixed (PlaneStatistics* stats = statistics)
                {
                    Workers.Run(plan, new WholePlanesForward<TEnergy>(new Call(x, null, y, stats, plan, geometry.PlaneCount, lambda, energy)));
                }

                return;
            }

            var planeCount = geometry.PlaneCount;
            var own = statistics.IsEmpty ? ArrayPool<PlaneStatistics>.Shared.Rent(planeCount) : null;
            try
            {
                var planeStatistics = own is null ? statistics : own.AsSpan(0, planeCount);
                fixed (PlaneStatistics* stats = planeStatistics)
                {
                    var call = new Call(x, null, y, stats, plan, planeCount, lambda, energy);
                    ReduceAllPlanes(call);
                    Workers.Run(plan, new ChunkGate<TEnergy>(call));
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

    public static void Backward<TEnergy>(ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, Span<T> gradInput, ReadOnlySpan<PlaneStatistics> statistics, in TensorGeometry geometry, double lambda, SimAmVariant variant, int maxDegreeOfParallelism)
        where TEnergy : IEnergy
    {
        var plan = WorkPlan.Create(geometry, maxDegreeOfParallelism);
        var energy = EnergyConstants.Create(variant, geometry.PlaneSize);
        fixed (T* x = input)
        fixed (T* g = gradOutput)
        fixed (T* dx = gradInput)
        {
            if (!plan.SplitPlanes)
            {
                fixed (PlaneStatistics* given = statistics)
                {
                    Workers.Run(plan, new WholePlanesBackward<TEnergy>(new Call(x, g, dx, given, plan, geometry.PlaneCount, lambda, energy)));
                }

                return;
            }

            var planeCount = geometry.PlaneCount;
            var chunkCount = planeCount * plan.Chunks.ChunksPerPlane;
            var own = statistics.IsEmpty ? ArrayPool<PlaneStatistics>.Shared.Rent(planeCount) : null;
            var sums = ArrayPool<BackwardSums>.Shared.Rent(chunkCount + planeCount);
            try
            {
                var planeStatistics = own is null ? statistics : own.AsSpan(0, planeCount);
                fixed (PlaneStatistics* stats = planeStatistics)
                fixed (BackwardSums* chunkSums = sums)
                {
                    var call = new Call(x, g, dx, stats, plan, planeCount, lambda, energy);
                    if (own is not null)
                    {
                        ReduceAllPlanes(call);
                    }

                    Workers.Run(plan, new ChunkSums<TEnergy>(call, chunkSums));

                    // The plane totals go after the chunk sums, added in chunk order.
                    var planeSums = chunkSums + chunkCount;
                    for (var plane = 0; plane < planeCount; plane++)
                    {
                        var total = chunkSums[plane * plan.Chunks.ChunksPerPlane];
                        for (var chunk = 1; chunk < plan.Chunks.ChunksPerPlane; chunk++)
                        {
                            total += chunkSums[(plane * plan.Chunks.ChunksPerPlane) + chunk];
                        }

                        planeSums[plane] = total;
                    }

                    Workers.Run(plan, new ChunkGradients<TEnergy>(call, planeSums));
                }
            }
            finally
            {
                ArrayPool<BackwardSums>.Shared.Return(sums);
                if (own is not null)
                {
                    ArrayPool<PlaneStatistics>.Shared.Return(own);
                }
            }
        }
    }

    /// <summary>Split mode: every worker reduces a share of all chunks; the moments are folded per plane, in chunk order.</summary>
    private static void ReduceAllPlanes(in Call call)
    {
        var layout = call.Plan.Chunks;
        var chunkCount = call.PlaneCount * layout.ChunksPerPlane;
        var moments = ArrayPool<ChunkMoments>.Shared.Rent(chunkCount);
        try
        {
            fixed (ChunkMoments* chunkMoments = moments)
            {
                Workers.Run(call.Plan, new ChunkReduction(call, chunkMoments));
            }

            for (var plane = 0; plane < call.PlaneCount; plane++)
            {
                var total = moments[plane * layout.ChunksPerPlane];
                for (var chunk = 1; chunk < layout.ChunksPerPlane; chunk++)
                {
                    total = total.Combine(moments[(plane * layout.ChunksPerPlane) + chunk]);
                }

                call.Statistics[plane] = total.ToStatistics();
            }
        }
        finally
        {
            ArrayPool<ChunkMoments>.Shared.Return(moments);
        }
    }

    /// <summary>A plane's statistics from its chunks' moments, folded in chunk order (as in split mode).</summary>
    private static PlaneStatistics Statistics(in Call call, int plane)
    {
        var layout = call.Plan.Chunks;
        var total = TKernel.Moments(call.Chunk(call.X, plane, 0));
        for (var chunk = 1; chunk < layout.ChunksPerPlane; chunk++)
        {
            total = total.Combine(TKernel.Moments(call.Chunk(call.X, plane, chunk)));
        }

        return total.ToStatistics();
    }

    /// <summary>
    /// A plane holding NaN or ±∞ gets NaN everywhere, as in the reference module (its mean and variance
    /// are NaN there too); nothing reaches any other plane.
    /// </summary>
    private static void FillNaN(Span<T> destination) => destination.Fill(T.NaN);

    /// <summary>Everything a worker needs to know about the call: raw pointers (struct actions cannot hold spans).</summary>
    private readonly struct Call(T* x, T* g, T* y, PlaneStatistics* statistics, WorkPlan plan, int planeCount, double lambda, EnergyConstants energy)
    {
        public T* X { get; } = x;

        public T* G { get; } = g;

        /// <summary>Gets the output: y of a forward pass, dx of a backward pass.</summary>
        public T* Y { get; } = y;

        /// <summary>Gets the statistics: the caller's, a rented buffer, or null (forward without statistics, whole planes).</summary>
        public PlaneStatistics* Statistics { get; } = statistics;

        public WorkPlan Plan { get; } = plan;

        public int PlaneCount { get; } = planeCount;

        public double Lambda { get; } = lambda;

        public EnergyConstants Energy { get; } = energy;

        public int PlaneSize => Plan.Chunks.PlaneSize;

        public Span<T> Plane(T* tensor, int plane) => new(tensor + ((long)plane * PlaneSize), PlaneSize);

        public Span<T> Chunk(T* tensor, int plane, int chunk) =>
            new(tensor + ((long)plane * PlaneSize) + ChunkLayout.Start(chunk), Plan.Chunks.Length(chunk));
    }

    private readonly struct WholePlanesForward<TEnergy>(Call call) : IAction
        where TEnergy : IEnergy
    {
        public void Invoke(int i)
        {
            var (start, end) = call.Plan.Range(i, call.PlaneCount);
            var single = call.Plan.Chunks.ChunksPerPlane == 1;
            for (var plane = start; plane < end; plane++)
            {
                var destination = call.Plane(call.Y, plane);
                PlaneStatistics stats;
                if (single)
                {
                    // One chunk: the kernel runs both passes at once (a converting kernel converts once).
                    stats = TKernel.ForwardPlane<TEnergy>(call.Plane(call.X, plane), destination, call.Lambda, call.Energy);
                }
                else
                {
                    stats = Statistics(call, plane);
                    if (stats.IsFinite)
                    {
                        TKernel.Forward<TEnergy>(call.Plane(call.X, plane), destination, new GateCoefficients(stats, call.Lambda), call.Energy);
                    }
                }

                if (call.Statistics != null)
                {
                    call.Statistics[plane] = stats;
                }

                if (!stats.IsFinite)
                {
                    FillNaN(destination);
                }
            }
        }
    }

    private readonly struct WholePlanesBackward<TEnergy>(Call call) : IAction
        where TEnergy : IEnergy
    {
        public void Invoke(int i)
        {
            var layout = call.Plan.Chunks;
            var (start, end) = call.Plan.Range(i, call.PlaneCount);
            for (var plane = start; plane < end; plane++)
            {
                var destination = call.Plane(call.Y, plane);
                if (layout.ChunksPerPlane == 1)
                {
                    var given = call.Statistics != null ? call.Statistics[plane] : (PlaneStatistics?)null;
                    if (!TKernel.BackwardPlane<TEnergy>(call.Plane(call.X, plane), call.Plane(call.G, plane), destination, given, call.Lambda, call.Energy).IsFinite)
                    {
                        FillNaN(destination);
                    }

                    continue;
                }

                var stats = call.Statistics != null ? call.Statistics[plane] : Statistics(call, plane);
                if (!stats.IsFinite)
                {
                    FillNaN(destination);
                    continue;
                }

                var gate = new GateCoefficients(stats, call.Lambda);
                var sums = TKernel.BackwardSums<TEnergy>(call.Chunk(call.X, plane, 0), call.Chunk(call.G, plane, 0), gate, call.Energy);
                for (var chunk = 1; chunk < layout.ChunksPerPlane; chunk++)
                {
                    sums += TKernel.BackwardSums<TEnergy>(call.Chunk(call.X, plane, chunk), call.Chunk(call.G, plane, chunk), gate, call.Energy);
                }

                var coefficients = new BackwardCoefficients(sums, layout.PlaneSize);
                TKernel.Backward<TEnergy>(call.Plane(call.X, plane), call.Plane(call.G, plane), destination, gate, call.Energy, coefficients);
            }
        }
    }

    private readonly struct ChunkReduction(Call call, ChunkMoments* moments) : IAction
    {
        public void Invoke(int i)
        {
            var layout = call.Plan.Chunks;
            var (start, end) = call.Plan.Range(i, call.PlaneCount * layout.ChunksPerPlane);
            for (var index = start; index < end; index++)
            {
                moments[index] = TKernel.Moments(call.Chunk(call.X, index / layout.ChunksPerPlane, index % layout.ChunksPerPlane));
            }
        }
    }

    private readonly struct ChunkGate<TEnergy>(Call call) : IAction
        where TEnergy : IEnergy
    {
        public void Invoke(int i)
        {
            var layout = call.Plan.Chunks;
            var (start, end) = call.Plan.Range(i, call.PlaneCount * layout.ChunksPerPlane);
            for (var index = start; index < end; index++)
            {
                var plane = index / layout.ChunksPerPlane;
                var chunk = index % layout.ChunksPerPlane;
                var destination = call.Chunk(call.Y, plane, chunk);
                var stats = call.Statistics[plane];
                if (stats.IsFinite)
                {
                    TKernel.Forward<TEnergy>(call.Chunk(call.X, plane, chunk), destination, new GateCoefficients(stats, call.Lambda), call.Energy);
                }
                else
                {
                    FillNaN(destination);
                }
            }
        }
    }

    private readonly struct ChunkSums<TEnergy>(Call call, BackwardSums* sums) : IAction
        where TEnergy : IEnergy
    {
        public void Invoke(int i)
        {
            var layout = call.Plan.Chunks;
            var (start, end) = call.Plan.Range(i, call.PlaneCount * layout.ChunksPerPlane);
            for (var index = start; index < end; index++)
            {
                var plane = index / layout.ChunksPerPlane;
                var chunk = index % layout.ChunksPerPlane;
                var stats = call.Statistics[plane];

                // A non-finite plane is filled with NaN in the next phase; its sums are never used.
                sums[index] = stats.IsFinite
                    ? TKernel.BackwardSums<TEnergy>(call.Chunk(call.X, plane, chunk), call.Chunk(call.G, plane, chunk), new GateCoefficients(stats, call.Lambda), call.Energy)
                    : default;
            }
        }
    }

    private readonly struct ChunkGradients<TEnergy>(Call call, BackwardSums* planeSums) : IAction
        where TEnergy : IEnergy
    {
        public void Invoke(int i)
        {
            var layout = call.Plan.Chunks;
            var (start, end) = call.Plan.Range(i, call.PlaneCount * layout.ChunksPerPlane);
            for (var index = start; index < end; index++)
            {
                var plane = index / layout.ChunksPerPlane;
                var chunk = index % layout.ChunksPerPlane;
                var stats = call.Statistics[plane];
                var destination = call.Chunk(call.Y, plane, chunk);
                if (!stats.IsFinite)
                {
                    FillNaN(destination);
                    continue;
                }

                var gate = new GateCoefficients(stats, call.Lambda);
                var coefficients = new BackwardCoefficients(planeSums[plane], layout.PlaneSize);
                TKernel.Backward<TEnergy>(call.Chunk(call.X, plane, chunk), call.Chunk(call.G, plane, chunk), destination, gate, call.Energy, coefficients);
            }
        }
    }
}
