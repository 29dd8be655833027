using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Threading;
using SimAM.Gam.Compute.Spectral;

namespace SimAM.Gam.Compute;

/// <summary>
/// Everything a forward pass over one input shape needs that does not depend on the data: the module's packed
/// weights (for the mode: BatchNorm folded in eval, raw convolutions in train), the padded-plane geometry,
/// the position mask, and the sizes. Built once per (weights version, mode, shape) and reused.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
internal sealed class GamPlan<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private const int Taps = GamWeights.KernelSize * GamWeights.KernelSize;

    /// <summary>
    /// The packed panel's size: small enough to stay in L1 while every output block of the layer streams over it (one
    /// input channel per chunk at 512 bits). Measured on [32,512,7,7], one thread, CPU time: 8 KB panels 96 GFLOP/s,
    /// 24 KB 86, 96 KB 77-83 (the panel then comes from L2 for every block).
    /// </summary>
    private const int PackedPanelBytes = 16 * 1024;

    /// <summary>
    /// What reading one element of the spectral weights from memory costs in units of one FMA lane: two cores retire 64
    /// lanes a cycle, while memory delivers under two floats a cycle; the weights are read once per pass and do not fit the cache.
    /// </summary>
    private const int WeightReadCost = 40;

    /// <summary>
    /// The most memory the cost model lets a plan's transformed weights take (both convolutions). They grow with the map,
    /// 2·P·(Q/2 + 1) values per pair of channels against 49 for the direct filter: 130 MB in float at C = 256 on 28×28 maps,
    /// over a gigabyte at C = 512 on 64×64, where the direct path is the one to keep.
    /// </summary>
    private const long MaxSpectralWeightBytes = 256L << 20;

    /// <summary>The largest side of a map the spectral convolutions take (far beyond where the cost model stops choosing them).</summary>
    private const int MaxSpectralSide = 128;

    /// <summary>The workspace a spectral plan's slice of samples may take (planes and spectra; see <see cref="SliceSamples"/>).</summary>
    private const long SpectralSliceBytes = 64L << 20;

    /// <summary>The batch <see cref="SpectralPays"/> assumes (the weights' reads are shared by a pass's samples).</summary>
    private const int NominalBatch = 8;

    private readonly GamWeights _weights;
    private readonly PackedFilter<T>? _conv1;
    private readonly PackedFilter<T>? _conv2;
    private readonly object _spectralLock = new();
    private SpectralPlan<T>? _spectralWeights;

    public GamPlan(GamWeights weights, GamMode mode, bool keepActivations, int batch, int height, int width, GamOptions options, int tilePositions, int blockRows)
    {
        _weights = weights;
        TilePositions = tilePositions;
        KeepsActivations = keepActivations;
        BlockRows = blockRows;
        Mode = mode;
        Batch = batch;
        Channels = weights.Channels;
        Hidden = weights.Hidden;
        OutChannels = weights.OutChannels;
        Groups = weights.Groups;
        ChannelGate = options.ChannelGate;
        ShuffleGroups = options.ShuffleGroups;
        Workers = options.EffectiveDegreeOfParallelism;
        var spectral = new SpectralGeometry(height, width);
        var evalOnly = mode == GamMode.Eval && !keepActivations;
        Spectral = Groups == 1 && SpectralFits(spectral, Channels, Hidden, OutChannels)
            && (options.SpectralConvolution ?? (options.PackedConvolution is null
                && SpectralPays(height, width, tilePositions, Channels, Hidden, OutChannels, batch, training: evalOnly ? null : keepActivations)))
            ? spectral
            : null;

        // Spectral convolutions read the maps through their transforms: their planes need no zeros between rows.
        Geometry = new PaddedGeometry(height, width, Spectral is null ? PaddedGeometry.Pad : 0);
        Mask = new T[Geometry.PlaneStride];
        Geometry.FillMask<T>(Mask, AllOnes());

        Linear1 = new PackedFilter<T>(weights.ChannelWeight1.Values, Hidden, Channels, 1, 1, default, blockRows);
        Linear1.SetShift(weights.ChannelBias1.Values);
        Linear2 = new PackedFilter<T>(weights.ChannelWeight2.Values, Channels, Hidden, 1, 1, default, blockRows);
        Linear2.SetShift(weights.ChannelBias2.Values);

        if (Spectral is null)
        {
            var k = GamWeights.KernelSize;
            var (scale1, shift1, scale2, shift2) = ConvolutionAffines(weights);
            _conv1 = new PackedFilter<T>(weights.ConvWeight1.Values, Hidden, Channels, Groups, k, scale1, blockRows);
            _conv1.SetShift(shift1);
            _conv2 = new PackedFilter<T>(weights.ConvWeight2.Values, OutChannels, Hidden, Groups, k, scale2, blockRows);
            _conv2.SetShift(shift2);
        }

        WeightsVersion = VersionOf(weights, mode, keepActivations);
        Backward = keepActivations ? new BackwardFilters<T>(weights, blockRows, Workers, convolutions: Spectral is null) : null;
        SliceSamples = Spectral is { } sliced && evalOnly ? SpectralSlice(sliced, batch) : batch;
        Packed = Spectral is null && (options.PackedConvolution ?? PackingPays(batch, height, width, tilePositions, Channels * Taps / Groups, Hidden, Hidden * Taps / Groups, OutChannels));

        // The micro-kernel's step offsets: one table per kind of reduction, each shared by every tile and chunk.
        var stride = Geometry.PlaneStride;
        var size = Unsafe.SizeOf<T>();
        ChunkChannels = Packed
            ? Math.Max(1, PackedPanelBytes / (Taps * tilePositions * size))
            : Math.Max(1, (192 * 1024) / (stride * size));
        ChunkChannels = Math.Min(ChunkChannels, Math.Max(Channels, Hidden) / Groups);
        StepOffsets = new int[ChunkChannels * Taps];
        for (var ci = 0; ci < ChunkChannels; ci++)
        {
            for (var t = 0; t < Taps; t++)
            {
                StepOffsets[(ci * Taps) + t] = Packed
                    ? ((ci * Taps) + t) * tilePositions
                    : (ci * stride) + (t / GamWeights.KernelSize * Geometry.RowStride) + (t % GamWeights.KernelSize);
            }
        }

        Linear1Offsets = new int[Channels];
        for (var c = 0; c < Channels; c++)
        {
            Linear1Offsets[c] = c * stride;
        }

        HiddenPlaneOffsets = new int[Hidden];
        for (var j = 0; j < Hidden; j++)
        {
            HiddenPlaneOffsets[j] = j * stride;
        }

        Linear2Offsets = new int[Hidden];
        for (var j = 0; j < Hidden; j++)
        {
            Linear2Offsets[j] = j * tilePositions;
        }
    }

    /// <summary>
    /// Gets the input channels per reduction chunk of the convolutions: for the direct path as many padded planes as
    /// fit in about 192 KB, so that a chunk stays in the L2 cache of any current core (512 KB and up) beside the weights'
    /// panel; for the packed path as many as keep one tile's packed panel in L1 (<see cref="PackedPanelBytes"/>).
    /// </summary>
    public int ChunkChannels { get; }

    /// <summary>Gets the micro-kernel's step offsets for one chunk of a convolution: (channel, kh, kw) taps of the padded planes, or the packed panel's rows.</summary>
    public int[] StepOffsets { get; }

    /// <summary>Gets the first linear layer's step offsets: one padded plane per input channel.</summary>
    public int[] Linear1Offsets { get; }

    /// <summary>Gets one padded plane per hidden channel: the steps of the second linear layer's weight gradient.</summary>
    public int[] HiddenPlaneOffsets { get; }

    /// <summary>Gets the second linear layer's step offsets: one row of the hidden tile per hidden channel.</summary>
    public int[] Linear2Offsets { get; }

    /// <summary>Gets the output channels per micro-kernel block at the call's width (8 at 512 bits, else 4).</summary>
    public int BlockRows { get; }

    /// <summary>Gets the positions of one micro-kernel tile at the call's width.</summary>
    public int TilePositions { get; }

    /// <summary>
    /// Gets a value indicating whether the convolutions gather each tile's inputs into a packed panel over the whole
    /// batch's pixels (<see cref="PackedConvolution{T, TV, TLanes}"/>) instead of sliding over the padded planes.
    /// </summary>
    public bool Packed { get; }

    /// <summary>
    /// Gets a value indicating whether the forward pass keeps what the backward pass needs (<see cref="GamActivations"/>):
    /// then eval mode, too, runs in phases over the whole batch with the raw convolutions and BatchNorm as a separate step,
    /// since the backward pass needs each convolution's own output.
    /// </summary>
    public bool KeepsActivations { get; }

    /// <summary>
    /// Gets a value indicating whether the pass runs in phases over the whole batch with the raw convolutions (bias only)
    /// and BatchNorm applied between them: train mode, and any pass that keeps activations.
    /// </summary>
    public bool Phased => Mode == GamMode.Train || KeepsActivations || Spectral is not null;

    /// <summary>
    /// Gets the sizes of the spectral convolutions where this plan runs its convolutions through the discrete Fourier
    /// transform (<see cref="SpectralConvolution{T, TV, TLanes}"/>), else null. Such a plan runs in phases, as train mode
    /// does (in eval mode with BatchNorm from the running statistics as a step of its own). In a plan that keeps
    /// activations the backward pass runs spectrally too: the weight gradients (the spectra of the inputs and output
    /// gradients, a GEMM per bin over the samples, the inverse to the taps) and the data gradients (the output gradients'
    /// spectra times the forward filters' spectra, conjugated and transposed a tile at a time).
    /// </summary>
    public SpectralGeometry? Spectral { get; }

    /// <summary>
    /// Gets the transforms and transformed weights of a spectral plan, built on first use, then transformed again in place
    /// by <see cref="Refresh"/> (train plans, whose weights change after every optimizer step).
    /// </summary>
    public SpectralPlan<T> SpectralWeights => BuiltOnce();

    /// <summary>
    /// Gets the samples a phased pass runs at once, which the workspace holds: the whole batch, except in spectral eval plans
    /// that keep no activations (samples independent), whose phases run over slices of at most <see cref="SpectralSliceBytes"/> of workspace
    /// (but at least <see cref="NominalBatch"/> samples, what the cost model assumed for the weights' reads).
    /// </summary>
    public int SliceSamples { get; }

    /// <summary>Gets the threads a pass of this plan may use (also those that transform the spectral weights).</summary>
    public int Workers { get; }

    /// <summary>Gets the transposed weights of the backward pass (plans that keep activations only).</summary>
    public BackwardFilters<T>? Backward { get; }

    /// <summary>Gets the number of pixels of the batch, the packed convolutions' positions.</summary>
    public int Positions => Batch * PlaneSize;

    public GamMode Mode { get; }

    public int Batch { get; }

    public int Channels { get; }

    public int Hidden { get; }

    public int OutChannels { get; }

    public int Groups { get; }

    public GamChannelGate ChannelGate { get; }

    public int ShuffleGroups { get; }

    public PaddedGeometry Geometry { get; }

    /// <summary>Gets all-ones bits at data positions of a plane, zeros at padding.</summary>
    public T[] Mask { get; }

    public PackedFilter<T> Linear1 { get; }

    public PackedFilter<T> Linear2 { get; }

    /// <summary>Gets the first convolution's packed filter (BatchNorm folded in where the eval pass runs fused).</summary>
    /// <exception cref="InvalidOperationException">The plan is spectral: its convolutions have filters of their own (<see cref="SpectralWeights"/>).</exception>
    public PackedFilter<T> Conv1 => _conv1 ?? throw NoPackedFilters();

    /// <summary>Gets the second convolution's packed filter.</summary>
    /// <exception cref="InvalidOperationException">The plan is spectral.</exception>
    public PackedFilter<T> Conv2 => _conv2 ?? throw NoPackedFilters();

    public long WeightsVersion { get; private set; }

    public int Height => Geometry.Height;

    public int Width => Geometry.Width;

    public int PlaneSize => Geometry.Height * Geometry.Width;

    public bool Matches(GamWeights weights, GamMode mode, bool keepActivations, int batch, int height, int width, GamOptions options) =>
        WeightsVersion == VersionOf(weights, mode, keepActivations) && MatchesShape(mode, keepActivations, batch, height, width, options);

    /// <summary>Gets whether the plan is for this call's shape, mode and options, whatever the weights' version.</summary>
    public bool MatchesShape(GamMode mode, bool keepActivations, int batch, int height, int width, GamOptions options) =>
        Mode == mode && KeepsActivations == keepActivations && Batch == batch && Height == height && Width == width
        && ChannelGate == options.ChannelGate && ShuffleGroups == options.ShuffleGroups;

    /// <summary>
    /// Packs changed weights into this plan's own panels (same shapes, no allocation): a training loop changes the
    /// parameters after every step, and a new plan each time cost a new set of panels (tens of megabytes on the large
    /// shapes, paged in and collected again). Only for plans no other call is using meanwhile: the module refreshes the
    /// plans of train passes and of passes that keep activations, which run under its training lock (eval plans that keep
    /// none are built anew). A spectral plan transforms its convolutions' weights again (it packs no direct filters).
    /// </summary>
    public void Refresh(GamWeights weights)
    {
        if (Mode == GamMode.Eval && !KeepsActivations)
        {
            throw new InvalidOperationException("An eval plan that keeps no activations is never refreshed in place.");
        }

        WeightsVersion = VersionOf(weights, Mode, KeepsActivations);
        Linear1.Pack(weights.ChannelWeight1.Storage, default, Workers);
        Linear1.SetShift(weights.ChannelBias1.Values);
        Linear2.Pack(weights.ChannelWeight2.Storage, default, Workers);
        Linear2.SetShift(weights.ChannelBias2.Values);
        Backward?.Refresh(weights, Workers);
        if (Spectral is not null)
        {
            // Not built yet: the first pass builds it from these weights.
            Volatile.Read(ref _spectralWeights)?.Refresh(weights, Workers);
            return;
        }

        var (scale1, shift1, scale2, shift2) = ConvolutionAffines(weights);
        Conv1.Pack(weights.ConvWeight1.Storage, scale1, Workers);
        Conv1.SetShift(shift1);
        Conv2.Pack(weights.ConvWeight2.Storage, scale2, Workers);
        Conv2.SetShift(shift2);
    }

    private static InvalidOperationException NoPackedFilters() =>
        new("A spectral plan packs no direct convolution filters: its convolutions run on SpectralWeights.");

    /// <summary>
    /// Compares the two ways to run the convolutions, in units of one vector FMA lane: the direct path computes
    /// (W + 3)-wide rows rounded up to whole tiles; the packed path computes only pixels but first copies one value per
    /// pixel and reduction step into its panel. That copy is charged one cycle, while the FMA pipes retire 32 lanes a
    /// cycle: the rate of the gathers it once was. Copied by segments it costs less, but a packed tile that skips padding
    /// rows then reduces one input channel per call; with both, the model still picks the faster path on the shapes
    /// measured (packed on [32,512,7,7] and [4,256,10,10]; direct on [1,512,7,7], [2,256,14,14], [16,256,14,14] and every larger map).
    /// </summary>
    private static bool PackingPays(int batch, int height, int width, int tilePositions, int k1, int cout1, int k2, int cout2)
    {
        var (direct, packed) = ConvolutionCosts(batch, height, width, tilePositions, k1, cout1, k2, cout2);
        return packed < direct;
    }

    /// <summary>
    /// Gets both convolutions' cost on the direct and on the packed path in FMA lanes (see <see cref="PackingPays"/>), for
    /// reductions of <paramref name="k1"/> and <paramref name="k2"/> steps into <paramref name="cout1"/> and
    /// <paramref name="cout2"/> output channels.
    /// </summary>
    private static (long Direct, long Packed) ConvolutionCosts(int batch, int height, int width, int tilePositions, int k1, int cout1, int k2, int cout2)
    {
        var rowPositions = (long)height * (width + PaddedGeometry.Pad);
        var direct = (long)batch * ((rowPositions + tilePositions - 1) / tilePositions) * tilePositions;
        var pixels = (long)batch * height * width;
        var packed = (pixels + tilePositions - 1) / tilePositions * tilePositions;
        var work = ((long)k1 * cout1) + ((long)k2 * cout2);
        return (direct * work, packed * (work + (32L * (k1 + k2))));
    }

    /// <summary>
    /// Gets the spectral weights, building them first if this is their first use: eval plans are shared by concurrent
    /// callers, so the first builds them and the others wait.
    /// </summary>
    private SpectralPlan<T> BuiltOnce()
    {
        var built = Volatile.Read(ref _spectralWeights);
        if (built is null)
        {
            lock (_spectralLock)
            {
                built = _spectralWeights ?? new SpectralPlan<T>(Spectral!.Value, _weights, Workers);
                Volatile.Write(ref _spectralWeights, built);
            }
        }

        return built;
    }

    /// <summary>
    /// Gets whether a spectral plan may be built at all, even when tests force one: maps of at most
    /// <see cref="MaxSpectralSide"/> on each side (the transforms' matrices and each worker's scratch grow with the map)
    /// and transformed weights within <see cref="MaxSpectralWeightBytes"/>.
    /// </summary>
    private static bool SpectralFits(in SpectralGeometry spectral, int channels, int hidden, int outChannels) =>
        spectral.Height <= MaxSpectralSide && spectral.Width <= MaxSpectralSide
        && SpectralFilter<T>.Bytes(spectral, channels, hidden) + SpectralFilter<T>.Bytes(spectral, hidden, outChannels) <= MaxSpectralWeightBytes;

    /// <summary>Gets how many samples of a spectral plan's batch one slice of its phases takes (see <see cref="SliceSamples"/>).</summary>
    private int SpectralSlice(in SpectralGeometry spectral, int batch)
    {
        var perSample = ((long)(Channels + Hidden + OutChannels) * Geometry.PlaneStride)
            + spectral.SpectraLength(1, Math.Max(Channels, Hidden)) + spectral.SpectraLength(1, Math.Max(Hidden, OutChannels));
        var fitting = SpectralSliceBytes / (perSample * Unsafe.SizeOf<T>());
        return (int)Math.Min(batch, Math.Max(NominalBatch, fitting));
    }

    /// <summary>
    /// Compares the spectral convolutions with the cheaper of the direct and packed paths, in units of one vector FMA lane
    /// (as <see cref="PackingPays"/>): per bin and pair of channels (output channels padded as the GEMM's tiles run them)
    /// four real FMAs for every sample, the transforms of every input and output plane, and the transformed weights read
    /// from memory once per pass. The transforms' small matrix products load about one value per FMA, and with the
    /// folds' sums and differences, the copies between their steps and the spectra's scattered stores they run at about
    /// a quarter of the micro-kernel's rate, so they count four times (every plane of a vector whether its lane holds a
    /// channel or not). Fitted to eval passes of 8 samples, direct against spectral, 2 threads: C = 32 on 14×14, 28×28
    /// and 56×56 maps 0.4, 1.5 and 5.3 ms against 0.7, 1.9 and 6.5 (direct kept); C = 64 1.3, 4.7 and 17.9 against 1.2,
    /// 3.6 and 12.1; C = 128 4.5, 16.8 and 65.0 against 2.5, 6.9 and 27.3 (spectral taken). Each phase the spectral
    /// path runs beyond the direct path's costs a fork and join of the workers, about 10 µs here (<c>phaseCost</c>
    /// lanes): a phased, spectral eval pass runs ten phases where the fused direct one runs one, a training step four
    /// more in each direction (three per spectral convolution against one; five per convolution's gradients against
    /// three). With channel counts padded to 16 rather than 32, C = 32 took the spectral path on 10×10 to 28×28 maps
    /// without it (eval of 8 samples on 14×14, 20×20 and 28×28: direct 0.3, 0.7 and 1.2 ms, spectral 0.5, 0.8 and 1.4).
    /// An eval pass's comparison (<paramref name="training"/> null) is made for <see cref="NominalBatch"/> samples
    /// whatever the call's <paramref name="batch"/>: the two algorithms round differently, and a sample's result must
    /// not depend on the batch it comes in.
    /// </summary>
    /// <remarks>
    /// A train pass (<paramref name="training"/> false), or one that keeps activations for a backward pass (true),
    /// compares for the call's <paramref name="batch"/> (its BatchNorm mixes the batch anyway), and both paths pay for
    /// taking in the weights on every call, since an optimizer step changes them between calls. The spectral one
    /// transforms them: per pair of channels, the two small matrices in double (two lanes of float each, at a third of
    /// the micro-kernel's rate: <c>kernelRate</c>, unfolded) and one rounded store per value, a cycle's worth of lanes.
    /// That model puts the transform of [512, 128] and [128, 512] filters on 7×7 maps at 10 ms and of [256, 64] and
    /// [64, 256] on 28×28 at 17 ms; measured on two threads: 16–17 and 20–22 ms. The direct one packs each
    /// convolution's filter and its transposed data-gradient filter again, <c>packCost</c> lanes per value, scaled from
    /// the same ratio (both for [512, 128] and [128, 512]: 8.6 ms on two threads). With activations kept, the backward
    /// pass's data and weight gradients are two more passes against two more of the direct path's, with transforms of
    /// their own: the inputs' spectra again and the output gradients' (shared by the two gradients) for every layer,
    /// and the input gradients' synthesis — 2C + 3m + out planes per sample against the forward's C + 2m + out; the
    /// data gradients transpose the forward filters' values, a few shuffles each. The direct backward's kernels run at
    /// about 0.85 of the forward's rate (weight gradients 17.3 and data gradients 15.9 ms against a 13.9 ms forward
    /// convolution pass on [8,64,56,56]), so its two passes count <c>directBackward</c> tenths of a forward pass (2.4
    /// passes). Measured training steps (forward, backward, SGD; two threads, interleaved, direct → spectral):
    /// [8,256,28,28] 218 → 124 ms, [32,512,7,7] 273 → 134 ms, [16,256,14,14] 128 → 62 ms and [4,256,10,10] 40 → 30 ms
    /// with data-gradient filters of their own, since then [8,64,56,56] 69.5 → 62 ms; [1,256,28,28] 45 against 62 ms,
    /// where the model keeps the direct path. With the folded transforms: [4,64,56,56] 37.2 → 32.7 ms and [2,256,14,14]
    /// 25.3 → 22.3 (spectral taken), [2,64,56,56] 17.6 against 22.4 (direct kept); [8,32,28,28] 6.7 against 7.1, which
    /// the model gives the spectral path.
    /// </remarks>
    private static bool SpectralPays(int height, int width, int tilePositions, int channels, int hidden, int outChannels, int batch, bool? training)
    {
        batch = training is null ? NominalBatch : batch;
        const int transformRate = 4;
        const long phaseCost = 2_000_000;
        const int kernelRate = 3;
        const int storeCost = 32;
        const int transposeCost = 8;
        const int packCost = 80;
        const int directBackward = 24;
        var spectral = new SpectralGeometry(height, width);
        var pairs = ((long)channels * hidden) + ((long)hidden * outChannels);
        var paddedPairs = ((long)channels * SpectralGeometry.PaddedChannels(hidden)) + ((long)hidden * SpectralGeometry.PaddedChannels(outChannels));
        var products = 4L * batch * spectral.Bins * paddedPairs;

        // Each plane goes through the analysis or the synthesis; the transform cost counts one of each per vector of planes,
        // and a vector is transformed whole however many of its lanes hold channels (m = 8 fills half of one).
        var transforms = transformRate * (long)batch * (Planes(channels) + (2L * Planes(hidden)) + Planes(outChannels)) * spectral.TransformCost / 2;
        var weights = 2L * spectral.Bins * paddedPairs * WeightReadCost;

        var (direct, packed) = ConvolutionCosts(batch, height, width, tilePositions, channels * Taps, hidden, hidden * Taps, outChannels);
        if (training is not { } backward)
        {
            // Fused, the direct eval pass is one phase; the spectral one ten (its BatchNorms and each convolution's three).
            return products + transforms + weights + (9 * phaseCost) < Math.Min(direct, packed);
        }

        var passes = backward ? 3 : 1;
        var kernelRows = (long)GamWeights.KernelSize * SpectralGeometry.Padded(2 * spectral.HalfColumns);
        var kernelColumns = 2L * GamWeights.KernelSize * spectral.HalfColumns * SpectralGeometry.Padded(2 * spectral.Rows);
        var weightTransform = pairs * ((kernelRate * 2 * (kernelRows + kernelColumns)) + (2L * spectral.Bins * storeCost));
        var spectralCost = (passes * (products + weights)) + transforms + weightTransform + (4 * phaseCost);
        var directCost = Math.Min(direct, packed) + (pairs * Taps * packCost);
        if (backward)
        {
            var backwardPlanes = (2L * Planes(channels)) + (3L * Planes(hidden)) + Planes(outChannels);
            spectralCost += (transformRate * (long)batch * backwardPlanes * spectral.TransformCost / 2) + (2L * spectral.Bins * paddedPairs * transposeCost) + (4 * phaseCost);
            directCost += (directBackward * Math.Min(direct, packed) / 10) + (pairs * Taps * packCost);
        }

        return spectralCost < directCost;
    }

    /// <summary>Gets <paramref name="channels"/> planes rounded up to whole vectors of planes at the widest width (64 bytes of lanes).</summary>
    private static int Planes(int channels)
    {
        var lanes = 64 / Unsafe.SizeOf<T>();
        return (channels + lanes - 1) / lanes * lanes;
    }

    /// <summary>
    /// Gets each convolution's per-channel weight scale (null: 1) and the shift its epilogue adds: in eval plans that
    /// run fused, BatchNorm with the running statistics folded in (an affine map per channel: its scale into the weights,
    /// everything else into one shift); in phased plans the raw convolution, its bias only.
    /// </summary>
    private (double[]? Scale1, double[] Shift1, double[]? Scale2, double[] Shift2) ConvolutionAffines(GamWeights weights)
    {
        if (Phased)
        {
            return (null, weights.ConvBias1.Storage, null, weights.ConvBias2.Storage);
        }

        var (scale1, shift1) = BatchNormFolding.Fold(weights.ConvBias1.Values, weights.NormWeight1.Values, weights.NormBias1.Values, weights.RunningMean1.Values, weights.RunningVar1.Values);
        var (scale2, shift2) = BatchNormFolding.Fold(weights.ConvBias2.Values, weights.NormWeight2.Values, weights.NormBias2.Values, weights.RunningMean2.Values, weights.RunningVar2.Values);
        return (scale1, shift1, scale2, shift2);
    }

    /// <summary>Gets the weights version a plan depends on: eval folds the running statistics in; train and plans that keep activations do not.</summary>
    private static long VersionOf(GamWeights weights, GamMode mode, bool keepActivations) =>
        mode == GamMode.Eval && !keepActivations ? weights.Version : weights.ParametersVersion;

    /// <summary>Gets the output channel of y that the spatial map's channel <paramref name="o"/> multiplies (the shuffle).</summary>
    public int ShuffledChannel(int o)
    {
        if (ShuffleGroups == 0)
        {
            return o;
        }

        // New channel q·G + p takes old channel p·(out/G) + q, so old channel o = p·(out/G) + q goes to q·G + p.
        var perGroup = OutChannels / ShuffleGroups;
        return ((o % perGroup) * ShuffleGroups) + (o / perGroup);
    }

    private static T AllOnes()
    {
        if (typeof(T) == typeof(float))
        {
            var bits = BitConverter.Int32BitsToSingle(-1);
            return Unsafe.As<float, T>(ref bits);
        }

        var wide = BitConverter.Int64BitsToDouble(-1L);
        return Unsafe.As<double, T>(ref wide);
    }
}
