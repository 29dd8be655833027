using System;
using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance.Helpers;
using SimAM.Kernels;
using SimAM.Kernels.Channels;
using SimAM.Validation;

namespace SimAM.Scheduling.Channels;

/// <summary>
/// Schedules channels-last tensors on the channel-vector kernels. Samples go to workers whole when there are enough of
/// them; otherwise every phase (chunk moments, gate; or gradient sums, gradient) is spread over the
/// chunks of all samples, with the per-sample folds in between on the calling thread.
/// </summary>
internal static unsafe class ChannelVectorRunner<T, TLane, TKernel>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TLane : unmanaged, IFloatingPointIeee754<TLane>
    where TKernel : IChannelVectorKernel<T, TLane>
{
    /// <summary>Runs a forward pass; <paramref name="statistics"/> receives the N·C plane statistics, or is empty.</summary>
    public static void Forward<TEnergy>(ReadOnlySpan<T> input, Span<T> output, Span<PlaneStatistics> statistics, in TensorGeometry view, double lambda, SimAmVariant variant, int maxDegreeOfParallelism, bool streaming)
        where TEnergy : IEnergy =>
        Run<TEnergy>(input, default, output, statistics, view, lambda, variant, maxDegreeOfParallelism, backward: false, streaming);

    /// <summary>Runs a backward pass; statistics are the forward pass's, or empty to recompute them.</summary>
    public static void Backward<TEnergy>(ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, Span<T> gradInput, ReadOnlySpan<PlaneStatistics> statistics, in TensorGeometry view, double lambda, SimAmVariant variant, int maxDegreeOfParallelism, bool streaming)
        where TEnergy : IEnergy =>
        // Given statistics are only read: the pass writes statistics only into its own buffer, when none are given.
        Run<TEnergy>(input, gradOutput, gradInput, MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(statistics), statistics.Length), view, lambda, variant, maxDegreeOfParallelism, backward: true, streaming);

    private static void Run<TEnergy>(ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, Span<T> output, Span<PlaneStatistics> statistics, in TensorGeometry view, double lambda, SimAmVariant variant, int maxDegreeOfParallelism, bool backward, bool streaming)
        where TEnergy : IEnergy
    {
        var plan = CreatePlan(view, maxDegreeOfParallelism);
        var planeCount = view.Samples * view.Channels;
        var own = statistics.IsEmpty ? ArrayPool<PlaneStatistics>.Shared.Rent(planeCount) : null;
        try
        {
            var planeStatistics = own is null ? statistics : own.AsSpan(0, planeCount);
            fixed (T* x = input)
            fixed (T* g = gradOutput)
            fixed (T* y = output)
            fixed (PlaneStatistics* stats = planeStatistics)
            {
                var call = new Call(x, g, y, stats, view, plan, lambda, EnergyConstants.Create(variant, view.PlaneSize), streaming);
                if (!plan.Split && backward)
                {
                    Workers.Run(plan.Workers, new WholeSamplesBackward<TEnergy>(call, recompute: own is not null), streaming);
                }
                else if (!plan.Split)
                {
                    Workers.Run(plan.Workers, new WholeSamplesForward<TEnergy>(call), streaming);
                }
                else
                {
                    RunSplit<TEnergy>(call, reduce: !backward || own is not null, backward);
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

    /// <summary>Split mode: a phase per step, every worker on a share of all samples' chunks, the folds in between here.</summary>
    private static void RunSplit<TEnergy>(in Call call, bool reduce, bool backward)
        where TEnergy : IEnergy
    {
        var plan = call.Plan;
        var samples = call.View.Samples;
        var tableLength = plan.Lanes.TableLength;

        // Per sample a gate and a gradient table (the forward pass uses the gate's).
        var tables = ArrayPool<TLane>.Shared.Rent((samples * 6 * tableLength) + 64);
        var sums = ArrayPool<double>.Shared.Rent(backward ? samples * plan.ChunksPerSample * 2 * call.View.Channels : 0);
        try
        {
            fixed (TLane* pinned = tables)
            fixed (double* chunkSums = sums)
            {
                var all = (TLane*)ChannelScratch<TLane>.Align((nint)pinned);
                if (reduce)
                {
                    ReduceAllSamples(call);
                }

                for (var sample = 0; sample < samples; sample++)
                {
                    ChannelSteps<T, TLane, TKernel>.GateTables(call.SampleStatistics(sample), call.Lambda, GateOf(all, sample, plan), tableLength);
                }

                if (backward)
                {
                    Workers.Run(plan.Workers, new ChunkPhase<ChunkGradientSums<TEnergy>>(call, new ChunkGradientSums<TEnergy>(all, chunkSums)));
                    FoldGradientSums(call, all, chunkSums);
                    Workers.Run(plan.Workers, new ChunkPhase<ChunkGradients<TEnergy>>(call, new ChunkGradients<TEnergy>(all)), call.Streaming);
                }
                else
                {
                    Workers.Run(plan.Workers, new ChunkPhase<ChunkGate<TEnergy>>(call, new ChunkGate<TEnergy>(all)), call.Streaming);
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(sums);
            ArrayPool<TLane>.Shared.Return(tables);
        }
    }

    private static ChannelPlan CreatePlan(in TensorGeometry view, int maxDegreeOfParallelism) =>
        ChannelPlan.Create(view, ChannelLanes.Create(view.Channels, TKernel.Width, TKernel.MinimumPeriod), maxDegreeOfParallelism);

    /// <summary>Split mode: every worker reduces a share of all chunks; the moments are folded per sample, in chunk order.</summary>
    private static void ReduceAllSamples(in Call call)
    {
        var plan = call.Plan;
        var channels = call.View.Channels;
        var chunkCount = call.View.Samples * plan.ChunksPerSample;
        var moments = ArrayPool<double>.Shared.Rent(chunkCount * 2 * channels);
        var scratch = ChannelScratch<TLane>.Rent(plan);
        try
        {
            fixed (double* chunkMoments = moments)
            {
                Workers.Run(plan.Workers, new ChunkPhase<ChunkReduction>(call, new ChunkReduction(chunkMoments)));
            }

            for (var sample = 0; sample < call.View.Samples; sample++)
            {
                var mean = scratch.Channel(0);
                var squares = scratch.Channel(1);
                long count = 0;
                for (var chunk = 0; chunk < plan.ChunksPerSample; chunk++)
                {
                    var at = ((sample * plan.ChunksPerSample) + chunk) * 2 * channels;
                    var rows = plan.Rows(chunk, call.View.PlaneSize);
                    ChannelSteps<T, TLane, TKernel>.Combine(count, rows, mean, squares, moments.AsSpan(at, channels), moments.AsSpan(at + channels, channels), scratch.Channel(4));
                    count += rows;
                }

                ChannelSteps<T, TLane, TKernel>.Statistics(mean, squares, call.View.PlaneSize, call.SampleStatistics(sample));
            }
        }
        finally
        {
            scratch.Return();
            ArrayPool<double>.Shared.Return(moments);
        }
    }

    /// <summary>Split mode: chunk gradient sums added per sample in chunk order, then the gradient tables.</summary>
    private static void FoldGradientSums(in Call call, TLane* tables, double* chunkSums)
    {
        var plan = call.Plan;
        var channels = call.View.Channels;
        var scratch = ChannelScratch<TLane>.Rent(plan);
        try
        {
            for (var sample = 0; sample < call.View.Samples; sample++)
            {
                var weighted = scratch.Channel(0);
                var weightedSquares = scratch.Channel(1);
                for (var chunk = 0; chunk < plan.ChunksPerSample; chunk++)
                {
                    var at = chunkSums + (((sample * plan.ChunksPerSample) + chunk) * 2 * channels);
                    AddSums(chunk, new ReadOnlySpan<double>(at, channels), new ReadOnlySpan<double>(at + channels, channels), weighted, weightedSquares);
                }

                ChannelSteps<T, TLane, TKernel>.GradientTables(call.SampleStatistics(sample), weighted, weightedSquares, call.Lambda, call.Energy, call.View.PlaneSize, GradientOf(tables, sample, plan), plan.Lanes.TableLength);
            }
        }
        finally
        {
            scratch.Return();
        }
    }

    private static void AddSums(int chunk, ReadOnlySpan<double> chunkWeighted, ReadOnlySpan<double> chunkWeightedSquares, Span<double> weighted, Span<double> weightedSquares)
    {
        if (chunk == 0)
        {
            chunkWeighted.CopyTo(weighted);
            chunkWeightedSquares.CopyTo(weightedSquares);
        }
        else
        {
            TensorPrimitives.Add(weighted, chunkWeighted, weighted);
            TensorPrimitives.Add(weightedSquares, chunkWeightedSquares, weightedSquares);
        }
    }

    /// <summary>Whole-sample mode: moments of every chunk, folded in order, into the sample's statistics.</summary>
    private static void ReduceSample(in Call call, int sample, in ChannelScratch<TLane> scratch)
    {
        for (var chunk = 0; chunk < call.Plan.ChunksPerSample; chunk++)
        {
            ReduceChunk(call, sample, chunk, scratch);
        }
    }

    /// <summary>
    /// Whole-sample mode: a chunk's moments merged into the sample's running ones (scratch rows 0 and 1; chunks come in
    /// order), and after the last chunk the sample's statistics.
    /// </summary>
    private static void ReduceChunk(in Call call, int sample, int chunk, in ChannelScratch<TLane> scratch)
    {
        var plan = call.Plan;
        var rows = plan.Rows(chunk, call.View.PlaneSize);
        var countBefore = (long)plan.FirstRow(chunk);
        ChannelSteps<T, TLane, TKernel>.ChunkMoments(call.Chunk(call.X, sample, chunk), rows, plan.Lanes, scratch, scratch.Channel(2), scratch.Channel(3));
        ChannelSteps<T, TLane, TKernel>.Combine(countBefore, rows, scratch.Channel(0), scratch.Channel(1), scratch.Channel(2), scratch.Channel(3), scratch.Channel(4));
        if (chunk == plan.ChunksPerSample - 1)
        {
            ChannelSteps<T, TLane, TKernel>.Statistics(scratch.Channel(0), scratch.Channel(1), call.View.PlaneSize, call.SampleStatistics(sample));
        }
    }

    private static void Gate<TEnergy>(in Call call, int sample, int chunk, ReadOnlySpan<TLane> gate, int prefetchAhead = 0)
        where TEnergy : IEnergy
    {
        var destination = call.MutableChunk(call.Y, sample, chunk);
        TKernel.Forward<TEnergy>(call.Chunk(call.X, sample, chunk), destination, call.Plan.Lanes, gate, call.Energy, prefetchAhead, call.Streaming);
        ChannelSteps<T, TLane, TKernel>.FillNaN(destination, call.SampleStatistics(sample));
    }

    private static void Gradient<TEnergy>(in Call call, int sample, int chunk, ReadOnlySpan<TLane> gate, ReadOnlySpan<TLane> gradient)
        where TEnergy : IEnergy
    {
        var destination = call.MutableChunk(call.Y, sample, chunk);
        TKernel.Backward<TEnergy>(call.Chunk(call.X, sample, chunk), call.Chunk(call.G, sample, chunk), destination, call.Plan.Lanes, gate, gradient, call.Energy, call.Streaming);
        ChannelSteps<T, TLane, TKernel>.FillNaN(destination, call.SampleStatistics(sample));
    }

    private static Span<TLane> GateOf(TLane* tables, int sample, in ChannelPlan plan) =>
        new(tables + ((long)sample * 6 * plan.Lanes.TableLength), 3 * plan.Lanes.TableLength);

    private static Span<TLane> GradientOf(TLane* tables, int sample, in ChannelPlan plan) =>
        new(tables + ((long)sample * 6 * plan.Lanes.TableLength) + (3 * plan.Lanes.TableLength), 3 * plan.Lanes.TableLength);

    /// <summary>Everything a worker needs to know about the call: raw pointers (struct actions cannot hold spans).</summary>
    private readonly struct Call(T* x, T* g, T* y, PlaneStatistics* statistics, TensorGeometry view, ChannelPlan plan, double lambda, EnergyConstants energy, bool streaming)
    {
        public T* X { get; } = x;

        public T* G { get; } = g;

        /// <summary>Gets the output: y of a forward pass, dx of a backward pass.</summary>
        public T* Y { get; } = y;

        public TensorGeometry View { get; } = view;

        public ChannelPlan Plan { get; } = plan;

        public double Lambda { get; } = lambda;

        public EnergyConstants Energy { get; } = energy;

        /// <summary>Gets a value indicating whether the output is written with non-temporal stores.</summary>
        public bool Streaming { get; } = streaming;

        public Span<PlaneStatistics> SampleStatistics(int sample) =>
            new(statistics + ((long)sample * View.Channels), View.Channels);

        public ReadOnlySpan<T> Chunk(T* tensor, int sample, int chunk) => MutableChunk(tensor, sample, chunk);

        public Span<T> MutableChunk(T* tensor, int sample, int chunk) =>
            new(tensor + ((long)sample * View.SampleLength) + ((long)Plan.FirstRow(chunk) * View.Channels), Plan.Rows(chunk, View.PlaneSize) * View.Channels);
    }

    /// <summary>
    /// Whole-sample mode, forward: each worker's samples in order, the next sample reduced chunk by chunk between the
    /// gate's chunks of this one.
    /// </summary>
    /// <remarks>
    /// The reduction meets memory and the gate is compute bound, so, as the channels-first runners do from plane to
    /// plane, the gate of each chunk asks for the same chunk of the next sample (one sample length on), and the
    /// reduction right after it finds that chunk in cache. Reducing the whole next sample after the gate instead would
    /// find the first chunks evicted by the rest: a sample is larger than L2.
    /// </remarks>
    private readonly struct WholeSamplesForward<TEnergy>(Call call) : IAction
        where TEnergy : IEnergy
    {
        public void Invoke(int i)
        {
            var plan = call.Plan;
            var scratch = ChannelScratch<TLane>.Rent(plan);
            try
            {
                var (start, end) = plan.Range(i, call.View.Samples);
                if (start < end)
                {
                    ReduceSample(call, start, scratch);
                }

                for (var sample = start; sample < end; sample++)
                {
                    var next = sample + 1 < end;
                    var ahead = next ? call.View.SampleLength : 0;
                    ChannelSteps<T, TLane, TKernel>.GateTables(call.SampleStatistics(sample), call.Lambda, scratch.Gate, plan.Lanes.TableLength);
                    for (var chunk = 0; chunk < plan.ChunksPerSample; chunk++)
                    {
                        Gate<TEnergy>(call, sample, chunk, scratch.Gate, ahead);
                        if (next)
                        {
                            ReduceChunk(call, sample + 1, chunk, scratch);
                        }
                    }
                }
            }
            finally
            {
                scratch.Return();
            }
        }
    }

    private readonly struct WholeSamplesBackward<TEnergy>(Call call, bool recompute) : IAction
        where TEnergy : IEnergy
    {
        public void Invoke(int i)
        {
            var plan = call.Plan;
            var channels = call.View.Channels;
            var scratch = ChannelScratch<TLane>.Rent(plan);
            try
            {
                var (start, end) = plan.Range(i, call.View.Samples);
                for (var sample = start; sample < end; sample++)
                {
                    if (recompute)
                    {
                        ReduceSample(call, sample, scratch);
                    }

                    var statistics = call.SampleStatistics(sample);
                    ChannelSteps<T, TLane, TKernel>.GateTables(statistics, call.Lambda, scratch.Gate, plan.Lanes.TableLength);
                    var weighted = scratch.Channel(0);
                    var weightedSquares = scratch.Channel(1);
                    for (var chunk = 0; chunk < plan.ChunksPerSample; chunk++)
                    {
                        ChannelSteps<T, TLane, TKernel>.ChunkGradientSums<TEnergy>(call.Chunk(call.X, sample, chunk), call.Chunk(call.G, sample, chunk), plan.Lanes, scratch.Gate, call.Energy, scratch, scratch.Channel(2), scratch.Channel(3));
                        AddSums(chunk, scratch.Channel(2), scratch.Channel(3), weighted, weightedSquares);
                    }

                    ChannelSteps<T, TLane, TKernel>.GradientTables(statistics, weighted[..channels], weightedSquares[..channels], call.Lambda, call.Energy, call.View.PlaneSize, scratch.Gradient, plan.Lanes.TableLength);
                    for (var chunk = 0; chunk < plan.ChunksPerSample; chunk++)
                    {
                        Gradient<TEnergy>(call, sample, chunk, scratch.Gate, scratch.Gradient);
                    }
                }
            }
            finally
            {
                scratch.Return();
            }
        }
    }

    /// <summary>One split-mode step on one chunk (index = sample · chunks per sample + chunk).</summary>
    private interface IChunkStep
    {
        void Run(in Call call, int index, int sample, int chunk, in ChannelScratch<TLane> scratch);
    }

    /// <summary>Split mode: each worker takes its share of all samples' chunks, in index order, for one step.</summary>
    private readonly struct ChunkPhase<TStep>(Call call, TStep step) : IAction
        where TStep : struct, IChunkStep
    {
        public void Invoke(int i)
        {
            var plan = call.Plan;
            var scratch = ChannelScratch<TLane>.Rent(plan);
            try
            {
                var (start, end) = plan.Range(i, call.View.Samples * plan.ChunksPerSample);
                for (var index = start; index < end; index++)
                {
                    step.Run(call, index, index / plan.ChunksPerSample, index % plan.ChunksPerSample, scratch);
                }
            }
            finally
            {
                scratch.Return();
            }
        }
    }

    /// <summary>A chunk's moments, into its two rows of C values.</summary>
    private readonly struct ChunkReduction(double* moments) : IChunkStep
    {
        public void Run(in Call call, int index, int sample, int chunk, in ChannelScratch<TLane> scratch)
        {
            var channels = call.View.Channels;
            var at = moments + ((long)index * 2 * channels);
            ChannelSteps<T, TLane, TKernel>.ChunkMoments(call.Chunk(call.X, sample, chunk), call.Plan.Rows(chunk, call.View.PlaneSize), call.Plan.Lanes, scratch, new Span<double>(at, channels), new Span<double>(at + channels, channels));
        }
    }

    private readonly struct ChunkGate<TEnergy>(TLane* tables) : IChunkStep
        where TEnergy : IEnergy
    {
        public void Run(in Call call, int index, int sample, int chunk, in ChannelScratch<TLane> scratch) =>
            Gate<TEnergy>(call, sample, chunk, GateOf(tables, sample, call.Plan));
    }

    /// <summary>A chunk's gradient sums, into its two rows of C values.</summary>
    private readonly struct ChunkGradientSums<TEnergy>(TLane* tables, double* sums) : IChunkStep
        where TEnergy : IEnergy
    {
        public void Run(in Call call, int index, int sample, int chunk, in ChannelScratch<TLane> scratch)
        {
            var channels = call.View.Channels;
            var at = sums + ((long)index * 2 * channels);
            ChannelSteps<T, TLane, TKernel>.ChunkGradientSums<TEnergy>(call.Chunk(call.X, sample, chunk), call.Chunk(call.G, sample, chunk), call.Plan.Lanes, GateOf(tables, sample, call.Plan), call.Energy, scratch, new Span<double>(at, channels), new Span<double>(at + channels, channels));
        }
    }

    private readonly struct ChunkGradients<TEnergy>(TLane* tables) : IChunkStep
        where TEnergy : IEnergy
    {
        public void Run(in Call call, int index, int sample, int chunk, in ChannelScratch<TLane> scratch) =>
            Gradient<TEnergy>(call, sample, chunk, GateOf(tables, sample, call.Plan), GradientOf(tables, sample, call.Plan));
    }
}
