using System;
using System.Numerics;
using SimAM.Gam.Compute;

namespace SimAM.Gam.Scheduling;

/// <summary>
/// The buffers of a forward pass, reused from call to call: the padded planes of x (rewritten in place to x1)
/// and of the two convolutions' outputs (partial sums between reduction chunks; in train mode the raw outputs,
/// since BatchNorm needs the whole batch's statistics before anything can be normalised), plus each worker's tile scratch.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
/// <remarks>
/// Eval: (C + m + out) padded planes per worker (one sample each); train, and eval with the packed convolution: (C + m +
/// out) padded planes per sample; spectral eval: the planes and both convolutions' spectra per sample of one slice of the
/// batch (<see cref="GamPlan{T}.SliceSamples"/>).
/// A padded plane holds (H + 6)·(W + 3) + 134 values rounded up to 16. <see cref="Bytes"/> gives the total.
/// Padding positions are zero and stay zero (every write is masked), so the buffers are cleared only when the
/// shape changes.
/// </remarks>
internal sealed class GamWorkspace<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private (GamMode, int, int, int, int, int, int, int, int, bool, bool) _layout;
    private bool _prepared;
    private (int, int, int) _geometry = (-1, -1, -1);
    private (int, int, int, int, int, int) _backwardLayout;

    /// <summary>The next unclaimed item of the running phase (workers add to it atomically).</summary>
    internal int NextItem;

    public T[] Inputs { get; private set; } = [];

    public T[] Hidden { get; private set; } = [];

    public T[] Maps { get; private set; } = [];

    public T[][] WorkerHidden { get; private set; } = [];

    public T[][] WorkerTiles { get; private set; } = [];

    /// <summary>
    /// Gets the half spectra of a spectral convolution's input planes, [bin][sample][real, imaginary][channel] (spectral plans
    /// only; in a backward pass a layer's inputs' spectra, then its data gradient's).
    /// </summary>
    public T[] Spectra { get; private set; } = [];

    /// <summary>Gets the half spectra of a spectral convolution's output planes, laid out as <see cref="Spectra"/> (spectral plans only; in a backward pass a layer's output gradients').</summary>
    public T[] Products { get; private set; } = [];

    /// <summary>Gets each worker's scratch for the transforms of one vector of planes (spectral plans only).</summary>
    public T[][] WorkerSpectra { get; private set; } = [];

    /// <summary>Gets each worker's packed panel followed by its tile's partial sums, [output channel][tile position] (packed convolutions only).</summary>
    public T[][] WorkerPanels { get; private set; } = [];

    /// <summary>Gets the bytes a workspace holds for a shape (what <see cref="Prepare"/> allocates).</summary>
    public static long Bytes(GamPlan<T> plan, int workers, int tilePositions)
    {
        var (inputs, hidden, maps, perWorker) = Sizes(plan, workers, tilePositions);
        var (spectra, products, spectralScratch) = SpectralSizes(plan);
        return (inputs + hidden + maps + spectra + products + ((perWorker + spectralScratch) * workers)) * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
    }

    /// <summary>Makes the buffers fit <paramref name="plan"/> (allocating only when a shape or width needs more).</summary>
    public void Prepare(GamPlan<T> plan, int workers, int tilePositions)
    {
        var layout = (plan.Mode, plan.Batch, plan.Channels, plan.Hidden, plan.OutChannels, plan.Height, plan.Width, workers, tilePositions, plan.Packed, plan.Spectral is not null);
        if (_prepared && _layout == layout)
        {
            return;
        }

        // The padding of the planes a convolution reads (x1, h1, a backward pass's gradients) is zero, and every pass leaves
        // it so; only a map of another size puts data where padding was. The second convolution's output planes may hold an
        // eval pass's partial sums in their padding (the direct path's epilogue writes the output, not them), so every step
        // that reads them over whole rows masks the padding (train mode's moments) or writes it first (the backward
        // pass). Clearing the planes whenever the plan changed cost a training loop that alternates passes (eval, train,
        // train keeping activations: three plans) tens of megabytes of stores per call. Planes without padding (spectral
        // plans) put data where a direct plan's padding lies, so a change of padding clears them too.
        _prepared = false;
        var geometry = (plan.Height, plan.Width, plan.Geometry.RowStride);
        var clear = _geometry != geometry;
        var (inputs, hidden, maps, _) = Sizes(plan, workers, tilePositions);
        Inputs = Fit(Inputs, inputs, clear);
        Hidden = Fit(Hidden, hidden, clear);
        Maps = Fit(Maps, maps, clear);
        _geometry = geometry;
        var hiddenTile = ((plan.Hidden + plan.BlockRows - 1) / plan.BlockRows) * plan.BlockRows * tilePositions;
        var tile = TileLength(plan, tilePositions);
        var panel = plan.Packed ? PackedPanelLength(plan) : 0;
        if (WorkerHidden.Length < workers || (WorkerHidden.Length > 0 && (WorkerHidden[0].Length < hiddenTile || WorkerTiles[0].Length < tile || WorkerPanels[0].Length < panel)))
        {
            WorkerHidden = new T[workers][];
            WorkerTiles = new T[workers][];
            WorkerPanels = new T[workers][];
            for (var w = 0; w < workers; w++)
            {
                WorkerHidden[w] = new T[hiddenTile];
                WorkerTiles[w] = new T[tile];
                WorkerPanels[w] = new T[panel];
            }
        }

        // Spectra are kept through plans that need none, as the other buffers are: a training loop whose eval passes run
        // spectrally and its train passes directly (or the other way round) would allocate them anew on every switch. Every
        // value a pass reads from them it has written first, so they are never cleared.
        var (spectra, products, spectralScratch) = SpectralSizes(plan);
        Spectra = Fit(Spectra, spectra, clear: false);
        Products = Fit(Products, products, clear: false);
        WorkerSpectra = PerWorker(WorkerSpectra, workers, spectralScratch);

        var channels = Math.Max(plan.Hidden, plan.OutChannels);
        Moments = Moments.Length >= 2 * channels ? Moments : new double[2 * channels];
        Normalization = Normalization.Length >= 2 * channels ? Normalization : new T[2 * channels];
        _layout = layout;
        _prepared = true;
    }

    /// <summary>Gets each channel's batch mean and biased variance in train mode, [2c] and [2c + 1].</summary>
    public double[] Moments { get; private set; } = [];

    /// <summary>Gets each channel's train-mode BatchNorm scale and shift, [2c] and [2c + 1].</summary>
    public T[] Normalization { get; private set; } = [];

    /// <summary>The number of positions train mode normalises per step of its final pass (the length of a worker's tile scratch at least).</summary>
    public const int ChunkLength = 1024;

    private static (long Inputs, long Hidden, long Maps, long PerWorker) Sizes(GamPlan<T> plan, int workers, int tilePositions)
    {
        long plane = plan.Geometry.PlaneStride;
        long samples = plan.Phased || plan.Packed ? plan.SliceSamples : workers;
        var perWorker = (plan.Packed ? PackedPanelLength(plan) : 0) + (((plan.Hidden + plan.BlockRows - 1) / plan.BlockRows) * plan.BlockRows * tilePositions) + TileLength(plan, tilePositions);
        return (samples * plan.Channels * plane, samples * plan.Hidden * plane, samples * plan.OutChannels * plane, perWorker);
    }

    /// <summary>
    /// A worker's tile scratch: a convolution tile's partial sums, train mode's chunk of the final gate, or three chunks of
    /// rows of an element-wise backward step (<see cref="Compute.GradientStages{T, TV, TLanes}.OutputGate"/>).
    /// </summary>
    private static int TileLength(GamPlan<T> plan, int tilePositions) =>
        Math.Max(plan.BlockRows * tilePositions, Math.Max(ChunkLength, 3 * plan.Geometry.ChunkLength));

    /// <summary>
    /// The spectral buffers: both convolutions' input spectra share one buffer and their output spectra another; a worker
    /// transforms one vector of planes at a time (as many lanes as 512 bits hold, the widest width).
    /// </summary>
    private static (long Spectra, long Products, int WorkerScratch) SpectralSizes(GamPlan<T> plan)
    {
        if (plan.Spectral is not { } spectral)
        {
            return (0, 0, 0);
        }

        var batch = plan.SliceSamples;
        return (
            Math.Max(spectral.SpectraLength(batch, plan.Channels), spectral.SpectraLength(batch, plan.Hidden)),
            Math.Max(spectral.SpectraLength(batch, plan.Hidden), spectral.SpectraLength(batch, plan.OutChannels)),
            spectral.WorkerScratch(64 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>()));
    }

    /// <summary>One tile's packed panel of <see cref="GamPlan{T}.ChunkChannels"/> channels, and the tile's partial sums for every output channel.</summary>
    /// <remarks>A backward pass's data gradient of the first convolution has C output channels.</remarks>
    private static int PackedPanelLength(GamPlan<T> plan) =>
        (plan.ChunkChannels * 49 * plan.TilePositions) + (Math.Max(plan.KeepsActivations ? plan.Channels : 0, Math.Max(plan.Hidden, plan.OutChannels)) * plan.TilePositions);

    /// <summary>Gets the gradient planes of the hidden layer in a backward pass: ∂h1, then ∂z1, then the MLP's ∂(W1·x + b1) (m padded planes per sample).</summary>
    public T[] GradientHidden { get; private set; } = [];

    /// <summary>Gets the gradient planes of x1 in a backward pass, then ∂a of the channel MLP (C padded planes per sample).</summary>
    public T[] GradientInputs { get; private set; } = [];

    /// <summary>Gets each worker's tile of ∂ of the hidden layer (m rows) in the channel MLP's backward pass.</summary>
    public T[][] WorkerGradientHidden { get; private set; } = [];

    /// <summary>Gets each worker's tile of x's gradient before the first linear layer's share is added (C rows).</summary>
    public T[][] WorkerGradientTiles { get; private set; } = [];

    /// <summary>Gets each worker's weight-gradient accumulators between blocks of positions (<see cref="Compute.GradientKernel.ScratchLength"/>).</summary>
    public T[][] WorkerGradientScratch { get; private set; } = [];

    /// <summary>Gets each worker's weight-gradient sums: a convolution item's 49 taps by its block of output channels, or a linear item's rows by its input channels.</summary>
    public double[][] WorkerSums { get; private set; } = [];

    /// <summary>
    /// Gets each worker's correlation spectra of one weight-gradient item, [bin][output channel][real, imaginary][tile channel],
    /// and later in the pass its transposed filter block of one data-gradient item (spectral backward passes only).
    /// </summary>
    public T[][] WorkerCorrelations { get; private set; } = [];

    /// <summary>Gets a convolution's output gradient over the batch's pixels, [pixel][channel] (direct and packed plans; see <see cref="Compute.FilterGradientKernel.Gather"/>).</summary>
    public T[] PixelGradients { get; private set; } = [];

    /// <summary>Gets each channel's BatchNorm backward coefficients: ∂z = a·∂v + b·(z − mean) + c, at [3c], [3c + 1], [3c + 2].</summary>
    public T[] Coefficients { get; private set; } = [];

    /// <summary>Gets the bytes a backward pass adds to <see cref="Bytes"/>: (C + m) padded planes per sample and the workers' tiles.</summary>
    public static long BackwardBytes(GamPlan<T> plan, int workers)
    {
        var (inputs, hidden, perWorker, sums) = BackwardSizes(plan);
        var pixels = PixelGradientLength(plan);
        var correlations = WorkerCorrelationLength(plan);
        return ((inputs + hidden + pixels + ((perWorker + GradientScratchLength(plan) + correlations) * workers))
            * System.Runtime.CompilerServices.Unsafe.SizeOf<T>()) + (sums * workers * sizeof(double));
    }

    /// <summary>Adds the buffers of a backward pass (after <see cref="Prepare"/> with the same plan); their padding stays zero as the forward buffers' does.</summary>
    public void PrepareBackward(GamPlan<T> plan, int workers)
    {
        var (inputs, hidden, perWorker, sums) = BackwardSizes(plan);
        var layout = (plan.Batch, plan.Channels, plan.Hidden, plan.Height, plan.Width, plan.Geometry.RowStride);
        if (_backwardLayout != layout)
        {
            // Fit clears reused buffers: a new geometry (or padding) puts data where the old one had padding.
            GradientInputs = Fit(GradientInputs, inputs);
            GradientHidden = Fit(GradientHidden, hidden);
            _backwardLayout = layout;
        }

        var rows = ((plan.Hidden + plan.BlockRows - 1) / plan.BlockRows) * plan.BlockRows * plan.TilePositions;
        var scratch = GradientScratchLength(plan);
        if (WorkerSums.Length < workers || WorkerSums[0].Length < sums || WorkerGradientHidden[0].Length < rows || WorkerGradientTiles[0].Length < perWorker - rows
            || WorkerGradientScratch[0].Length < scratch)
        {
            WorkerSums = new double[workers][];
            WorkerGradientHidden = new T[workers][];
            WorkerGradientTiles = new T[workers][];
            WorkerGradientScratch = new T[workers][];
            for (var w = 0; w < workers; w++)
            {
                WorkerSums[w] = new double[sums];
                WorkerGradientHidden[w] = new T[rows];
                WorkerGradientTiles[w] = new T[perWorker - rows];
                WorkerGradientScratch[w] = new T[scratch];
            }
        }

        var channels = Math.Max(plan.Channels, Math.Max(plan.Hidden, plan.OutChannels));
        Coefficients = Coefficients.Length >= 3 * channels ? Coefficients : new T[3 * channels];

        // Every pixel's valid channels are written before they are read; the lanes past them are read and never used.
        var pixels = PixelGradientLength(plan);
        if (PixelGradients.Length < pixels)
        {
            PixelGradients = new T[pixels];
        }

        // A spectral backward pass takes the forward pass's spectra buffers and transform scratch (Prepare sized them for the
        // whole batch: a plan that keeps activations runs no slices), and per worker one weight-gradient item's correlations.
        // Every value of these that is used is written first (a correlation tile past the channels computes lanes nobody
        // reads), so they are never cleared.
        WorkerCorrelations = PerWorker(WorkerCorrelations, workers, WorkerCorrelationLength(plan));
    }

    /// <summary>
    /// One scratch buffer of at least <paramref name="length"/> values per worker: <paramref name="current"/> if it suffices or
    /// none is needed (a plan without spectral steps keeps an earlier plan's, as it keeps the spectra).
    /// </summary>
    private static T[][] PerWorker(T[][] current, int workers, int length)
    {
        if (length == 0 || (current.Length >= workers && current[0].Length >= length))
        {
            return current;
        }

        var buffers = new T[workers][];
        for (var w = 0; w < workers; w++)
        {
            buffers[w] = new T[length];
        }

        return buffers;
    }

    private static long PixelGradientLength(GamPlan<T> plan) =>
        plan.KeepsActivations && plan.Spectral is null
            ? Compute.FilterGradientKernel.PixelLength<T>((long)plan.Batch * plan.Height * plan.Width, Math.Max(plan.Hidden, plan.OutChannels))
            : 0;

    /// <summary>
    /// The correlations one spectral weight-gradient item keeps, or the transposed filter block of one data-gradient item,
    /// for the larger of the two layers (the spectra and transform scratch of a spectral backward pass are the forward
    /// pass's, <see cref="Spectra"/>, <see cref="Products"/> and <see cref="WorkerSpectra"/>).
    /// </summary>
    private static int WorkerCorrelationLength(GamPlan<T> plan)
    {
        if (!plan.KeepsActivations || plan.Spectral is not { } spectral)
        {
            return 0;
        }

        var size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        var outputs = Math.Max(plan.Hidden, plan.OutChannels);
        var block = Compute.Spectral.TransposedFilter<T>.BlockLength(Compute.Spectral.SpectralGeometry.WideTileChannels(size), outputs);
        return (int)Math.Max(block, Math.Max(spectral.CorrelationLength(plan.Hidden, size), spectral.CorrelationLength(plan.OutChannels, size)));
    }

    /// <summary>The linear layers' weight-gradient accumulators for the largest call at the widest vectors: its tiles of rows by its share of the input channels.</summary>
    private static int GradientScratchLength(GamPlan<T> plan)
    {
        var lanes = 64 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        var linearTaps = Math.Min(Compute.GradientKernel.MaxLinearTaps, Math.Max(plan.Channels, plan.Hidden));
        return Compute.GradientKernel.MaxRowTiles * Compute.GradientKernel.ScratchLength(linearTaps, lanes);
    }

    private static (long Inputs, long Hidden, long PerWorker, long Sums) BackwardSizes(GamPlan<T> plan)
    {
        long plane = plan.Geometry.PlaneStride;
        var hiddenRows = ((plan.Hidden + plan.BlockRows - 1) / plan.BlockRows) * plan.BlockRows;
        var channelRows = ((plan.Channels + plan.BlockRows - 1) / plan.BlockRows) * plan.BlockRows;
        var perWorker = (long)(hiddenRows + channelRows) * plan.TilePositions;
        var sums = Math.Max(49L * Compute.FilterGradientKernel.MaxBlockChannels<T>(), Compute.GradientKernel.Rows * Compute.GradientKernel.MaxRowTiles * Compute.GradientKernel.MaxLinearTaps);
        return (plan.Batch * plan.Channels * plane, plan.Batch * plan.Hidden * plane, perWorker, sums);
    }

    /// <summary>Gets <paramref name="current"/> if it holds <paramref name="length"/> values (cleared with <paramref name="clear"/>), else a new zeroed array.</summary>
    private static T[] Fit(T[] current, long length, bool clear = true)
    {
        if (length > Array.MaxLength)
        {
            throw new InsufficientMemoryException($"a GAM workspace of {length} elements exceeds the largest array.");
        }

        if (current.Length >= length)
        {
            if (clear)
            {
                current.AsSpan().Clear();
            }

            return current;
        }

        return new T[length];
    }
}
