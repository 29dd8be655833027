using System;
using System.Numerics;
using SimAM.Gam.Compute;
using SimAM.Gam.Compute.Lanes;
using SimAM.Gam.Compute.Spectral;

namespace SimAM.Gam.Scheduling;

/// <summary>
/// How a forward pass goes to threads. Eval mode with at least as many samples as workers: each worker runs
/// whole samples (pad, channel MLP, both convolutions, gate) in its own workspace, with no synchronisation at
/// all. Otherwise (eval with few samples, and train mode, whose BatchNorm needs the whole batch between the
/// convolutions) the pass runs in phases, each split into equal runs of independent items (tiles × channel
/// blocks × samples) across the workers. Every output value is computed by the same operations in the same order
/// whichever worker computes it, so results are bitwise identical for any number of threads.
/// </summary>
internal static class ForwardRunner
{
    /// <summary>
    /// Runs the pass at the width <paramref name="kernel"/> (already resolved to a supported one); with
    /// <paramref name="activations"/>, keeps what the backward pass needs (the plan must be one that keeps activations).
    /// </summary>
    public static unsafe void Run<T>(
        GamPlan<T> plan, GamWorkspace<T> workspace, GamWeights weights, ReadOnlySpan<T> input, Span<T> output, int workers, SimAmKernel kernel, GamActivations? activations,
        PhaseTimings? timings)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        fixed (T* x = input)
        fixed (T* y = output)
        {
            var pass = new Pass<T>(plan, workspace, weights, x, y, workers, activations, timings);
            Widths.Run<T, Pass<T>>(kernel, ref pass);
        }
    }

    private readonly unsafe struct Pass<T>(GamPlan<T> plan, GamWorkspace<T> workspace, GamWeights weights, T* x, T* y, int workers, GamActivations? activations, PhaseTimings? timings)
        : IWidthPass<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public void Run<TV, TLanes>()
            where TV : struct
            where TLanes : ILanes<T, TV>
        {
            var phases = new Phases<T, TV, TLanes>(plan, workspace, x, y, workers, activations?.Values<T>(), timings);
            if (!plan.Phased)
            {
                if (plan.Packed)
                {
                    // Packed tiles run over the whole batch's pixels, so every sample's x1 must be ready first.
                    phases.Execute(Phase.Pad);
                    phases.Execute(Phase.ChannelMlp);
                    phases.Execute(Phase.Convolution1);
                    phases.Execute(Phase.Convolution2);
                    return;
                }

                if (workers > 1 && plan.Batch >= workers)
                {
                    phases.Execute(Phase.WholeSamples);
                    return;
                }

                for (var n = 0; n < plan.Batch; n++)
                {
                    phases.Sample = n;
                    phases.Execute(Phase.Pad);
                    phases.Execute(Phase.ChannelMlp);
                    phases.Execute(Phase.Convolution1);
                    phases.Execute(Phase.Convolution2);
                }

                return;
            }

            // Train (and any pass that keeps activations): each BatchNorm is a step of its own between the convolutions;
            // in train mode it needs its convolution's output over the whole batch first. Spectral eval passes that keep no
            // activations, whose samples are independent, run the phases over slices of the batch (GamPlan.SliceSamples), so
            // that their workspace holds one slice.
            var train = plan.Mode == GamMode.Train;
            for (var first = 0; first < plan.Batch; first += plan.SliceSamples)
            {
                phases.Slice(first, Math.Min(plan.SliceSamples, plan.Batch - first));
                phases.Execute(Phase.Pad);
                phases.Execute(Phase.ChannelMlp);
                phases.Convolve(1);
                if (train)
                {
                    phases.Execute(Phase.Moments1);
                }

                Normalization(plan, weights, workspace, 1, activations);
                phases.Execute(Phase.Normalize1);
                phases.Convolve(2);
                if (train)
                {
                    phases.Execute(Phase.Moments2);
                }

                Normalization(plan, weights, workspace, 2, activations);
                phases.Execute(Phase.Finish);
            }

            if (train)
            {
                weights.AddBatchTracked();
                weights.MarkBuffersChanged();
            }
        }
    }

    /// <summary>
    /// Each channel's BatchNorm as z·scale + shift for the phases after a convolution: from the batch's moments in train
    /// mode (updating the running statistics as PyTorch does), from the running statistics in eval mode; the statistics
    /// and the map are kept in <paramref name="activations"/> for the backward pass.
    /// </summary>
    private static void Normalization<T>(GamPlan<T> plan, GamWeights weights, GamWorkspace<T> workspace, int layer, GamActivations? activations)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var gamma = layer == 1 ? weights.NormWeight1 : weights.NormWeight2;
        var beta = layer == 1 ? weights.NormBias1 : weights.NormBias2;
        var runningMean = (layer == 1 ? weights.RunningMean1 : weights.RunningMean2).Storage;
        var runningVar = (layer == 1 ? weights.RunningVar1 : weights.RunningVar2).Storage;
        var channels = layer == 1 ? plan.Hidden : plan.OutChannels;
        var count = (long)plan.Batch * plan.PlaneSize;
        var moments = workspace.Moments;
        var result = workspace.Normalization;
        var kept = activations?.Statistics(layer);
        for (var c = 0; c < channels; c++)
        {
            var (mean, variance) = plan.Mode == GamMode.Train ? (moments[2 * c], moments[(2 * c) + 1]) : (runningMean[c], runningVar[c]);
            var (scale, shift) = BatchNormFolding.Affine(mean, variance, gamma.Values[c], beta.Values[c]);
            if (plan.Mode == GamMode.Train)
            {
                BatchNormFolding.UpdateRunning(mean, variance, count, ref runningMean[c], ref runningVar[c]);
            }

            result[2 * c] = PackedFilter<T>.FromDouble(scale);
            result[(2 * c) + 1] = PackedFilter<T>.FromDouble(shift);
            kept?.Set(c, mean, variance, scale, shift);
        }
    }

    private enum Phase
    {
        WholeSamples,
        Pad,
        ChannelMlp,
        Convolution1,
        Moments1,
        Normalize1,
        Convolution2,
        Moments2,
        Finish,
        Analysis,
        SpectralProduct,
        Synthesis,
    }

    /// <summary>The context of one pass as a struct action: raw pointers and sizes, no closure per phase or item.</summary>
    private unsafe struct Phases<T, TV, TLanes> : IItemRuns
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TV : struct
        where TLanes : ILanes<T, TV>
    {
        private readonly GamPlan<T> _plan;
        private readonly GamWorkspace<T> _workspace;
        private readonly T* _input;
        private readonly T* _output;
        private readonly int _workers;
        private readonly int _tiles;
        private readonly bool _perSample;
        private readonly int _packedTiles;
        private readonly KeptMaps<T>? _kept;
        private readonly PhaseTimings? _timings;
        private Phase _phase;
        private int _layer;
        private int _first;
        private int _slice;

        public Phases(GamPlan<T> plan, GamWorkspace<T> workspace, T* input, T* output, int workers, KeptMaps<T>? kept, PhaseTimings? timings)
        {
            _kept = kept;
            _timings = timings;
            _plan = plan;
            _workspace = workspace;
            _input = input;
            _output = output;
            _workers = workers;
            _tiles = GamStages<T, TV, TLanes>.TileCount(plan.Geometry);
            _perSample = !plan.Phased && !plan.Packed;
            _packedTiles = PackedConvolution<T, TV, TLanes>.TileCount(plan.Positions);
            _slice = plan.Batch;
        }

        /// <summary>Gets or sets the sample the eval phases work on (eval with fewer samples than workers).</summary>
        public int Sample { get; set; }

        private readonly double[] Moments => _workspace.Moments;

        private readonly T[] Normalization => _workspace.Normalization;

        private readonly int Samples => _perSample ? 1 : _slice;

        /// <summary>Makes the phases work on samples [<paramref name="first"/>, first + <paramref name="count"/>), which lie in the workspace's first slots.</summary>
        public void Slice(int first, int count)
        {
            _first = first;
            _slice = count;
        }

        public void Execute(Phase phase)
        {
            _phase = phase;
            ItemScheduler.Execute(_workspace, in this, ItemCount(phase), _workers);
        }

        public readonly void Run(int worker, int from, int to) => RunItems(worker, from, to);

        /// <summary>
        /// Runs convolution <paramref name="layer"/> (1 or 2) of a phased pass over the whole batch: in a spectral plan its
        /// three phases (the inputs' spectra, the per-bin products, the outputs' planes), else the convolution phase.
        /// </summary>
        public void Convolve(int layer)
        {
            if (_plan.Spectral is null)
            {
                Execute(layer == 1 ? Phase.Convolution1 : Phase.Convolution2);
                return;
            }

            _layer = layer;

            // Built here on first use (the transformed weights), not inside an item, where the other workers would wait on it.
            _ = _plan.SpectralWeights;
            Execute(Phase.Analysis);
            Execute(Phase.SpectralProduct);
            Execute(Phase.Synthesis);
        }

        /// <summary>Runs a worker's run of convolution items, one sample at a time (each sample's items are chunked together).</summary>
        private readonly void RunConvolution(int worker, int from, int to)
        {
            if (_plan.Packed)
            {
                ConvolvePacked(worker, _phase == Phase.Convolution1, from, to);
                return;
            }

            var first = _phase == Phase.Convolution1;
            var filter = first ? _plan.Conv1 : _plan.Conv2;
            var perSample = _plan.Groups * filter.BlocksPerGroup * _tiles;
            while (from < to)
            {
                var s = from / perSample;
                var end = Math.Min(to, (s + 1) * perSample);
                Convolve(worker, first, s, _perSample ? Sample : s, from - (s * perSample), end - (s * perSample));
                from = end;
            }
        }

        /// <summary>Runs packed tiles [from, to) of one convolution over the whole batch.</summary>
        private readonly void ConvolvePacked(int worker, bool first, int from, int to)
        {
            var plan = _plan;
            var ws = _workspace;
            var panelLength = plan.ChunkChannels * 49 * plan.TilePositions;
            var partials = ws.WorkerPanels[worker].AsSpan(panelLength);
            var tile = ws.WorkerTiles[worker].AsSpan(0, plan.BlockRows * plan.TilePositions);
            var panel = ws.WorkerPanels[worker].AsSpan(0, panelLength);
            if (first)
            {
                var store = new PackedStoreEpilogue<T>(plan.Conv1, plan.Geometry, ws.Hidden, plan.Hidden, plan.Batch, relu: !plan.Phased);
                PackedConvolution<T, TV, TLanes>.Run(plan.Conv1, plan.Geometry, ws.Inputs, plan.Channels, plan.Batch, from, to, plan.ChunkChannels, plan.StepOffsets, panel, partials, tile, ref store);
            }
            else if (!plan.Phased)
            {
                var finish = new PackedFinishEpilogue<T>(plan, ws.Inputs, _output);
                PackedConvolution<T, TV, TLanes>.Run(plan.Conv2, plan.Geometry, ws.Hidden, plan.Hidden, plan.Batch, from, to, plan.ChunkChannels, plan.StepOffsets, panel, partials, tile, ref finish);
            }
            else
            {
                var store = new PackedStoreEpilogue<T>(plan.Conv2, plan.Geometry, ws.Maps, plan.OutChannels, plan.Batch, relu: false);
                PackedConvolution<T, TV, TLanes>.Run(plan.Conv2, plan.Geometry, ws.Hidden, plan.Hidden, plan.Batch, from, to, plan.ChunkChannels, plan.StepOffsets, panel, partials, tile, ref store);
            }
        }

        /// <summary>Runs items [from, to) of one convolution of sample <paramref name="n"/>, whose buffers are in <paramref name="slot"/>.</summary>
        private readonly void Convolve(int worker, bool first, int slot, int n, int from, int to)
        {
            var plan = _plan;
            var geometry = plan.Geometry;
            var stride = geometry.PlaneStride;
            var tile = _workspace.WorkerTiles[worker].AsSpan();
            var chunk = plan.ChunkChannels;
            if (first)
            {
                var store = new StorePlanesEpilogue<T, TV, TLanes>(
                    plan.Conv1, plan.Mask, _workspace.Hidden, slot * plan.Hidden * stride, stride, relu: _perSample);
                GamStages<T, TV, TLanes>.Convolution(plan.Conv1, geometry, Inputs(slot), HiddenPlanes(slot), from, to, chunk, plan.StepOffsets, tile, ref store);
            }
            else if (_perSample)
            {
                var finish = new FinishEpilogue<T, TV, TLanes>(
                    plan, _workspace.Inputs, slot * plan.Channels * stride, _output + ((long)n * plan.Channels * plan.PlaneSize), plan.Channels * plan.PlaneSize);
                GamStages<T, TV, TLanes>.Convolution(plan.Conv2, geometry, HiddenPlanes(slot), Maps(slot), from, to, chunk, plan.StepOffsets, tile, ref finish);
            }
            else
            {
                var store = new StorePlanesEpilogue<T, TV, TLanes>(
                    plan.Conv2, plan.Mask, _workspace.Maps, slot * plan.OutChannels * stride, stride, relu: false);
                GamStages<T, TV, TLanes>.Convolution(plan.Conv2, geometry, HiddenPlanes(slot), Maps(slot), from, to, chunk, plan.StepOffsets, tile, ref store);
            }
        }

        private readonly int ItemCount(Phase phase)
        {
            var plan = _plan;
            return phase switch
            {
                Phase.WholeSamples => plan.Batch,
                Phase.Pad => Samples,
                Phase.ChannelMlp => Samples * _tiles,
                Phase.Convolution1 or Phase.Convolution2 when plan.Packed => _packedTiles,
                Phase.Convolution1 => Samples * plan.Groups * plan.Conv1.BlocksPerGroup * _tiles,
                Phase.Moments1 => plan.Hidden,
                Phase.Normalize1 => Samples * plan.Hidden,
                Phase.Convolution2 => Samples * plan.Groups * plan.Conv2.BlocksPerGroup * _tiles,
                Phase.Moments2 => plan.OutChannels,
                Phase.Analysis => SpectralConvolution<T, TV, TLanes>.TransformItems(Samples, _layer == 1 ? plan.Channels : plan.Hidden),
                Phase.SpectralProduct => SpectralConvolution<T, TV, TLanes>.ProductItems(plan.Spectral!.Value, plan.SpectralWeights.Filter(_layer)),
                Phase.Synthesis => SpectralConvolution<T, TV, TLanes>.TransformItems(Samples, _layer == 1 ? plan.Hidden : plan.OutChannels),
                _ => Samples * plan.OutChannels,
            };
        }

        private readonly void RunItems(int worker, int from, int to)
        {
            if (_phase is Phase.Convolution1 or Phase.Convolution2)
            {
                var start = _timings is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
                RunConvolution(worker, from, to);
                _timings?.AddForwardConvolution(worker, System.Diagnostics.Stopwatch.GetTimestamp() - start);
                return;
            }

            for (var item = from; item < to; item++)
            {
                RunItem(worker, item);
            }
        }

        private readonly void RunItem(int worker, int item)
        {
            var plan = _plan;
            var geometry = plan.Geometry;
            var stride = geometry.PlaneStride;
            var hiddenScratch = _workspace.WorkerHidden[worker].AsSpan();
            var tile = _workspace.WorkerTiles[worker].AsSpan();
            switch (_phase)
            {
                case Phase.WholeSamples:
                    RunWholeSample(worker, item);
                    break;
                case Phase.Pad:
                    {
                        var n = _perSample ? Sample : item;
                        GamStages<T, TV, TLanes>.Pad(geometry, SampleInput(n), Inputs(item), plan.Channels);
                        break;
                    }

                case Phase.ChannelMlp:
                    GamStages<T, TV, TLanes>.ChannelMlpTile(
                        plan, Inputs(item / _tiles), GamStages<T, TV, TLanes>.TileStart(geometry, item % _tiles), hiddenScratch, tile);
                    break;
                case Phase.Moments1:
                    ChannelMoments(worker, item, plan.Hidden, _workspace.Hidden);
                    break;
                case Phase.Moments2:
                    ChannelMoments(worker, item, plan.OutChannels, _workspace.Maps);
                    break;
                case Phase.Normalize1:
                    {
                        var c = item % plan.Hidden;
                        _kept?.Keep(1, geometry, HiddenPlanes(item / plan.Hidden).Slice(c * stride, stride), item / plan.Hidden, c);
                        GamStages<T, TV, TLanes>.NormalizePlane(
                            geometry, plan.Mask, HiddenPlanes(item / plan.Hidden).Slice(c * stride, stride), Normalization[2 * c], Normalization[(2 * c) + 1], relu: true);
                        break;
                    }

                case Phase.Finish:
                    FinishTrain(item, tile);
                    break;
                case Phase.Analysis:
                    SpectralConvolution<T, TV, TLanes>.Analyse(
                        plan.SpectralWeights, geometry, _layer == 1 ? _workspace.Inputs : _workspace.Hidden, _layer == 1 ? plan.Channels : plan.Hidden, Samples, item,
                        _workspace.Spectra, _workspace.WorkerSpectra[worker]);
                    break;
                case Phase.SpectralProduct:
                    SpectralConvolution<T, TV, TLanes>.Multiply(plan.SpectralWeights.Filter(_layer), Samples, _workspace.Spectra, _workspace.Products, item);
                    break;
                case Phase.Synthesis:
                    SpectralConvolution<T, TV, TLanes>.Synthesise(
                        plan.SpectralWeights, plan.SpectralWeights.Filter(_layer).OutChannels, plan.SpectralWeights.Filter(_layer).Bias, geometry, _workspace.Products, Samples, item,
                        _layer == 1 ? _workspace.Hidden : _workspace.Maps, _workspace.WorkerSpectra[worker]);
                    break;
            }
        }

        private readonly void RunWholeSample(int worker, int n)
        {
            var plan = _plan;
            var geometry = plan.Geometry;
            var inputs = Inputs(worker);
            var hiddenScratch = _workspace.WorkerHidden[worker].AsSpan();
            var tile = _workspace.WorkerTiles[worker].AsSpan();
            GamStages<T, TV, TLanes>.Pad(geometry, SampleInput(n), inputs, plan.Channels);
            for (var t = 0; t < _tiles; t++)
            {
                GamStages<T, TV, TLanes>.ChannelMlpTile(plan, inputs, GamStages<T, TV, TLanes>.TileStart(geometry, t), hiddenScratch, tile);
            }

            var start = _timings is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
            Convolve(worker, first: true, worker, n, 0, plan.Groups * plan.Conv1.BlocksPerGroup * _tiles);
            Convolve(worker, first: false, worker, n, 0, plan.Groups * plan.Conv2.BlocksPerGroup * _tiles);
            _timings?.AddForwardConvolution(worker, System.Diagnostics.Stopwatch.GetTimestamp() - start);
        }

        /// <summary>
        /// A channel's batch mean and biased variance over (N, H, W) in one fixed order, whichever worker runs it: chunks of
        /// whole rows, the padding columns masked to zero, are summed as vectors (at most a few hundred values, error of a
        /// few ulps; on 7×7 maps a row at a time made every sum a call on seven values) and the chunks' sums in double; the
        /// variance is the corrected two-pass form Σd² − (Σd)²/n with d = x − mean at the data positions, which stays exact
        /// to rounding when the mean is far larger than the spread.
        /// </summary>
        private readonly void ChannelMoments(int worker, int channel, int channels, T[] planes)
        {
            var plan = _plan;
            var geometry = plan.Geometry;
            var stride = geometry.PlaneStride;
            var scratch = _workspace.WorkerTiles[worker].AsSpan();
            var sum = 0.0;
            for (var n = 0; n < plan.Batch; n++)
            {
                var plane = planes.AsSpan((int)((((long)n * channels) + channel) * stride), stride);
                for (var h = 0; h < geometry.Height; h += geometry.ChunkRows)
                {
                    // Masked: a spectral or packed convolution writes only the data positions, and an eval pass on the
                    // direct path may have left the second convolution's partial sums in the padding columns.
                    var (_, position, length) = geometry.Chunk(h);
                    var values = scratch[..length];
                    System.Numerics.Tensors.TensorPrimitives.BitwiseAnd(plane.Slice(position, length), plan.Mask.AsSpan(position, length), values);
                    sum += RowReductions<T>.Sum(values);
                }
            }

            var count = (long)plan.Batch * plan.PlaneSize;
            var mean = T.CreateTruncating(sum / count);
            double deviations = 0, squares = 0;
            for (var n = 0; n < plan.Batch; n++)
            {
                var plane = planes.AsSpan((int)((((long)n * channels) + channel) * stride), stride);
                for (var h = 0; h < geometry.Height; h += geometry.ChunkRows)
                {
                    var (_, position, length) = geometry.Chunk(h);
                    var d = scratch[..length];
                    System.Numerics.Tensors.TensorPrimitives.Subtract(plane.Slice(position, length), mean, d);
                    System.Numerics.Tensors.TensorPrimitives.BitwiseAnd(d, plan.Mask.AsSpan(position, length), d);
                    deviations += RowReductions<T>.Sum(d);
                    squares += RowReductions<T>.SumOfSquares(d);
                }
            }

            Moments[2 * channel] = double.CreateTruncating(mean) + (deviations / count);
            Moments[(2 * channel) + 1] = (squares - (deviations * deviations / count)) / count;
        }

        private readonly void FinishTrain(int item, Span<T> scratch)
        {
            var plan = _plan;
            var geometry = plan.Geometry;
            var o = item % plan.OutChannels;
            var n = item / plan.OutChannels;
            var map = Maps(n).Slice(o * geometry.PlaneStride, geometry.PlaneStride);
            _kept?.Keep(2, geometry, map, n, o);
            var scale = Normalization[2 * o];
            var shift = Normalization[(2 * o) + 1];
            var end = geometry.DataStart + geometry.PositionCount;
            for (var start = geometry.DataStart; start < end; start += GamWorkspace<T>.ChunkLength)
            {
                var length = Math.Min(GamWorkspace<T>.ChunkLength, end - start);
                var s = scratch[..length];
                System.Numerics.Tensors.TensorPrimitives.Multiply(map.Slice(start, length), scale, s);
                System.Numerics.Tensors.TensorPrimitives.Add(s, shift, s);
                Logistic<T>.InPlace(s);
                GamStages<T, TV, TLanes>.ApplyGate(plan, o, s, start, Inputs(n), SampleOutput(n));
            }
        }

        /// <summary>Gets the input of sample <paramref name="n"/> of the slice (of the call, in passes that run per sample).</summary>
        private readonly ReadOnlySpan<T> SampleInput(int n) =>
            new(_input + ((long)(_first + n) * _plan.Channels * _plan.PlaneSize), _plan.Channels * _plan.PlaneSize);

        private readonly Span<T> SampleOutput(int n) =>
            new(_output + ((long)(_first + n) * _plan.Channels * _plan.PlaneSize), _plan.Channels * _plan.PlaneSize);

        private readonly Span<T> Inputs(int slot) => Slot(_workspace.Inputs, slot, _plan.Channels);

        private readonly Span<T> HiddenPlanes(int slot) => Slot(_workspace.Hidden, slot, _plan.Hidden);

        private readonly Span<T> Maps(int slot) => Slot(_workspace.Maps, slot, _plan.OutChannels);

        private readonly Span<T> Slot(T[] buffer, int slot, int channels)
        {
            var length = channels * _plan.Geometry.PlaneStride;
            return buffer.AsSpan(slot * length, length);
        }
    }
}
