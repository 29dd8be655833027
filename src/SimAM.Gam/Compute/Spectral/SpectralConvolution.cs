using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SimAM.Gam.Compute.Lanes;

namespace SimAM.Gam.Compute.Spectral;

/// <summary>
/// A 7×7 "same" convolution of a whole batch through the discrete Fourier transform, in three phases of independent
/// items: <see cref="Analyse"/> turns a vector's worth of one sample's input planes into their half spectra,
/// <see cref="Multiply"/> forms one bin's output spectra of every sample as a complex GEMM over the input channels, and
/// <see cref="Synthesise"/> turns a vector's worth of output spectra back into planes, adding the bias. A data gradient is
/// the same product with the filters conjugated and transposed (<see cref="MultiplyTransposed"/>); a weight gradient takes the spectra of the inputs and of the output
/// gradients, correlates them per bin and goes back to the 7 × 7 taps (<see cref="WeightGradient"/>).
/// </summary>
/// <remarks>
/// The spectra lie [bin][sample][real parts, imaginary parts][channel], so the GEMM of one bin reads each sample's row
/// contiguously and the transforms of a vector of channels write and read whole vectors. Every value is computed by one
/// item in one fixed order, so the result is the same for any number of threads.
/// </remarks>
internal static class SpectralConvolution<T, TV, TLanes>
    where T : unmanaged
    where TV : struct
    where TLanes : ILanes<T, TV>
{
    /// <summary>Samples per register tile of the GEMM (output channels in a correlation's).</summary>
    public const int TileSamples = SpectralGeometry.TileRows;

    /// <summary>Gets the channels of a whole register tile of the GEMM: two vectors where the width has 32 registers, else one.</summary>
    public static int TileChannels => TLanes.Count * (Wide ? 2 : 1);

    /// <summary>
    /// Gets the register tiles over <paramref name="padded"/> channels (a multiple of <see cref="SpectralGeometry.ChannelAlignment"/>):
    /// whole tiles, and a tile of one vector for a last 16 floats at 512 bits.
    /// </summary>
    public static int TileCount(int padded) => (padded + TileChannels - 1) / TileChannels;

    /// <summary>Gets the items of <see cref="Analyse"/> or <see cref="Synthesise"/>: one per sample and vector of channels.</summary>
    public static int TransformItems(int batch, int channels) => batch * ((channels + TLanes.Count - 1) / TLanes.Count);

    /// <summary>Gets the items of <see cref="Multiply"/>: one per bin and register tile of output channels.</summary>
    public static int ProductItems(in SpectralGeometry geometry, SpectralFilter<T> filter) => geometry.Bins * TileCount(filter.OutPadded);

    /// <summary>With 32 vector registers (AVX-512) a tile holds 3 samples × 2 vectors × 4 partial products; with 16, one vector.</summary>
    private static bool Wide => Unsafe.SizeOf<TV>() >= 64;

    /// <summary>
    /// Item <paramref name="item"/> of the analysis (a sample and a vector of its channels): the half spectra of those of the
    /// <paramref name="channels"/> padded planes per sample in <paramref name="planes"/>, into <paramref name="spectra"/>.
    /// </summary>
    public static void Analyse(SpectralPlan<T> plan, in PaddedGeometry geometry, ReadOnlySpan<T> planes, int channels, int batch, int item, Span<T> spectra, Span<T> scratch)
    {
        var lanes = TLanes.Count;
        var spectral = plan.Geometry;
        var (height, width, half) = (geometry.Height, geometry.Width, spectral.HalfColumns);
        var groups = (channels + lanes - 1) / lanes;
        var (n, first) = (item / groups, item % groups * lanes);
        var count = Math.Min(lanes, channels - first);
        var buffers = new TransformScratch(spectral, scratch);
        var pixels = buffers.Pixels;
        var columns = buffers.Between;
        var folded = buffers.Folded;

        // The vector of planes, pixel by pixel (a plane per lane; lanes past the channels hold zeros).
        if (count < lanes)
        {
            pixels.Clear();
        }

        var stride = geometry.PlaneStride;
        var blocks = Blocks(width, count);
        ref var planeRow = ref MemoryMarshal.GetReference(planes.Slice((int)(((long)n * channels) + first) * stride));
        for (var h = 0; h < height; h++)
        {
            ref var row = ref Unsafe.Add(ref planeRow, geometry.PositionOf(h, 0));
            for (var w = 0; w < blocks; w += BlockTranspose.Side)
            {
                BlockTranspose.Floats16(ref Unsafe.As<T, float>(ref Unsafe.Add(ref row, w)), stride, ref Unsafe.As<T, float>(ref pixels[((h * width) + w) * lanes]), lanes);
            }

            for (var lane = 0; lane < count; lane++)
            {
                for (var w = blocks; w < width; w++)
                {
                    pixels[(((h * width) + w) * lanes) + lane] = Unsafe.Add(ref row, (lane * stride) + w);
                }
            }
        }

        // Along each row, folded: the Q/2 + 1 sums x[w] + x[Q − w] to the real parts, the (Q − 1)/2 differences to the
        // imaginary parts. Every row's folds first, then each matrix over all rows at once, straight into [bin v][real parts
        // of the rows, imaginary parts]: the column transform then reads one column's parts in order.
        var (columnCount, mirrors, rowLength) = (spectral.Columns, spectral.MirrorColumns, spectral.RowSpectrum);
        for (var h = 0; h < height; h++)
        {
            FoldRow(pixels.Slice(h * width * lanes, width * lanes), columnCount, folded.Slice(h * columnCount * lanes, columnCount * lanes));
        }

        Apply(plan.RowAnalysis, half, rowLength, half, folded, height, columnCount, columns, 1, 2 * height);
        Apply(plan.RowAnalysis.AsSpan(half * rowLength), mirrors, rowLength, half, folded[(half * lanes)..], height, columnCount, columns[(height * lanes)..], 1, 2 * height);

        // Along each column, every column's parts at once: cosine and sine sums of the real parts and of the imaginary parts
        // ([bin v][real, imaginary][the P sums], where the rows' folds were), whose sums and differences are the bins u and P − u.
        var (rows, halfRows, mirrorRows) = (spectral.Rows, spectral.HalfRows, spectral.MirrorRows);
        var sums = folded;
        Apply(plan.ColumnAnalysis, height, spectral.ColumnSpectrum, rows, columns, 2 * half, height, sums, rows, 1);
        var padded = SpectralGeometry.PaddedChannels(channels);
        for (var v = 0; v < half; v++)
        {
            var (realSums, imaginarySums) = (2 * v * rows, ((2 * v) + 1) * rows);
            for (var u = 0; u < halfRows; u++)
            {
                ref var bin = ref spectra[(int)(spectral.SpectrumRow(u, v, batch, n, padded) + first)];
                var (real, imaginary) = (Vector(sums, realSums + u), Vector(sums, imaginarySums + u));
                if (u == 0 || u > mirrorRows)
                {
                    // Bin 0 and, for even P, bin P/2 are their own mirrors (their sines vanish).
                    TLanes.Store(real, ref bin);
                    TLanes.Store(imaginary, ref Unsafe.Add(ref bin, padded));
                    continue;
                }

                // (re + i·im)·(cos ∓ i·sin): bin u = (C_re + S_im) + i·(C_im − S_re), bin P − u = (C_re − S_im) + i·(C_im + S_re).
                var (realSines, imaginarySines) = (Vector(sums, realSums + halfRows + u - 1), Vector(sums, imaginarySums + halfRows + u - 1));
                TLanes.Store(TLanes.Add(real, imaginarySines), ref bin);
                TLanes.Store(TLanes.Subtract(imaginary, realSines), ref Unsafe.Add(ref bin, padded));
                ref var mirror = ref spectra[(int)(spectral.SpectrumRow(rows - u, v, batch, n, padded) + first)];
                TLanes.Store(TLanes.Subtract(real, imaginarySines), ref mirror);
                TLanes.Store(TLanes.Add(imaginary, realSines), ref Unsafe.Add(ref mirror, padded));
            }
        }
    }

    /// <summary>
    /// Folds one row of <paramref name="row"/>.Length / Count real vectors (zeros past them up to <paramref name="columns"/>)
    /// at its mirror: [x[0], x[w] + x[Q − w] for w = 1 … Q/2 (x[Q/2] alone for even Q), then x[w] − x[Q − w] for w = 1 … (Q − 1)/2].
    /// </summary>
    private static void FoldRow(ReadOnlySpan<T> row, int columns, Span<T> folded)
    {
        var lanes = TLanes.Count;
        var width = row.Length / lanes;
        var (half, mirrors) = ((columns / 2) + 1, (columns - 1) / 2);
        ref var x = ref MemoryMarshal.GetReference(row);
        ref var sums = ref MemoryMarshal.GetReference(folded);
        ref var differences = ref Unsafe.Add(ref sums, half * lanes);
        TLanes.Store(TLanes.Load(ref x), ref sums);
        for (var w = 1; w < half; w++)
        {
            var left = w < width ? TLanes.Load(ref Unsafe.Add(ref x, w * lanes)) : TLanes.Zero;
            if (w > mirrors)
            {
                TLanes.Store(left, ref Unsafe.Add(ref sums, w * lanes));
                continue;
            }

            var right = columns - w < width ? TLanes.Load(ref Unsafe.Add(ref x, (columns - w) * lanes)) : TLanes.Zero;
            TLanes.Store(TLanes.Add(left, right), ref Unsafe.Add(ref sums, w * lanes));
            TLanes.Store(TLanes.Subtract(left, right), ref Unsafe.Add(ref differences, (w - 1) * lanes));
        }
    }

    /// <summary>
    /// Item <paramref name="item"/> of the GEMM (a bin and a tile of output channels): for every sample,
    /// products = Σ over the input channels of spectra · filter, complex, the real and imaginary parts in separate sums.
    /// </summary>
    public static void Multiply(SpectralFilter<T> filter, int batch, ReadOnlySpan<T> spectra, Span<T> products, int item)
    {
        var tiles = TileCount(filter.OutPadded);
        var (bin, first) = (item / tiles, item % tiles * TileChannels);
        var width = Math.Min(TileChannels, filter.OutPadded - first);
        var inputs = filter.InChannels;
        var inPadded = SpectralGeometry.PaddedChannels(inputs);
        var outPadded = filter.OutPadded;
        ref var weights = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(filter.Values), (nint)(((long)bin * inputs * 2 * outPadded) + first));
        ref var rows = ref Unsafe.Add(ref MemoryMarshal.GetReference(spectra), (nint)((long)bin * batch * 2 * inPadded));
        ref var results = ref Unsafe.Add(ref MemoryMarshal.GetReference(products), (nint)(((long)bin * batch * 2 * outPadded) + first));
        for (var n = 0; n < batch; n += TileSamples)
        {
            Tile(
                width, ref weights, 2 * outPadded, outPadded, ref Unsafe.Add(ref rows, (nint)n * 2 * inPadded), 2 * inPadded, 1, inPadded, inputs,
                Math.Min(TileSamples, batch - n), ref Unsafe.Add(ref results, (nint)n * 2 * outPadded), 2 * outPadded, outPadded, conjugate: false);
        }
    }

    /// <summary>Gets the items of <see cref="MultiplyTransposed"/>: one per bin and register tile of the layer's input channels.</summary>
    public static int TransposedProductItems(in SpectralGeometry geometry, SpectralFilter<T> forward) =>
        geometry.Bins * TileCount(SpectralGeometry.PaddedChannels(forward.InChannels));

    /// <summary>
    /// Item <paramref name="item"/> of a data gradient's GEMM (a bin and a tile of the layer's input channels): for every sample,
    /// ∂X[i] = Σ over the layer's outputs o of ∂Z[o]·conj(F[i, o]), the transposed convolution, from the gradient spectra
    /// ([bin][sample][re | im][output channel]) into <paramref name="products"/> ([bin][sample][re | im][input channel]). The
    /// tile's column block of the forward filter goes to <paramref name="block"/> first (<see cref="TransposedFilter{T}"/>).
    /// </summary>
    public static void MultiplyTransposed(SpectralFilter<T> forward, int batch, ReadOnlySpan<T> gradientSpectra, Span<T> products, int item, Span<T> block)
    {
        var inPadded = SpectralGeometry.PaddedChannels(forward.InChannels);
        var (bin, first) = (item / TileCount(inPadded), item % TileCount(inPadded) * TileChannels);
        var tileChannels = Math.Min(TileChannels, inPadded - first);
        var (outputs, outPadded) = (forward.OutChannels, forward.OutPadded);
        TransposedFilter<T>.Transpose(forward, bin, first, tileChannels, block);
        ref var rows = ref Unsafe.Add(ref MemoryMarshal.GetReference(gradientSpectra), (nint)((long)bin * batch * 2 * outPadded));
        ref var results = ref Unsafe.Add(ref MemoryMarshal.GetReference(products), (nint)(((long)bin * batch * 2 * inPadded) + first));
        for (var n = 0; n < batch; n += TileSamples)
        {
            Tile(
                tileChannels, ref MemoryMarshal.GetReference(block), 2 * tileChannels, tileChannels, ref Unsafe.Add(ref rows, (nint)n * 2 * outPadded), 2 * outPadded, 1, outPadded, outputs,
                Math.Min(TileSamples, batch - n), ref Unsafe.Add(ref results, (nint)n * 2 * inPadded), 2 * inPadded, inPadded, conjugate: false);
        }
    }

    /// <summary>
    /// Gets the items of <see cref="WeightGradient"/>: one per block of output channels (<see cref="SpectralGeometry.CorrelationRows"/>)
    /// and register tile of input channels.
    /// </summary>
    public static int WeightGradientItems(in SpectralGeometry geometry, int inChannels, int outChannels)
    {
        var rows = geometry.CorrelationRows(outChannels, Unsafe.SizeOf<T>());
        return (outChannels + rows - 1) / rows * Tiles(inChannels);
    }

    /// <summary>Gets the register tiles of input channels a correlation runs: as far as the analysis wrote whole vectors.</summary>
    private static int Tiles(int channels) => TileCount(Vectors(channels));

    /// <summary>Gets <paramref name="channels"/> rounded up to whole vectors: what the analysis writes.</summary>
    private static int Vectors(int channels) => (channels + TLanes.Count - 1) / TLanes.Count * TLanes.Count;

    /// <summary>
    /// Item <paramref name="item"/> of a weight gradient (a block of output channels and a register tile of input channels):
    /// per bin and pair, correlation = Σ over the samples of conj(gradient spectrum of o) · input spectrum of i, the spectrum
    /// of the circular cross-correlation Σₚ ∂z[o, p]·x[i, p + d] whose lags d = −3 … 3 are the weight gradient; then the
    /// inverse of each pair's correlation to those lags, added to <paramref name="target"/>[o, i, kh, kw] (lag (kh − 3, kw − 3)) in double.
    /// </summary>
    /// <remarks>
    /// The block's correlations, [bin][output channel][real, imaginary][tile channel], stay in <paramref name="correlations"/>
    /// (a worker's, about its L2 cache) between the GEMM and the inverses; a layer's whole correlations went out to memory and
    /// back (65 MB at C = 256 on 28×28 maps).
    /// </remarks>
    public static void WeightGradient(
        SpectralPlan<T> plan, int batch, int inChannels, int outChannels, ReadOnlySpan<T> inputs, ReadOnlySpan<T> gradients, int item, double[] target, Span<T> correlations, Span<T> scratch)
    {
        const int K = GamWeights.KernelSize;
        var spectral = plan.Geometry;
        var blockRows = spectral.CorrelationRows(outChannels, Unsafe.SizeOf<T>());
        var tiles = Tiles(inChannels);
        var (firstRow, first) = (item / tiles * blockRows, item % tiles * TileChannels);
        var width = Math.Min(TileChannels, Vectors(inChannels) - first);
        var rows = Math.Min(blockRows, outChannels - firstRow);
        var inPadded = SpectralGeometry.PaddedChannels(inChannels);
        var outPadded = SpectralGeometry.PaddedChannels(outChannels);
        var rowLength = 2 * width;
        ref var block = ref MemoryMarshal.GetReference(correlations);
        for (var bin = 0; bin < spectral.Bins; bin++)
        {
            ref var vectors = ref Unsafe.Add(ref MemoryMarshal.GetReference(inputs), (nint)(((long)bin * batch * 2 * inPadded) + first));
            ref var gradientRows = ref Unsafe.Add(ref MemoryMarshal.GetReference(gradients), (nint)(((long)bin * batch * 2 * outPadded) + firstRow));
            ref var results = ref Unsafe.Add(ref block, (nint)bin * rows * rowLength);
            for (var o = 0; o < rows; o += TileSamples)
            {
                // The tile's rows are output channels (neighbours in a gradient spectrum's row), its steps the samples.
                Tile(
                    width, ref vectors, 2 * inPadded, inPadded, ref Unsafe.Add(ref gradientRows, o), 1, 2 * outPadded, outPadded, batch,
                    Math.Min(TileSamples, rows - o), ref Unsafe.Add(ref results, o * rowLength), rowLength, width, conjugate: true);
            }
        }

        // A lag as long as the map (|kh − 3| ≥ H, as on maps of three rows or fewer) pairs no pixel with another: its gradient
        // is exactly 0, as on the direct path, where the inverse would leave rounding noise.
        var valid = 0UL;
        for (var tap = 0; tap < K * K; tap++)
        {
            if (Math.Abs((tap / K) - PaddedGeometry.Pad) < spectral.Height && Math.Abs((tap % K) - PaddedGeometry.Pad) < spectral.Width)
            {
                valid |= 1UL << tap;
            }
        }

        var lanes = TLanes.Count;
        const ulong everyTap = (1UL << (K * K)) - 1;
        Span<float> turned = stackalloc float[BlockTranspose.Side * Blocks(K * K, BlockTranspose.Side)];
        for (var r = 0; r < rows; r++)
        {
            for (var offset = 0; offset < width && first + offset < inChannels; offset += lanes)
            {
                var lags = Inverse(plan, plan.Lags, correlations, r, offset, width, rows, scratch);
                var channel = first + offset;
                var present = Math.Min(lanes, inChannels - channel);
                var from = 0;
                if (valid == everyTap && Blocks(K * K, present) > 0)
                {
                    // The 16 lanes' taps are one run of 16 × 49 doubles: [tap][lane] turned into [lane][tap] a 16 × 16 block
                    // at a time, then each lane's taps added as vectors (the same additions as one at a time, so the same bits).
                    from = AddTurned(lags, turned, target.AsSpan((((firstRow + r) * inChannels) + channel) * K * K, present * K * K));
                }

                for (var lane = 0; lane < present; lane++)
                {
                    var taps = target.AsSpan((((firstRow + r) * inChannels) + channel + lane) * K * K, K * K);
                    for (var tap = from; tap < K * K; tap++)
                    {
                        if ((valid & (1UL << tap)) != 0)
                        {
                            taps[tap] += Widen(lags[(tap * lanes) + lane]);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Adds the whole 16-tap blocks of <paramref name="lags"/> ([tap][lane], 16 float lanes) to <paramref name="taps"/>
    /// ([lane][49 taps], double) through <paramref name="turned"/>; returns the first tap it leaves to the caller.
    /// </summary>
    private static int AddTurned(Span<T> lags, Span<float> turned, Span<double> taps)
    {
        const int Side = BlockTranspose.Side;
        const int Taps = GamWeights.KernelSize * GamWeights.KernelSize;
        const int Whole = Taps / Side * Side;
        ref var source = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(lags));
        ref var rows = ref MemoryMarshal.GetReference(turned);
        for (var tap = 0; tap < Whole; tap += Side)
        {
            BlockTranspose.Floats16(ref Unsafe.Add(ref source, tap * Side), Side, ref Unsafe.Add(ref rows, tap), Whole);
        }

        ref var target = ref MemoryMarshal.GetReference(taps);
        for (var lane = 0; lane < Side; lane++)
        {
            ref var row = ref Unsafe.Add(ref target, lane * Taps);
            for (var tap = 0; tap < Whole; tap += Side)
            {
                var (low, high) = Vector512.Widen(Vector512.LoadUnsafe(ref Unsafe.Add(ref rows, (lane * Whole) + tap)));
                (Vector512.LoadUnsafe(ref row, (nuint)tap) + low).StoreUnsafe(ref row, (nuint)tap);
                (Vector512.LoadUnsafe(ref row, (nuint)tap + 8) + high).StoreUnsafe(ref row, (nuint)tap + 8);
            }
        }

        return Whole;
    }

    /// <summary>
    /// Item <paramref name="item"/> of the synthesis (a sample and a vector of its <paramref name="channels"/>): those planes from
    /// their spectra in <paramref name="products"/> ([bin][sample][re | im][channel]), the inverse transform plus
    /// <paramref name="bias"/> (a forward filter's, padded to whole vectors; none for a data gradient), written to the data
    /// positions of the padded planes, or with <paramref name="accumulate"/> added to what they hold.
    /// </summary>
    public static void Synthesise(
        SpectralPlan<T> plan, int channels, T[]? bias, in PaddedGeometry geometry, ReadOnlySpan<T> products, int batch, int item, Span<T> planes, Span<T> scratch, bool accumulate = false)
    {
        var lanes = TLanes.Count;
        var (height, width) = (geometry.Height, geometry.Width);
        var groups = (channels + lanes - 1) / lanes;
        var (n, first) = (item / groups, item % groups * lanes);
        var count = Math.Min(lanes, channels - first);
        var pixels = Inverse(plan, plan.Map, products, n, first, SpectralGeometry.PaddedChannels(channels), batch, scratch);

        if (bias is not null)
        {
            var shift = TLanes.Load(ref bias[first]);
            for (var pixel = 0; pixel < height * width; pixel++)
            {
                TLanes.Store(TLanes.Add(TLanes.Load(ref pixels[pixel * lanes]), shift), ref pixels[pixel * lanes]);
            }
        }

        // Back to the planes, a block of 16 pixels of 16 planes at a time where the transpose applies.
        var stride = geometry.PlaneStride;
        var blocks = Blocks(width, count);
        ref var planeRow = ref MemoryMarshal.GetReference(planes.Slice((int)(((long)n * channels) + first) * stride));
        for (var h = 0; h < height; h++)
        {
            ref var row = ref Unsafe.Add(ref planeRow, geometry.PositionOf(h, 0));
            for (var w = 0; w < blocks; w += BlockTranspose.Side)
            {
                BlockTranspose.Floats16(ref Unsafe.As<T, float>(ref pixels[((h * width) + w) * lanes]), lanes, ref Unsafe.As<T, float>(ref Unsafe.Add(ref row, w)), stride, accumulate: accumulate);
            }

            for (var lane = 0; lane < count; lane++)
            {
                for (var w = blocks; w < width; w++)
                {
                    ref var target = ref Unsafe.Add(ref row, (lane * stride) + w);
                    var value = pixels[(((h * width) + w) * lanes) + lane];
                    target = accumulate ? Add(target, value) : value;
                }
            }
        }
    }

    /// <summary>
    /// Gets the pixels of a row of <paramref name="width"/> that move between the planes and a vector of planes in whole
    /// 16 × 16 blocks (<see cref="BlockTranspose"/>): where floats fill all 16 lanes with <paramref name="count"/> planes, the
    /// whole blocks of the row; otherwise none, and every value moves on its own.
    /// </summary>
    private static int Blocks(int width, int count) =>
        BlockTranspose.Applies<T>() && TLanes.Count == BlockTranspose.Side && count == BlockTranspose.Side ? width / BlockTranspose.Side * BlockTranspose.Side : 0;

    /// <summary>
    /// The inverse of one row's vector of spectra — row <paramref name="row"/> of <paramref name="rowsPerBin"/> in
    /// <paramref name="spectra"/> ([bin][row][re | im][channel], channels <paramref name="first"/> … first + Count) — to the values
    /// <paramref name="inverse"/> yields, [row][column] vectors in the returned part of <paramref name="scratch"/>.
    /// </summary>
    private static Span<T> Inverse(SpectralPlan<T> plan, SpectralInverse<T> inverse, ReadOnlySpan<T> spectra, int row, int first, int padded, int rowsPerBin, Span<T> scratch)
    {
        var lanes = TLanes.Count;
        var spectral = plan.Geometry;
        var (rows, half) = (spectral.Rows, spectral.HalfColumns);
        var (height, width) = (inverse.Height, inverse.Width);
        var buffers = new TransformScratch(spectral, scratch);
        var values = buffers.Pixels;
        var rowsOfBins = buffers.Between;
        var folded = buffers.Folded;
        var (halfRows, mirrorRows) = (spectral.HalfRows, spectral.MirrorRows);

        // Along each column, to the rows asked for only: the bins u and P − u folded into their sums (the cosine terms) and
        // differences (the sine terms), e^{+iφ}·X[u] + e^{−iφ}·X[P − u] = S·cos φ + i·D·sin φ, so the real parts of the rows
        // come from [S_re, −D_im] and the imaginary parts from [S_im, D_re]. Every column's folds first ([real, imaginary
        // terms][bin v][P]), then the matrix over all of them at once, into [row][real parts of the bins v, imaginary parts].
        ref var source = ref MemoryMarshal.GetReference(spectra);
        for (var v = 0; v < half; v++)
        {
            ref var realTerms = ref MemoryMarshal.GetReference(folded[(v * rows * lanes)..]);
            ref var imaginaryTerms = ref MemoryMarshal.GetReference(folded[(((half + v) * rows) * lanes)..]);
            for (var u = 0; u < halfRows; u++)
            {
                ref var bin = ref Unsafe.Add(ref source, (nint)(spectral.SpectrumRow(u, v, rowsPerBin, row, padded) + first));
                var (real, imaginary) = (TLanes.Load(ref bin), TLanes.Load(ref Unsafe.Add(ref bin, padded)));
                if (u == 0 || u > mirrorRows)
                {
                    TLanes.Store(real, ref Unsafe.Add(ref realTerms, u * lanes));
                    TLanes.Store(imaginary, ref Unsafe.Add(ref imaginaryTerms, u * lanes));
                    continue;
                }

                ref var mirror = ref Unsafe.Add(ref source, (nint)(spectral.SpectrumRow(rows - u, v, rowsPerBin, row, padded) + first));
                var (mirrorReal, mirrorImaginary) = (TLanes.Load(ref mirror), TLanes.Load(ref Unsafe.Add(ref mirror, padded)));
                var sine = (halfRows + u - 1) * lanes;
                TLanes.Store(TLanes.Add(real, mirrorReal), ref Unsafe.Add(ref realTerms, u * lanes));
                TLanes.Store(TLanes.Add(imaginary, mirrorImaginary), ref Unsafe.Add(ref imaginaryTerms, u * lanes));
                TLanes.Store(TLanes.Subtract(mirrorImaginary, imaginary), ref Unsafe.Add(ref realTerms, sine));
                TLanes.Store(TLanes.Subtract(real, mirrorReal), ref Unsafe.Add(ref imaginaryTerms, sine));
            }
        }

        Apply(inverse.Columns, rows, inverse.ColumnLength, height, folded, 2 * half, rows, rowsOfBins, 1, 2 * half);

        // Along each row, every row at once: the even halves from the real parts and the odd halves from the imaginary parts,
        // per mirror representative; a column is its representative's even half minus its odd half, the mirror column their sum.
        var (representatives, mirrored, count) = (inverse.Representatives, inverse.Mirrored, inverse.RepresentativeCount);
        var evens = buffers.Halves[..(height * count * lanes)];
        var odds = buffers.Halves[(height * count * lanes)..];
        Apply(inverse.Rows, half, inverse.RowLength, count, rowsOfBins, height, 2 * half, evens, count, 1);
        Apply(inverse.Rows.AsSpan(half * inverse.RowLength), half, inverse.RowLength, count, rowsOfBins[(half * lanes)..], height, 2 * half, odds, count, 1);
        for (var h = 0; h < height; h++)
        {
            for (var w = 0; w < width; w++)
            {
                var at = (h * count) + representatives[w];
                var (even, odd) = (Vector(evens, at), Vector(odds, at));
                TLanes.Store(mirrored[w] ? TLanes.Add(even, odd) : TLanes.Subtract(even, odd), ref values[((h * width) + w) * lanes]);
            }
        }

        return values[..(height * width * lanes)];
    }

    private static T Add(T left, T right)
    {
        if (typeof(T) == typeof(float))
        {
            var sum = Unsafe.As<T, float>(ref left) + Unsafe.As<T, float>(ref right);
            return Unsafe.As<float, T>(ref sum);
        }

        var wide = Unsafe.As<T, double>(ref left) + Unsafe.As<T, double>(ref right);
        return Unsafe.As<double, T>(ref wide);
    }

    private static double Widen(T value) =>
        typeof(T) == typeof(float) ? Unsafe.As<T, float>(ref value) : Unsafe.As<T, double>(ref value);

    /// <summary>Loads vector <paramref name="index"/> of <paramref name="source"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Vector(Span<T> source, int index) => TLanes.Load(ref source[index * TLanes.Count]);

    /// <summary>
    /// destination[q] = Σ over c &lt; <paramref name="inputs"/> of matrix[c·<paramref name="outputs"/> + q] · source[c], each source and
    /// destination entry a vector (a plane per lane); <paramref name="outputs"/> is a multiple of eight, the matrix's rows padded with zeros.
    /// </summary>
    internal static void Apply(ReadOnlySpan<T> matrix, int inputs, int outputs, ReadOnlySpan<T> source, Span<T> destination) =>
        Apply(matrix, inputs, outputs, outputs, source, 1, 0, destination, 0, 1);

    /// <summary>
    /// The same matrix applied to <paramref name="sources"/> sources, <paramref name="sourceStride"/> vectors apart:
    /// destination[s·<paramref name="destinationStride"/> + q·<paramref name="outputStride"/>] = Σ over c &lt; <paramref name="inputs"/>
    /// of matrix[c·<paramref name="outputs"/> + q] · source[s·sourceStride + c] for the first <paramref name="count"/> outputs q
    /// (strides in vectors). Where the width has 32 registers three sources share each broadcast coefficient (24 sums), which
    /// otherwise costs a load per multiply-add; every output is the same chain of multiply-adds either way.
    /// </summary>
    internal static void Apply(
        ReadOnlySpan<T> matrix, int inputs, int outputs, int count, ReadOnlySpan<T> source, int sources, int sourceStride, Span<T> destination, int destinationStride, int outputStride)
    {
        var n = TLanes.Count;
        ref var m = ref MemoryMarshal.GetReference(matrix);
        ref var x = ref MemoryMarshal.GetReference(source);
        ref var y = ref MemoryMarshal.GetReference(destination);
        var s = 0;
        if (Wide)
        {
            for (; s + 3 <= sources; s += 3)
            {
                ApplyThree(
                    ref m, inputs, outputs, count, ref Unsafe.Add(ref x, (nint)s * sourceStride * n), sourceStride * n,
                    ref Unsafe.Add(ref y, (nint)s * destinationStride * n), destinationStride * n, outputStride * n);
            }
        }

        for (; s < sources; s++)
        {
            ApplyOne(ref m, inputs, outputs, count, ref Unsafe.Add(ref x, (nint)s * sourceStride * n), ref Unsafe.Add(ref y, (nint)s * destinationStride * n), outputStride * n);
        }
    }

    private static void ApplyOne(ref T m, int inputs, int outputs, int count, ref T x, ref T y, int step)
    {
        var n = TLanes.Count;
        for (var q = 0; q < count; q += SpectralGeometry.OutputBlock)
        {
            TV s0 = TLanes.Zero, s1 = TLanes.Zero, s2 = TLanes.Zero, s3 = TLanes.Zero, s4 = TLanes.Zero, s5 = TLanes.Zero, s6 = TLanes.Zero, s7 = TLanes.Zero;
            ref var column = ref Unsafe.Add(ref m, q);
            for (var c = 0; c < inputs; c++)
            {
                var v = TLanes.Load(ref Unsafe.Add(ref x, c * n));
                ref var coefficients = ref Unsafe.Add(ref column, c * outputs);
                s0 = TLanes.MultiplyAdd(TLanes.Broadcast(coefficients), v, s0);
                s1 = TLanes.MultiplyAdd(TLanes.Broadcast(Unsafe.Add(ref coefficients, 1)), v, s1);
                s2 = TLanes.MultiplyAdd(TLanes.Broadcast(Unsafe.Add(ref coefficients, 2)), v, s2);
                s3 = TLanes.MultiplyAdd(TLanes.Broadcast(Unsafe.Add(ref coefficients, 3)), v, s3);
                s4 = TLanes.MultiplyAdd(TLanes.Broadcast(Unsafe.Add(ref coefficients, 4)), v, s4);
                s5 = TLanes.MultiplyAdd(TLanes.Broadcast(Unsafe.Add(ref coefficients, 5)), v, s5);
                s6 = TLanes.MultiplyAdd(TLanes.Broadcast(Unsafe.Add(ref coefficients, 6)), v, s6);
                s7 = TLanes.MultiplyAdd(TLanes.Broadcast(Unsafe.Add(ref coefficients, 7)), v, s7);
            }

            StoreBlock(ref Unsafe.Add(ref y, (nint)q * step), step, count - q, s0, s1, s2, s3, s4, s5, s6, s7);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ApplyThree(ref T m, int inputs, int outputs, int count, ref T x, int sourceStride, ref T y, int destinationStride, int step)
    {
        var n = TLanes.Count;
        ref var x1 = ref Unsafe.Add(ref x, sourceStride);
        ref var x2 = ref Unsafe.Add(ref x, 2 * sourceStride);
        for (var q = 0; q < count; q += SpectralGeometry.OutputBlock)
        {
            TV a0 = TLanes.Zero, a1 = TLanes.Zero, a2 = TLanes.Zero, a3 = TLanes.Zero, a4 = TLanes.Zero, a5 = TLanes.Zero, a6 = TLanes.Zero, a7 = TLanes.Zero;
            TV b0 = TLanes.Zero, b1 = TLanes.Zero, b2 = TLanes.Zero, b3 = TLanes.Zero, b4 = TLanes.Zero, b5 = TLanes.Zero, b6 = TLanes.Zero, b7 = TLanes.Zero;
            TV c0 = TLanes.Zero, c1 = TLanes.Zero, c2 = TLanes.Zero, c3 = TLanes.Zero, c4 = TLanes.Zero, c5 = TLanes.Zero, c6 = TLanes.Zero, c7 = TLanes.Zero;
            ref var column = ref Unsafe.Add(ref m, q);
            for (var c = 0; c < inputs; c++)
            {
                var u = TLanes.Load(ref Unsafe.Add(ref x, c * n));
                var v = TLanes.Load(ref Unsafe.Add(ref x1, c * n));
                var w = TLanes.Load(ref Unsafe.Add(ref x2, c * n));
                ref var coefficients = ref Unsafe.Add(ref column, c * outputs);
                var k = TLanes.Broadcast(coefficients);
                (a0, b0, c0) = (TLanes.MultiplyAdd(k, u, a0), TLanes.MultiplyAdd(k, v, b0), TLanes.MultiplyAdd(k, w, c0));
                k = TLanes.Broadcast(Unsafe.Add(ref coefficients, 1));
                (a1, b1, c1) = (TLanes.MultiplyAdd(k, u, a1), TLanes.MultiplyAdd(k, v, b1), TLanes.MultiplyAdd(k, w, c1));
                k = TLanes.Broadcast(Unsafe.Add(ref coefficients, 2));
                (a2, b2, c2) = (TLanes.MultiplyAdd(k, u, a2), TLanes.MultiplyAdd(k, v, b2), TLanes.MultiplyAdd(k, w, c2));
                k = TLanes.Broadcast(Unsafe.Add(ref coefficients, 3));
                (a3, b3, c3) = (TLanes.MultiplyAdd(k, u, a3), TLanes.MultiplyAdd(k, v, b3), TLanes.MultiplyAdd(k, w, c3));
                k = TLanes.Broadcast(Unsafe.Add(ref coefficients, 4));
                (a4, b4, c4) = (TLanes.MultiplyAdd(k, u, a4), TLanes.MultiplyAdd(k, v, b4), TLanes.MultiplyAdd(k, w, c4));
                k = TLanes.Broadcast(Unsafe.Add(ref coefficients, 5));
                (a5, b5, c5) = (TLanes.MultiplyAdd(k, u, a5), TLanes.MultiplyAdd(k, v, b5), TLanes.MultiplyAdd(k, w, c5));
                k = TLanes.Broadcast(Unsafe.Add(ref coefficients, 6));
                (a6, b6, c6) = (TLanes.MultiplyAdd(k, u, a6), TLanes.MultiplyAdd(k, v, b6), TLanes.MultiplyAdd(k, w, c6));
                k = TLanes.Broadcast(Unsafe.Add(ref coefficients, 7));
                (a7, b7, c7) = (TLanes.MultiplyAdd(k, u, a7), TLanes.MultiplyAdd(k, v, b7), TLanes.MultiplyAdd(k, w, c7));
            }

            ref var block = ref Unsafe.Add(ref y, (nint)q * step);
            StoreBlock(ref block, step, count - q, a0, a1, a2, a3, a4, a5, a6, a7);
            StoreBlock(ref Unsafe.Add(ref block, destinationStride), step, count - q, b0, b1, b2, b3, b4, b5, b6, b7);
            StoreBlock(ref Unsafe.Add(ref block, 2 * destinationStride), step, count - q, c0, c1, c2, c3, c4, c5, c6, c7);
        }
    }

    /// <summary>Stores the first <paramref name="count"/> (at most eight) of a block's sums, <paramref name="step"/> elements apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBlock(ref T y, int step, int count, TV s0, TV s1, TV s2, TV s3, TV s4, TV s5, TV s6, TV s7)
    {
        TLanes.Store(s0, ref y);
        if (count >= SpectralGeometry.OutputBlock)
        {
            TLanes.Store(s1, ref Unsafe.Add(ref y, step));
            TLanes.Store(s2, ref Unsafe.Add(ref y, 2 * step));
            TLanes.Store(s3, ref Unsafe.Add(ref y, 3 * step));
            TLanes.Store(s4, ref Unsafe.Add(ref y, 4 * step));
            TLanes.Store(s5, ref Unsafe.Add(ref y, 5 * step));
            TLanes.Store(s6, ref Unsafe.Add(ref y, 6 * step));
            TLanes.Store(s7, ref Unsafe.Add(ref y, 7 * step));
            return;
        }

        ReadOnlySpan<TV> rest = [s1, s2, s3, s4, s5, s6];
        for (var k = 1; k < count; k++)
        {
            TLanes.Store(rest[k - 1], ref Unsafe.Add(ref y, k * step));
        }
    }

    /// <summary>
    /// One register tile of <paramref name="channels"/> (one vector, or two where the width has 32 registers and two remain): <paramref name="samples"/> rows (at most three; the rows past them repeat the first, computed and
    /// never stored) of broadcast values X × one or two vectors F, over <paramref name="inputs"/> steps (the GEMM of a bin:
    /// samples × output channels over the input channels; a weight gradient's: output × input channels over the samples).
    /// Per row and vector four sums, Σ Xr·Fr, Σ Xi·Fi, Σ Xr·Fi and Σ Xi·Fr, so every step is a plain FMA; then the complex
    /// product X·F, or conj(X)·F with <paramref name="conjugate"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile(
        int channels, ref T weights, int weightStride, int imaginaryWeights, ref T rows, int rowStride, int rowStep, int imaginaryRows, int inputs, int samples,
        ref T results, int resultStride, int imaginaryResults, bool conjugate)
    {
        if (Wide && channels > TLanes.Count)
        {
            Tile<WideTile>(ref weights, weightStride, imaginaryWeights, ref rows, rowStride, rowStep, imaginaryRows, inputs, samples, ref results, resultStride, imaginaryResults, conjugate);
        }
        else
        {
            Tile<NarrowTile>(ref weights, weightStride, imaginaryWeights, ref rows, rowStride, rowStep, imaginaryRows, inputs, samples, ref results, resultStride, imaginaryResults, conjugate);
        }
    }

    /// <summary>
    /// One register tile of <typeparamref name="TWidth"/>'s vectors of channels (see the overload that picks it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TWidth>(
        ref T weights, int weightStride, int imaginaryWeights, ref T rows, int rowStride, int rowStep, int imaginaryRows, int inputs, int samples,
        ref T results, int resultStride, int imaginaryResults, bool conjugate)
        where TWidth : struct, ITileWidth
    {
        var n = TLanes.Count;
        var wide = Wide && TWidth.IsWide;
        ref var x0 = ref rows;
        ref var x1 = ref samples > 1 ? ref Unsafe.Add(ref rows, rowStride) : ref rows;
        ref var x2 = ref samples > 2 ? ref Unsafe.Add(ref rows, 2 * rowStride) : ref rows;
        TV rr00 = TLanes.Zero, ii00 = TLanes.Zero, ri00 = TLanes.Zero, ir00 = TLanes.Zero;
        TV rr10 = TLanes.Zero, ii10 = TLanes.Zero, ri10 = TLanes.Zero, ir10 = TLanes.Zero;
        TV rr20 = TLanes.Zero, ii20 = TLanes.Zero, ri20 = TLanes.Zero, ir20 = TLanes.Zero;
        TV rr01 = TLanes.Zero, ii01 = TLanes.Zero, ri01 = TLanes.Zero, ir01 = TLanes.Zero;
        TV rr11 = TLanes.Zero, ii11 = TLanes.Zero, ri11 = TLanes.Zero, ir11 = TLanes.Zero;
        TV rr21 = TLanes.Zero, ii21 = TLanes.Zero, ri21 = TLanes.Zero, ir21 = TLanes.Zero;
        nint at = 0;
        for (var i = 0; i < inputs; i++, at += rowStep)
        {
            ref var f = ref Unsafe.Add(ref weights, (nint)i * weightStride);
            var fr0 = TLanes.Load(ref f);
            var fi0 = TLanes.Load(ref Unsafe.Add(ref f, imaginaryWeights));

            // Where the width is narrow these are never used (the JIT removes them with the code below).
            var fr1 = wide ? TLanes.Load(ref Unsafe.Add(ref f, n)) : default;
            var fi1 = wide ? TLanes.Load(ref Unsafe.Add(ref f, imaginaryWeights + n)) : default;
            var xr = TLanes.Broadcast(Unsafe.Add(ref x0, at));
            var xi = TLanes.Broadcast(Unsafe.Add(ref x0, imaginaryRows + at));
            rr00 = TLanes.MultiplyAdd(xr, fr0, rr00);
            ii00 = TLanes.MultiplyAdd(xi, fi0, ii00);
            ri00 = TLanes.MultiplyAdd(xr, fi0, ri00);
            ir00 = TLanes.MultiplyAdd(xi, fr0, ir00);
            if (wide)
            {
                rr01 = TLanes.MultiplyAdd(xr, fr1, rr01);
                ii01 = TLanes.MultiplyAdd(xi, fi1, ii01);
                ri01 = TLanes.MultiplyAdd(xr, fi1, ri01);
                ir01 = TLanes.MultiplyAdd(xi, fr1, ir01);
            }

            xr = TLanes.Broadcast(Unsafe.Add(ref x1, at));
            xi = TLanes.Broadcast(Unsafe.Add(ref x1, imaginaryRows + at));
            rr10 = TLanes.MultiplyAdd(xr, fr0, rr10);
            ii10 = TLanes.MultiplyAdd(xi, fi0, ii10);
            ri10 = TLanes.MultiplyAdd(xr, fi0, ri10);
            ir10 = TLanes.MultiplyAdd(xi, fr0, ir10);
            if (wide)
            {
                rr11 = TLanes.MultiplyAdd(xr, fr1, rr11);
                ii11 = TLanes.MultiplyAdd(xi, fi1, ii11);
                ri11 = TLanes.MultiplyAdd(xr, fi1, ri11);
                ir11 = TLanes.MultiplyAdd(xi, fr1, ir11);
            }

            xr = TLanes.Broadcast(Unsafe.Add(ref x2, at));
            xi = TLanes.Broadcast(Unsafe.Add(ref x2, imaginaryRows + at));
            rr20 = TLanes.MultiplyAdd(xr, fr0, rr20);
            ii20 = TLanes.MultiplyAdd(xi, fi0, ii20);
            ri20 = TLanes.MultiplyAdd(xr, fi0, ri20);
            ir20 = TLanes.MultiplyAdd(xi, fr0, ir20);
            if (wide)
            {
                rr21 = TLanes.MultiplyAdd(xr, fr1, rr21);
                ii21 = TLanes.MultiplyAdd(xi, fi1, ii21);
                ri21 = TLanes.MultiplyAdd(xr, fi1, ri21);
                ir21 = TLanes.MultiplyAdd(xi, fr1, ir21);
            }
        }

        Store(rr00, ii00, ri00, ir00, ref results, imaginaryResults, conjugate);
        if (wide)
        {
            Store(rr01, ii01, ri01, ir01, ref Unsafe.Add(ref results, n), imaginaryResults, conjugate);
        }

        if (samples > 1)
        {
            Store(rr10, ii10, ri10, ir10, ref Unsafe.Add(ref results, resultStride), imaginaryResults, conjugate);
            if (wide)
            {
                Store(rr11, ii11, ri11, ir11, ref Unsafe.Add(ref results, resultStride + n), imaginaryResults, conjugate);
            }
        }

        if (samples > 2)
        {
            Store(rr20, ii20, ri20, ir20, ref Unsafe.Add(ref results, 2 * resultStride), imaginaryResults, conjugate);
            if (wide)
            {
                Store(rr21, ii21, ri21, ir21, ref Unsafe.Add(ref results, (2 * resultStride) + n), imaginaryResults, conjugate);
            }
        }
    }

    /// <summary>
    /// Stores one vector of complex results: real = Σ Xr·Fr − Σ Xi·Fi, imaginary = Σ Xr·Fi + Σ Xi·Fr (X·F, X the broadcast
    /// rows); with <paramref name="conjugate"/>, conj(X)·F: real = Σ Xr·Fr + Σ Xi·Fi, imaginary = Σ Xr·Fi − Σ Xi·Fr.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(TV rr, TV ii, TV ri, TV ir, ref T destination, int imaginary, bool conjugate)
    {
        TLanes.Store(conjugate ? TLanes.Add(rr, ii) : TLanes.Subtract(rr, ii), ref destination);
        TLanes.Store(conjugate ? TLanes.Subtract(ri, ir) : TLanes.Add(ri, ir), ref Unsafe.Add(ref destination, imaginary));
    }

    /// <summary>Whether a register tile takes two vectors of channels (a type parameter, so that each tile's code is compiled for its own width).</summary>
    private interface ITileWidth
    {
        static abstract bool IsWide { get; }
    }

    /// <summary>A tile of one vector of channels: the last 16 floats of a count padded to 16 at 512 bits, and every tile at narrower widths.</summary>
    private readonly struct NarrowTile : ITileWidth
    {
        public static bool IsWide => false;
    }

    /// <summary>A tile of two vectors of channels.</summary>
    private readonly struct WideTile : ITileWidth
    {
        public static bool IsWide => true;
    }

    /// <summary>
    /// A worker's scratch cut into the gathered pixels (or the values an inverse yields), the half transform between the
    /// passes, the folded values the steps read (and the analysis's column sums), and an inverse's even and odd halves.
    /// </summary>
    private readonly ref struct TransformScratch
    {
        public TransformScratch(scoped in SpectralGeometry spectral, Span<T> scratch)
        {
            // The inverse may yield a weight gradient's 7 × 7 lags instead of the map (SpectralGeometry.WorkerScratch).
            var lanes = TLanes.Count;
            var (height, width) = (Math.Max(spectral.Height, GamWeights.KernelSize), Math.Max(spectral.Width, GamWeights.KernelSize));
            Pixels = scratch[..(height * width * lanes)];
            Between = scratch.Slice(Pixels.Length, 2 * height * spectral.HalfColumns * lanes);
            Folded = scratch.Slice(Pixels.Length + Between.Length, 2 * spectral.Rows * spectral.HalfColumns * lanes);
            Halves = scratch.Slice(Pixels.Length + Between.Length + Folded.Length, 2 * height * spectral.HalfColumns * lanes);
        }

        public Span<T> Pixels { get; }

        public Span<T> Between { get; }

        public Span<T> Folded { get; }

        public Span<T> Halves { get; }
    }
}
