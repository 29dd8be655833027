using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SimAM.Gam.Compute;
using SimAM.Gam.Compute.Lanes;
using SimAM.Gam.Compute.Spectral;

namespace SimAM.Gam.Scheduling;

/// <summary>
/// How a backward pass goes to threads: phases over the whole batch, each a set of independent items (samples, planes,
/// tiles, weight-gradient blocks) handed out by <see cref="ItemScheduler"/>. Every value, including every weight-gradient
/// sum, is computed by the same operations in the same order whichever worker computes it, so gradients are bitwise
/// identical for any number of threads.
/// </summary>
/// <remarks>
/// The order: recompute x1 (channel MLP) and h1 (from the kept first map); the output gate's gradient; BatchNorm 2 backward;
/// the second convolution's weight gradient and data gradient; ReLU and BatchNorm 1 backward; the first convolution's weight
/// and data gradient (added to x1's direct share); then x again in place of x1 for the channel MLP's backward pass, whose
/// linear layers' weight gradients close the pass.
/// </remarks>
internal static class BackwardRunner
{
    /// <summary>Runs the pass at the width <paramref name="kernel"/>, adding the parameter gradients to <paramref name="gradients"/>.</summary>
    public static unsafe void Run<T>(
        GamPlan<T> plan, GamWorkspace<T> workspace, GamWeights weights, GamActivations activations, GamGradients gradients,
        ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, Span<T> gradInput, int workers, SimAmKernel kernel, PhaseTimings? timings)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        fixed (T* x = input)
        fixed (T* dy = gradOutput)
        fixed (T* dx = gradInput)
        {
            var pass = new Pass<T>(plan, workspace, weights, activations, gradients, x, dy, dx, workers, timings);
            Widths.Run<T, Pass<T>>(kernel, ref pass);
        }
    }

    private enum Phase
    {
        Pad,
        ChannelMlp,
        Rebuild1,
        OutputGate,
        Sums2,
        Norm2,
        GatherGradient2,
        WeightGradient2,
        DataGradient2,
        Sums1,
        Norm1,
        GatherGradient1,
        WeightGradient1,
        DataGradient1,
        ChannelMlpBackward,
        LinearGradient2,
        LinearGradient1,
        BiasSums,
        InputSpectra,
        GradientSpectra,
        Correlation,
        DataProducts,
        DataSynthesis,
    }

    private readonly unsafe struct Pass<T>(
        GamPlan<T> plan, GamWorkspace<T> workspace, GamWeights weights, GamActivations activations, GamGradients gradients, T* x, T* dy, T* dx, int workers, PhaseTimings? timings)
        : IWidthPass<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public void Run<TV, TLanes>()
            where TV : struct
            where TLanes : ILanes<T, TV>
        {
            var phases = new Phases<T, TV, TLanes>(plan, workspace, weights, activations, gradients, x, dy, dx, workers, timings);
            phases.Execute(Phase.Pad);
            phases.Execute(Phase.ChannelMlp);
            phases.Execute(Phase.Rebuild1);
            phases.Execute(Phase.OutputGate);
            phases.ConvolutionBackward(2, Phase.Sums2, Phase.Norm2, Phase.GatherGradient2, Phase.WeightGradient2, Phase.DataGradient2);
            phases.ConvolutionBackward(1, Phase.Sums1, Phase.Norm1, Phase.GatherGradient1, Phase.WeightGradient1, Phase.DataGradient1);

            // x1 is no longer needed: x takes its place for the channel MLP's backward pass.
            phases.Execute(Phase.Pad);
            phases.Execute(Phase.ChannelMlpBackward);
            phases.Execute(Phase.LinearGradient2);
            phases.Execute(Phase.LinearGradient1);
            phases.Execute(Phase.BiasSums);
        }
    }

    private unsafe struct Phases<T, TV, TLanes> : IItemRuns
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TV : struct
        where TLanes : ILanes<T, TV>
    {
        private const int Taps = GamWeights.KernelSize * GamWeights.KernelSize;

        private readonly GamPlan<T> _plan;
        private readonly GamWorkspace<T> _workspace;
        private readonly GamWeights _weights;
        private readonly GamActivations _activations;
        private readonly KeptMaps<T> _kept;
        private readonly GamGradients _gradients;
        private readonly T* _input;
        private readonly T* _gradOutput;
        private readonly T* _gradInput;
        private readonly int _workers;
        private readonly int _tiles;
        private readonly int _packedTiles;
        private readonly PhaseTimings? _timings;
        private Phase _phase;
        private int _layer;

        public Phases(
            GamPlan<T> plan, GamWorkspace<T> workspace, GamWeights weights, GamActivations activations, GamGradients gradients, T* input, T* gradOutput, T* gradInput, int workers,
            PhaseTimings? timings)
        {
            _timings = timings;
            _plan = plan;
            _workspace = workspace;
            _weights = weights;
            _activations = activations;
            _kept = activations.Values<T>()!;
            _gradients = gradients;
            _input = input;
            _gradOutput = gradOutput;
            _gradInput = gradInput;
            _workers = workers;
            _tiles = GamStages<T, TV, TLanes>.TileCount(plan.Geometry);
            _packedTiles = PackedConvolution<T, TV, TLanes>.TileCount(plan.Positions);
        }

        public void Execute(Phase phase)
        {
            _phase = phase;
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            ItemScheduler.Execute(_workspace, in this, ItemCount(phase), _workers);
            _timings?.Add(Part(phase), System.Diagnostics.Stopwatch.GetTimestamp() - start);
        }

        /// <summary>Gets the part of the pass a phase belongs to (the second <see cref="Phase.Pad"/>, x for the MLP's backward pass, counts as recomputation).</summary>
        private static BackwardPart Part(Phase phase) => phase switch
        {
            Phase.Pad or Phase.ChannelMlp or Phase.Rebuild1 => BackwardPart.Recompute,
            Phase.OutputGate or Phase.Sums2 or Phase.Norm2 or Phase.Sums1 or Phase.Norm1 => BackwardPart.GateAndNorms,
            Phase.DataGradient1 or Phase.DataGradient2 or Phase.DataProducts or Phase.DataSynthesis => BackwardPart.DataGradients,
            Phase.ChannelMlpBackward or Phase.LinearGradient1 or Phase.LinearGradient2 or Phase.BiasSums => BackwardPart.ChannelMlp,
            _ => BackwardPart.WeightGradients,
        };

        /// <summary>
        /// One convolution's backward pass, with its BatchNorm's: the channel sums, the coefficients, ∂z in place of ∂v, then the
        /// weight gradient (from the output gradient laid out pixel by pixel) and the data gradient. A spectral plan forms both
        /// from the output gradients' spectra: the weight gradient by correlation with the inputs' spectra, the data gradient as
        /// a product with the forward filters' spectra conjugated and transposed, synthesised into the input gradient's planes.
        /// </summary>
        public void ConvolutionBackward(int layer, Phase sums, Phase norm, Phase gather, Phase weightGradient, Phase dataGradient)
        {
            Execute(sums);
            NormCoefficients(layer);
            Execute(norm);
            if (_plan.Spectral is not null)
            {
                // The transforms are built here on first use, not inside an item, where the other workers would wait on them.
                _layer = layer;
                _ = _plan.SpectralWeights;
                Execute(Phase.InputSpectra);
                Execute(Phase.GradientSpectra);
                Execute(Phase.Correlation);

                // The inputs' spectra are spent: the data gradient's spectra take their place.
                Execute(Phase.DataProducts);
                Execute(Phase.DataSynthesis);
                return;
            }

            Execute(gather);
            Execute(weightGradient);
            Execute(dataGradient);
        }

        public readonly void Run(int worker, int from, int to)
        {
            if (_phase is Phase.DataGradient1 or Phase.DataGradient2)
            {
                DataGradient(worker, _phase == Phase.DataGradient1, from, to);
                return;
            }

            for (var item = from; item < to; item++)
            {
                RunItem(worker, item);
            }
        }

        /// <summary>
        /// BatchNorm's backward coefficients per channel from the phase's sums, Σ∂v and Σ∂v·(z − mean): the γ and β gradients,
        /// and ∂z = a·∂v + b·(z − mean) + c with a = γ/σ and, in train mode (batch statistics),
        /// b = −a·(Σ∂v·ẑ)/(n·σ), c = −a·Σ∂v/n, so that ∂z = (γ/σ)·(∂v − mean(∂v) − ẑ·mean(∂v·ẑ)). In eval mode b = c = 0, and the
        /// convolution bias gets a·Σ∂v (in train mode its gradient is exactly zero: BatchNorm subtracts it again).
        /// </summary>
        public readonly void NormCoefficients(int layer)
        {
            var plan = _plan;
            var train = plan.Mode == GamMode.Train;
            var channels = layer == 1 ? plan.Hidden : plan.OutChannels;
            var statistics = _activations.Statistics(layer);
            var gamma = (layer == 1 ? _weights.NormWeight1 : _weights.NormWeight2).Values;
            var gammaGradient = (layer == 1 ? _gradients.NormWeight1 : _gradients.NormWeight2).Storage;
            var betaGradient = (layer == 1 ? _gradients.NormBias1 : _gradients.NormBias2).Storage;
            var biasGradient = (layer == 1 ? _gradients.ConvBias1 : _gradients.ConvBias2).Storage;
            var count = (double)plan.Batch * plan.PlaneSize;
            var moments = _workspace.Moments;
            var coefficients = _workspace.Coefficients;
            for (var c = 0; c < channels; c++)
            {
                var inverse = statistics.InverseDeviation[c];
                var sum = moments[2 * c];
                var normalizedSum = inverse * moments[(2 * c) + 1];
                betaGradient[c] += sum;
                gammaGradient[c] += normalizedSum;
                var a = gamma[c] * inverse;
                var (b, shift) = train ? (-a * inverse * normalizedSum / count, -a * sum / count) : (0.0, 0.0);
                if (!train)
                {
                    biasGradient[c] += a * sum;
                }

                coefficients[3 * c] = PackedFilter<T>.FromDouble(a);
                coefficients[(3 * c) + 1] = PackedFilter<T>.FromDouble(b);
                coefficients[(3 * c) + 2] = PackedFilter<T>.FromDouble(shift);
            }
        }

        private readonly int ItemCount(Phase phase)
        {
            var plan = _plan;
            var batch = plan.Batch;
            return phase switch
            {
                Phase.Pad => batch,
                Phase.ChannelMlp or Phase.ChannelMlpBackward => batch * _tiles,
                Phase.Rebuild1 or Phase.Norm1 => batch * plan.Hidden,
                Phase.OutputGate or Phase.Norm2 => batch * plan.OutChannels,
                Phase.Sums2 => plan.OutChannels,
                Phase.Sums1 => plan.Hidden,
                Phase.GatherGradient2 or Phase.GatherGradient1 => batch * plan.Height,
                Phase.WeightGradient2 => WeightGradientItems(plan.Conv2),
                Phase.WeightGradient1 => WeightGradientItems(plan.Conv1),
                Phase.DataGradient2 => plan.Packed ? _packedTiles : batch * ConvolutionItems(plan.Backward!.Convolution2!),
                Phase.DataGradient1 => plan.Packed ? _packedTiles : batch * ConvolutionItems(plan.Backward!.Convolution1!),
                Phase.LinearGradient2 => LinearSplit(plan.Channels, plan.Hidden).Items,
                Phase.LinearGradient1 => LinearSplit(plan.Hidden, plan.Channels).Items,
                Phase.InputSpectra => SpectralConvolution<T, TV, TLanes>.TransformItems(batch, LayerInputs),
                Phase.GradientSpectra => SpectralConvolution<T, TV, TLanes>.TransformItems(batch, LayerOutputs),
                Phase.Correlation => SpectralConvolution<T, TV, TLanes>.WeightGradientItems(plan.Spectral!.Value, LayerInputs, LayerOutputs),
                Phase.DataProducts => SpectralConvolution<T, TV, TLanes>.TransposedProductItems(plan.Spectral!.Value, plan.SpectralWeights.Filter(_layer)),
                Phase.DataSynthesis => SpectralConvolution<T, TV, TLanes>.TransformItems(batch, LayerInputs),
                _ => plan.Channels + plan.Hidden,
            };
        }

        /// <summary>Gets the input channels of the convolution whose spectral weight gradient runs (x1's C, or h1's m).</summary>
        private readonly int LayerInputs => _layer == 1 ? _plan.Channels : _plan.Hidden;

        /// <summary>Gets its output channels (m, or out).</summary>
        private readonly int LayerOutputs => _layer == 1 ? _plan.Hidden : _plan.OutChannels;

        private readonly int ConvolutionItems(PackedFilter<T> filter) => filter.Groups * filter.BlocksPerGroup * _tiles;

        /// <summary>Weight-gradient items: (group, block of output channels, input channel), each owning all 49 taps of its block.</summary>
        private static int WeightGradientItems(PackedFilter<T> filter) => filter.Groups * FilterBlocks(filter) * filter.InPerGroup;

        /// <summary>Gets the blocks of output channels per group (<see cref="FilterGradientKernel.Block"/>).</summary>
        private static int FilterBlocks(PackedFilter<T> filter) => FilterGradientKernel.Blocks<T, TV, TLanes>(filter.OutPerGroup);

        private readonly void RunItem(int worker, int item)
        {
            var plan = _plan;
            var geometry = plan.Geometry;
            var stride = geometry.PlaneStride;
            var ws = _workspace;
            switch (_phase)
            {
                case Phase.Pad:
                    GamStages<T, TV, TLanes>.Pad(geometry, Sample(_input, item), Planes(ws.Inputs, item, plan.Channels), plan.Channels);
                    break;
                case Phase.ChannelMlp:
                    GamStages<T, TV, TLanes>.ChannelMlpTile(
                        plan, Planes(ws.Inputs, item / _tiles, plan.Channels), GamStages<T, TV, TLanes>.TileStart(geometry, item % _tiles), ws.WorkerHidden[worker], ws.WorkerTiles[worker]);
                    break;
                case Phase.Rebuild1:
                    {
                        // h1 = ReLU(BN1(z1)) from the kept map, by the forward pass's own operations.
                        var (n, j) = (item / plan.Hidden, item % plan.Hidden);
                        var plane = Planes(ws.Hidden, n, plan.Hidden).Slice(j * stride, stride);
                        GamStages<T, TV, TLanes>.Pad(geometry, _kept.Plane(1, n, j), plane, 1);

                        var statistics = _activations.First;
                        GamStages<T, TV, TLanes>.NormalizePlane(
                            geometry, plan.Mask, plane, PackedFilter<T>.FromDouble(statistics.Scale[j]), PackedFilter<T>.FromDouble(statistics.Shift[j]), relu: true);
                        break;
                    }

                case Phase.OutputGate:
                    {
                        var (n, o) = (item / plan.OutChannels, item % plan.OutChannels);
                        var statistics = _activations.Second;
                        GradientStages<T, TV, TLanes>.OutputGate(
                            plan,
                            o,
                            _kept.Plane(2, n, o),
                            PackedFilter<T>.FromDouble(statistics.Scale[o]),
                            PackedFilter<T>.FromDouble(statistics.Shift[o]),
                            Sample(_gradOutput, n),
                            Planes(ws.Inputs, n, plan.Channels),
                            Planes(ws.GradientInputs, n, plan.Channels),
                            Planes(ws.Maps, n, plan.OutChannels).Slice(o * stride, stride),
                            ws.WorkerTiles[worker]);
                        break;
                    }

                case Phase.Sums2:
                    NormSums(worker, 2, item, ws.Maps, plan.OutChannels);
                    break;
                case Phase.Sums1:
                    NormSums(worker, 1, item, ws.GradientHidden, plan.Hidden);
                    break;
                case Phase.Norm2:
                    NormBackward(worker, 2, item / plan.OutChannels, item % plan.OutChannels, ws.Maps, plan.OutChannels);
                    break;
                case Phase.Norm1:
                    NormBackward(worker, 1, item / plan.Hidden, item % plan.Hidden, ws.GradientHidden, plan.Hidden);
                    break;
                case Phase.GatherGradient2:
                    GatherGradient(item, ws.Maps, plan.OutChannels);
                    break;
                case Phase.GatherGradient1:
                    GatherGradient(item, ws.GradientHidden, plan.Hidden);
                    break;
                case Phase.WeightGradient2:
                    ConvolutionWeightGradient(worker, item, plan.Conv2, ws.Hidden, _gradients.ConvWeight2.Storage);
                    break;
                case Phase.WeightGradient1:
                    ConvolutionWeightGradient(worker, item, plan.Conv1, ws.Inputs, _gradients.ConvWeight1.Storage);
                    break;
                case Phase.ChannelMlpBackward:
                    {
                        var n = item / _tiles;
                        GradientStages<T, TV, TLanes>.ChannelMlpTile(
                            plan,
                            Planes(ws.Inputs, n, plan.Channels),
                            Planes(ws.GradientInputs, n, plan.Channels),
                            Planes(ws.Hidden, n, plan.Hidden),
                            Planes(ws.GradientHidden, n, plan.Hidden),
                            GamStages<T, TV, TLanes>.TileStart(geometry, item % _tiles),
                            ws.WorkerHidden[worker],
                            ws.WorkerGradientHidden[worker],
                            ws.WorkerGradientTiles[worker],
                            ws.WorkerTiles[worker],
                            Sample(_gradInput, n));
                        break;
                    }

                case Phase.InputSpectra:
                    SpectralConvolution<T, TV, TLanes>.Analyse(
                        plan.SpectralWeights, geometry, _layer == 1 ? ws.Inputs : ws.Hidden, LayerInputs, plan.Batch, item, ws.Spectra, ws.WorkerSpectra[worker]);
                    break;
                case Phase.GradientSpectra:
                    SpectralConvolution<T, TV, TLanes>.Analyse(
                        plan.SpectralWeights, geometry, _layer == 1 ? ws.GradientHidden : ws.Maps, LayerOutputs, plan.Batch, item, ws.Products, ws.WorkerSpectra[worker]);
                    break;
                case Phase.Correlation:
                    SpectralConvolution<T, TV, TLanes>.WeightGradient(
                        plan.SpectralWeights, plan.Batch, LayerInputs, LayerOutputs, ws.Spectra, ws.Products, item,
                        (_layer == 1 ? _gradients.ConvWeight1 : _gradients.ConvWeight2).Storage, ws.WorkerCorrelations[worker], ws.WorkerSpectra[worker]);
                    break;
                case Phase.DataProducts:
                    SpectralConvolution<T, TV, TLanes>.MultiplyTransposed(plan.SpectralWeights.Filter(_layer), plan.Batch, ws.Products, ws.Spectra, item, ws.WorkerCorrelations[worker]);
                    break;
                case Phase.DataSynthesis:
                    // The first layer's gradient adds to x1's direct share from the output gate, as on the direct path.
                    SpectralConvolution<T, TV, TLanes>.Synthesise(
                        plan.SpectralWeights, LayerInputs, null, geometry, ws.Spectra, plan.Batch, item,
                        _layer == 1 ? ws.GradientInputs : ws.GradientHidden, ws.WorkerSpectra[worker], accumulate: _layer == 1);
                    break;
                case Phase.LinearGradient2:
                    // ∂W2[c, j] = Σ ∂a[c]·u[j]: four channels of ∂a against every hidden channel.
                    LinearWeightGradient(worker, item, plan.Channels, ws.GradientInputs, plan.Hidden, ws.Hidden, plan.HiddenPlaneOffsets, _gradients.ChannelWeight2.Storage);
                    break;
                case Phase.LinearGradient1:
                    // ∂W1[j, c] = Σ ∂p[j]·x[c].
                    LinearWeightGradient(worker, item, plan.Hidden, ws.GradientHidden, plan.Channels, ws.Inputs, plan.Linear1Offsets, _gradients.ChannelWeight1.Storage);
                    break;
                case Phase.BiasSums:
                    {
                        var (planes, channels, channel, target) = item < plan.Channels
                            ? (ws.GradientInputs, plan.Channels, item, _gradients.ChannelBias2.Storage)
                            : (ws.GradientHidden, plan.Hidden, item - plan.Channels, _gradients.ChannelBias1.Storage);
                        var sum = 0.0;
                        for (var n = 0; n < plan.Batch; n++)
                        {
                            sum += RowReductions<T>.Sum(Planes(planes, n, channels).Slice((channel * stride) + geometry.DataStart, geometry.PositionCount));
                        }

                        target[channel] += sum;
                        break;
                    }
            }
        }

        /// <summary>
        /// Σ∂v and Σ∂v·(z − mean) of one channel over the batch, in one fixed order (chunks of whole rows summed as vectors, the
        /// chunks' sums added in double). Layer 1 first applies the ReLU: ∂v = ∂h1 where h1 &gt; 0, in place.
        /// </summary>
        private readonly void NormSums(int worker, int layer, int channel, T[] planes, int channels)
        {
            var plan = _plan;
            var geometry = plan.Geometry;
            var stride = geometry.PlaneStride;
            var scratch = _workspace.WorkerTiles[worker].AsSpan();
            var mean = PackedFilter<T>.FromDouble(_activations.Statistics(layer).Mean[channel]);
            double sum = 0, products = 0;
            for (var n = 0; n < plan.Batch; n++)
            {
                var plane = Planes(planes, n, channels).Slice(channel * stride, stride);
                var activation = layer == 1 ? Planes(_workspace.Hidden, n, plan.Hidden).Slice(channel * stride, stride) : default;
                var kept = _kept.Plane(layer, n, channel);
                for (var h = 0; h < geometry.Height; h += geometry.ChunkRows)
                {
                    // Whole rows with their padding columns, where the gradient is zero (and h1 too: the ReLU keeps it so).
                    var (rows, position, length) = geometry.Chunk(h);
                    var gradient = plane.Slice(position, length);
                    if (layer == 1)
                    {
                        GradientStages<T, TV, TLanes>.ReluMask(gradient, activation.Slice(position, length));
                    }

                    var d = scratch[..length];
                    geometry.PadRows(kept, h, rows, d);
                    System.Numerics.Tensors.TensorPrimitives.Subtract(d, mean, d);
                    sum += RowReductions<T>.Sum(gradient);
                    products += RowReductions<T>.Dot(gradient, d);
                }
            }

            _workspace.Moments[2 * channel] = sum;
            _workspace.Moments[(2 * channel) + 1] = products;
        }

        private readonly void NormBackward(int worker, int layer, int n, int channel, T[] planes, int channels)
        {
            var plan = _plan;
            var stride = plan.Geometry.PlaneStride;
            var coefficients = _workspace.Coefficients;
            GradientStages<T, TV, TLanes>.NormBackward(
                plan.Geometry,
                plan.Mask,
                Planes(planes, n, channels).Slice(channel * stride, stride),
                _kept.Plane(layer, n, channel),
                PackedFilter<T>.FromDouble(_activations.Statistics(layer).Mean[channel]),
                coefficients[3 * channel],
                coefficients[(3 * channel) + 1],
                coefficients[(3 * channel) + 2],
                plan.Mode == GamMode.Train,
                _workspace.WorkerTiles[worker]);
        }

        /// <summary>
        /// One weight-gradient item of a convolution: ∂K[o, i, tap] = Σ over the batch's pixels of ∂z[o]·input[i] at the tap's
        /// offset, for a block of output channels and one input channel, every tap (<see cref="FilterGradientKernel"/>), added
        /// to <paramref name="target"/>. The items of one block follow each other, so its gathered gradients stay in L2.
        /// </summary>
        private readonly void ConvolutionWeightGradient(int worker, int item, PackedFilter<T> filter, T[] inputs, double[] target)
        {
            var plan = _plan;
            var geometry = plan.Geometry;
            var blockChannels = FilterGradientKernel.BlockChannels<T, TV, TLanes>();
            var inPer = filter.InPerGroup;
            var input = item % inPer;
            var block = item / inPer % FilterBlocks(filter);
            var group = item / inPer / FilterBlocks(filter);
            var (offset, channels) = FilterGradientKernel.Block<T, TV, TLanes>(filter.OutPerGroup, block);
            var first = (group * filter.OutPerGroup) + offset;
            var sums = _workspace.WorkerSums[worker].AsSpan(0, blockChannels * Taps);
            sums.Clear();
            var inChannels = inPer * filter.Groups;
            FilterGradientKernel.Run<T, TV, TLanes>(
                ref _workspace.PixelGradients[first], FilterGradientKernel.PixelStride<T>(filter.OutChannels), channels,
                ref inputs[((group * inPer) + input) * geometry.PlaneStride], (nint)inChannels * geometry.PlaneStride, geometry, plan.Batch, sums);

            // The sums are [tap][channel]; the gradient is [output channel][input channel][tap].
            AddRows(target, ((first * inPer) + input) * Taps, inPer * Taps, sums, channels, Taps, rowStep: 1, step: blockChannels);
        }

        /// <summary>Lays one image row of one sample's output gradient out pixel by pixel ([pixel][channel]) for <see cref="FilterGradientKernel"/>.</summary>
        private readonly void GatherGradient(int item, T[] planes, int channels)
        {
            var plan = _plan;
            var (n, row) = (item / plan.Height, item % plan.Height);
            var stride = FilterGradientKernel.PixelStride<T>(channels);
            FilterGradientKernel.Gather<T>(
                Planes(planes, n, channels), plan.Geometry, row, channels, _workspace.PixelGradients.AsSpan((((n * plan.Height) + row) * plan.Width) * stride, plan.Width * stride));
        }

        /// <summary>One weight-gradient item of a linear layer: rows [4·item, 4·item + 4) of ∂W = Σ ∂out·inᵀ over the batch's positions.</summary>
        private readonly void LinearWeightGradient(int worker, int item, int outChannels, T[] gradients, int inChannels, T[] inputs, int[] planeOffsets, double[] target)
        {
            var plan = _plan;
            var geometry = plan.Geometry;
            long stride = geometry.PlaneStride;
            var split = LinearSplit(outChannels, inChannels);
            var first = item / split.TapGroups * split.RowTiles * GradientKernel.Rows;
            var rows = Math.Min(split.RowTiles * GradientKernel.Rows, outChannels - first);
            var firstTap = item % split.TapGroups * split.Taps;
            var taps = Math.Min(split.Taps, inChannels - firstTap);
            var sums = _workspace.WorkerSums[worker].AsSpan(0, rows * taps);
            sums.Clear();
            var length = (geometry.PositionCount + TLanes.Count - 1) / TLanes.Count * TLanes.Count;
            ref var gradients0 = ref MemoryMarshal.GetArrayDataReference(gradients);
            ref var inputs0 = ref MemoryMarshal.GetArrayDataReference(inputs);
            var planeStride = (int)stride;
            ref var gradient = ref Unsafe.Add(ref gradients0, (nint)((first * stride) + geometry.DataStart));
            ref var values = ref Unsafe.Add(ref inputs0, (nint)geometry.DataStart);
            GradientKernel.Run<T, TV, TLanes>(
                ref gradient, planeStride, rows, ref values, planeOffsets.AsSpan(firstTap, taps), length, plan.Batch, (nint)(outChannels * stride), (nint)(inChannels * stride), sums, taps,
                _workspace.WorkerGradientScratch[worker]);

            AddRows(target, (first * inChannels) + firstTap, inChannels, sums, rows, taps, rowStep: taps, step: 1);
        }

        /// <summary>
        /// Cuts a linear layer's weight gradient (<paramref name="rows"/> output by <paramref name="taps"/> input channels)
        /// into items of up to <see cref="GradientKernel.MaxRowTiles"/> tiles of rows by up to
        /// <see cref="GradientKernel.MaxLinearTaps"/> taps (whole wide tiles), as many rows per item as still leave every
        /// worker four items. Each weight is summed by one item in one order, so the cut never changes a bit.
        /// </summary>
        private readonly (int RowTiles, int Taps, int TapGroups, int Items) LinearSplit(int rows, int taps)
        {
            var groups = (taps + GradientKernel.MaxLinearTaps - 1) / GradientKernel.MaxLinearTaps;
            var perGroup = ((taps + groups - 1) / groups + GradientKernel.WideTaps - 1) / GradientKernel.WideTaps * GradientKernel.WideTaps;
            groups = (taps + perGroup - 1) / perGroup;
            var tiles = (rows + GradientKernel.Rows - 1) / GradientKernel.Rows;
            var rowTiles = Math.Clamp(tiles * groups / (4 * _workers), 1, GradientKernel.MaxRowTiles);
            return (rowTiles, perGroup, groups, (tiles + rowTiles - 1) / rowTiles * groups);
        }

        /// <summary>A convolution's data gradient: the forward convolution code with the transposed, turned filter.</summary>
        private readonly void DataGradient(int worker, bool first, int from, int to)
        {
            var plan = _plan;
            var ws = _workspace;
            var filter = (first ? plan.Backward!.Convolution1 : plan.Backward!.Convolution2)!;
            var (input, inputChannels, output, outputChannels) = first
                ? (ws.GradientHidden, plan.Hidden, ws.GradientInputs, plan.Channels)
                : (ws.Maps, plan.OutChannels, ws.GradientHidden, plan.Hidden);

            // The first layer's gradient adds to x1's direct share from the output gate.
            var accumulate = first;
            if (plan.Packed)
            {
                var panelLength = plan.ChunkChannels * Taps * plan.TilePositions;
                var store = new PackedStoreEpilogue<T>(filter, plan.Geometry, output, outputChannels, plan.Batch, relu: false, accumulate);
                PackedConvolution<T, TV, TLanes>.Run(
                    filter, plan.Geometry, input, inputChannels, plan.Batch, from, to, plan.ChunkChannels, plan.StepOffsets,
                    ws.WorkerPanels[worker].AsSpan(0, panelLength), ws.WorkerPanels[worker].AsSpan(panelLength), ws.WorkerTiles[worker].AsSpan(0, plan.BlockRows * plan.TilePositions), ref store);
                return;
            }

            var stride = plan.Geometry.PlaneStride;
            var perSample = ConvolutionItems(filter);
            var tile = ws.WorkerTiles[worker].AsSpan();
            while (from < to)
            {
                var n = from / perSample;
                var end = Math.Min(to, (n + 1) * perSample);
                var store = new StorePlanesEpilogue<T, TV, TLanes>(filter, plan.Mask, output, n * outputChannels * stride, stride, relu: false);
                GamStages<T, TV, TLanes>.Convolution(
                    filter, plan.Geometry, Planes(input, n, inputChannels), Planes(output, n, outputChannels), from - (n * perSample), end - (n * perSample),
                    plan.ChunkChannels, plan.StepOffsets, tile, ref store, accumulate);
                from = end;
            }
        }

        /// <summary>
        /// Adds a weight-gradient item's sums to its rows of the gradient, which start <paramref name="rowStride"/> apart: value
        /// i of row r is sums[r·<paramref name="rowStep"/> + i·<paramref name="step"/>] ([row][length] for the linear layers'
        /// kernel, [length][row] for the convolutions').
        /// </summary>
        private static void AddRows(double[] target, int start, int rowStride, ReadOnlySpan<double> sums, int rows, int length, int rowStep, int step)
        {
            for (var r = 0; r < rows; r++)
            {
                var targetRow = target.AsSpan(start + (r * rowStride), length);
                for (var i = 0; i < length; i++)
                {
                    targetRow[i] += sums[(r * rowStep) + (i * step)];
                }
            }
        }

        private readonly Span<T> Sample(T* tensor, int n) =>
            new(tensor + ((long)n * _plan.Channels * _plan.PlaneSize), _plan.Channels * _plan.PlaneSize);

        private readonly Span<T> Planes(T[] buffer, int n, int channels)
        {
            var length = channels * _plan.Geometry.PlaneStride;
            return buffer.AsSpan(n * length, length);
        }
    }
}
