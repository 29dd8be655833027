using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading.Tasks;
using SimAM.Gam.Compute.Lanes;

namespace SimAM.Gam.Compute.Spectral;

/// <summary>
/// One 7×7 convolution's weights in the spectral form, as one bin's complex GEMM reads them: for every bin of the half
/// spectrum, a row per reduction channel r holding the GEMM's output channels q side by side. A forward filter holds
/// F = Σ K[q, r, kh, kw]·e^{+2πi(u(kh − 3)/P + v(kw − 3)/Q)}, the conjugate spectrum of each filter, so that the output's
/// spectrum is Σ_r X_r·F (the convolution is a cross-correlation), and the bias. A data gradient reads the same spectra
/// conjugated and transposed, a tile at a time (<see cref="TransposedFilter{T}"/>).
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
/// <remarks>
/// Layout: [bin][reduction channel][real parts of the output channels, imaginary parts], each part padded with zeros to
/// <see cref="SpectralGeometry.PaddedChannels"/>, so that a register tile of output channels reads whole vectors (two
/// per part and step, one for a last 16 floats). Computed in double, rounded once; the arrays are allocated once and
/// <see cref="Transform"/> rewrites them in place whenever the weights change (a training loop does after every
/// optimizer step).
/// </remarks>
internal sealed class SpectralFilter<T>
    where T : unmanaged
{
    private const int K = GamWeights.KernelSize;

    private readonly SpectralGeometry _geometry;
    private readonly KernelTransforms _matrices;

    /// <summary>Each worker's buffers, made on its first transform and kept for the next (a training loop transforms after every step).</summary>
    private Scratch?[] _scratch = [];

    /// <summary>Allocates the spectra of a convolution from <paramref name="layerIn"/> to <paramref name="layerOut"/> channels.</summary>
    /// <param name="geometry">The spectral sizes.</param>
    /// <param name="layerOut">The convolution's output channels.</param>
    /// <param name="layerIn">Its input channels.</param>
    public SpectralFilter(in SpectralGeometry geometry, int layerOut, int layerIn)
    {
        _geometry = geometry;
        _matrices = new KernelTransforms(geometry);
        (OutChannels, InChannels) = (layerOut, layerIn);
        OutPadded = SpectralGeometry.PaddedChannels(OutChannels);
        Values = new T[(long)geometry.Bins * InChannels * 2 * OutPadded];
        Bias = new T[OutPadded];
    }

    /// <summary>Gets the GEMM's output channels: the convolution's outputs.</summary>
    public int OutChannels { get; }

    /// <summary>Gets the GEMM's reduction channels: the convolution's inputs.</summary>
    public int InChannels { get; }

    /// <summary>Gets the output channels rounded up to <see cref="SpectralGeometry.ChannelAlignment"/>: the length of each part of a row.</summary>
    public int OutPadded { get; }

    /// <summary>Gets the spectra: [bin][reduction channel][real parts, imaginary parts of the output channels].</summary>
    public T[] Values { get; }

    /// <summary>Gets the bias per output channel (zeros after the last, so that a vector of channels reads it whole).</summary>
    public T[] Bias { get; }

    /// <summary>Gets the bytes of one filter of a convolution between <paramref name="inChannels"/> and <paramref name="outChannels"/> channels.</summary>
    public static long Bytes(in SpectralGeometry geometry, int inChannels, int outChannels) =>
        (long)geometry.Bins * inChannels * 2 * SpectralGeometry.PaddedChannels(outChannels) * Unsafe.SizeOf<T>();

    /// <summary>
    /// Transforms <paramref name="weights"/> ([layer out, layer in, 7, 7], one group) into <see cref="Values"/> on
    /// <paramref name="workers"/> threads, and takes <paramref name="bias"/>.
    /// </summary>
    /// <remarks>
    /// Separable, as the planes' analysis is: per reduction channel and vector of output channels (a filter per lane),
    /// a small matrix along each of the 7 kernel rows (7 taps to Q/2 + 1 bins), then one along each bin's column (7
    /// rows to P bins), both through <see cref="SpectralConvolution{T, TV, TLanes}.Apply(ReadOnlySpan{T}, int, int,
    /// ReadOnlySpan{T}, Span{T})"/> in double, at the widest width the processor accelerates. Every lane runs the same
    /// fused multiply-adds, so the spectra do not depend on that width.
    /// </remarks>
    public void Transform(double[] weights, ReadOnlySpan<double> bias, int workers)
    {
        for (var o = 0; o < OutChannels; o++)
        {
            Bias[o] = PackedFilter<T>.FromDouble(bias[o]);
        }

        var matrices = _matrices;
        if (Vector512.IsHardwareAccelerated)
        {
            Run<Vector512<double>, Lanes512<double>>(weights, matrices, workers);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Run<Vector256<double>, Lanes256<double>>(weights, matrices, workers);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            Run<Vector128<double>, Lanes128<double>>(weights, matrices, workers);
        }
        else
        {
            Run<double, LanesScalar<double>>(weights, matrices, workers);
        }
    }

    private void Run<TV, TLanes>(double[] weights, KernelTransforms matrices, int workers)
        where TV : struct
        where TLanes : ILanes<double, TV>
    {
        workers = Math.Max(1, Math.Min(workers, InChannels));
        if (_scratch.Length < workers)
        {
            _scratch = new Scratch[workers];
        }

        if (workers == 1)
        {
            TransformRows<TV, TLanes>(weights, matrices, 0, 1);
            return;
        }

        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, worker => TransformRows<TV, TLanes>(weights, matrices, worker, workers));
    }

    /// <summary>
    /// Worker <paramref name="worker"/>'s equal share of the reduction channels' rows, each a vector of output channels at a
    /// time: the kernels' transforms along their rows for every vector first, then per bin column the second transform of
    /// every vector into a staging row, so that each bin's row is written out whole (the rows of one reduction channel lie
    /// the bins' stride apart, a multiple of 4 KB: written a vector at a time they evicted each other from the caches).
    /// </summary>
    private void TransformRows<TV, TLanes>(double[] weights, KernelTransforms matrices, int worker, int workers)
        where TV : struct
        where TLanes : ILanes<double, TV>
    {
        var lanes = TLanes.Count;
        var (rows, half) = (_geometry.Rows, _geometry.HalfColumns);
        var vectors = (OutChannels + lanes - 1) / lanes;
        var scratch = _scratch[worker] ??= new Scratch(K * K * lanes, vectors * half * 2 * K * lanes, Math.Max(matrices.RowLength, matrices.ColumnLength) * lanes, 2 * rows * OutPadded);
        var taps = scratch.Taps.AsSpan();
        var between = scratch.Between.AsSpan();
        var product = scratch.Product.AsSpan();
        var staging = scratch.Staging.AsSpan();
        for (var r = InChannels * worker / workers; r < InChannels * (worker + 1) / workers; r++)
        {
            for (var vector = 0; vector < vectors; vector++)
            {
                // The taps of the vector's filters, [kh][kw][lane]; zeros past the last channel. Eight filters' runs of 49
                // taps (InChannels·49 apart) go through 8 × 8 transposes where the processor has AVX-512, the last tap alone.
                var first = vector * lanes;
                var present = Math.Min(lanes, OutChannels - first);
                var blocks = present == 8 && lanes == 8 && Avx512F.IsSupported ? K * K / 8 * 8 : 0;
                if (present < lanes)
                {
                    taps.Clear();
                }

                for (var t = 0; t < blocks; t += 8)
                {
                    BlockTranspose.Doubles8(ref weights[(((first * InChannels) + r) * K * K) + t], InChannels * K * K, ref taps[t * lanes], lanes);
                }

                for (var lane = 0; lane < present; lane++)
                {
                    var q = first + lane;
                    var kernel = weights.AsSpan(((q * InChannels) + r) * K * K, K * K);
                    for (var t = blocks; t < K * K; t++)
                    {
                        taps[(t * lanes) + lane] = kernel[t];
                    }
                }

                // Along each kernel row, into [vector][bin v][kh][re, im]: the second pass then reads one bin's column in order.
                for (var kh = 0; kh < K; kh++)
                {
                    SpectralConvolution<double, TV, TLanes>.Apply(matrices.AlongRows, K, matrices.RowLength, taps.Slice(kh * K * lanes), product);
                    for (var part = 0; part < 2 * half; part++)
                    {
                        var at = (((((vector * half) + (part / 2)) * K) + kh) * 2) + (part % 2);
                        TLanes.Store(TLanes.Load(ref product[part * lanes]), ref between[at * lanes]);
                    }
                }
            }

            for (var v = 0; v < half; v++)
            {
                for (var vector = 0; vector < vectors; vector++)
                {
                    SpectralConvolution<double, TV, TLanes>.Apply(matrices.AlongColumns, 2 * K, matrices.ColumnLength, between.Slice(((vector * half) + v) * 2 * K * lanes), product);

                    // The staging rows have room for a whole vector past the last channel (zeros there, from zero taps).
                    for (var u = 0; u < rows; u++)
                    {
                        Round<TV, TLanes>(TLanes.Load(ref product[2 * u * lanes]), ref staging[(2 * u * OutPadded) + (vector * lanes)]);
                        Round<TV, TLanes>(TLanes.Load(ref product[((2 * u) + 1) * lanes]), ref staging[(((2 * u) + 1) * OutPadded) + (vector * lanes)]);
                    }
                }

                for (var u = 0; u < rows; u++)
                {
                    var at = _geometry.SpectrumRow(u, v, InChannels, r, OutPadded);
                    staging.Slice(2 * u * OutPadded, 2 * OutPadded).CopyTo(Values.AsSpan((int)at, 2 * OutPadded));
                }
            }
        }
    }

    /// <summary>Stores a vector of double values as <typeparamref name="T"/>, rounded once (narrowed a vector at a time to float).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round<TV, TLanes>(TV value, ref T destination)
        where TV : struct
        where TLanes : ILanes<double, TV>
    {
        if (typeof(T) == typeof(double))
        {
            TLanes.Store(value, ref Unsafe.As<T, double>(ref destination));
        }
        else if (typeof(TV) == typeof(Vector512<double>))
        {
            var wide = Unsafe.As<TV, Vector512<double>>(ref value);
            Vector512.Narrow(wide, wide).GetLower().StoreUnsafe(ref Unsafe.As<T, float>(ref destination));
        }
        else if (typeof(TV) == typeof(Vector256<double>))
        {
            var wide = Unsafe.As<TV, Vector256<double>>(ref value);
            Vector256.Narrow(wide, wide).GetLower().StoreUnsafe(ref Unsafe.As<T, float>(ref destination));
        }
        else if (typeof(TV) == typeof(Vector128<double>))
        {
            var wide = Unsafe.As<TV, Vector128<double>>(ref value);
            Vector128.Narrow(wide, wide).GetLower().StoreUnsafe(ref Unsafe.As<T, float>(ref destination));
        }
        else
        {
            destination = PackedFilter<T>.FromDouble(Unsafe.As<TV, double>(ref value));
        }
    }

    /// <summary>One worker's buffers: a vector's taps, every vector's half transforms, one matrix product, the staging rows.</summary>
    private sealed class Scratch(int taps, int between, int product, int staging)
    {
        public double[] Taps { get; } = new double[taps];

        public double[] Between { get; } = new double[between];

        public double[] Product { get; } = new double[product];

        public T[] Staging { get; } = new T[staging];
    }

    /// <summary>
    /// The two matrices of the kernels' transform, over the offsets −3 … 3: along a kernel row [kw][v, re/im] = cos, sin of
    /// 2π·v·(kw − 3)/Q, and along a bin's column [kh, re/im][u, re/im], the factor e^{+2πi·u·(kh − 3)/P} as a real 2 × 2 block.
    /// </summary>
    private sealed class KernelTransforms
    {
        public KernelTransforms(in SpectralGeometry geometry)
        {
            RowLength = SpectralGeometry.Padded(2 * geometry.HalfColumns);
            ColumnLength = SpectralGeometry.Padded(2 * geometry.Rows);
            AlongRows = new double[K * RowLength];
            AlongColumns = new double[2 * K * ColumnLength];
            for (var k = 0; k < K; k++)
            {
                for (var v = 0; v < geometry.HalfColumns; v++)
                {
                    var (sin, cos) = Math.SinCos(geometry.Angle(0, 0, v, k - PaddedGeometry.Pad));
                    SpectralPlan<double>.Set(AlongRows, RowLength, k, 2 * v, cos);
                    SpectralPlan<double>.Set(AlongRows, RowLength, k, (2 * v) + 1, sin);
                }

                for (var u = 0; u < geometry.Rows; u++)
                {
                    var (sin, cos) = Math.SinCos(geometry.Angle(u, k - PaddedGeometry.Pad, 0, 0));
                    SpectralPlan<double>.SetBlock(AlongColumns, ColumnLength, k, u, cos, sin);
                }
            }
        }

        public double[] AlongRows { get; }

        public double[] AlongColumns { get; }

        public int RowLength { get; }

        public int ColumnLength { get; }
    }
}
