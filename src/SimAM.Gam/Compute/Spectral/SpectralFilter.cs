using System;
using System.Numerics;
using System.Threading.Tasks;

namespace SimAM.Gam.Compute.Spectral;

/// <summary>
/// One 7×7 convolution's weights in the spectral form: for every bin of the half spectrum and input channel i, the
/// conjugate spectrum F = Σ K[kh, kw]·e^{+2πi(u(kh − 3)/P + v(kw − 3)/Q)} of every output channel's filter, so that the
/// spectrum of the output is Σᵢ X·F (the convolution is a cross-correlation, hence the conjugate), and its bias.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
/// <remarks>
/// Layout: [bin][input channel][real parts of the output channels, imaginary parts], each part padded with zeros to
/// <see cref="SpectralGeometry.PaddedChannels"/>, so that a register tile of output channels reads two vectors per part
/// and input channel. Built in double, rounded once.
/// </remarks>
internal sealed class SpectralFilter<T>
    where T : unmanaged
{
    /// <summary>Transforms <paramref name="weights"/> ([out, in, 7, 7], one group) on <paramref name="workers"/> threads.</summary>
    public SpectralFilter(in SpectralGeometry geometry, double[] weights, ReadOnlySpan<double> bias, int outChannels, int inChannels, int workers)
    {
        const int K = GamWeights.KernelSize;
        OutChannels = outChannels;
        InChannels = inChannels;
        OutPadded = SpectralGeometry.PaddedChannels(outChannels);
        Values = new T[(long)geometry.Bins * inChannels * 2 * OutPadded];
        Bias = new T[OutPadded];
        for (var o = 0; o < outChannels; o++)
        {
            Bias[o] = PackedFilter<T>.FromDouble(bias[o]);
        }

        // Twiddles of the two one-dimensional transforms over the kernel's offsets −3 … 3.
        var (rows, columns, half) = (geometry.Rows, geometry.Columns, (geometry.Columns / 2) + 1);
        var rowCos = new double[rows * K];
        var rowSin = new double[rows * K];
        for (var u = 0; u < rows; u++)
        {
            for (var k = 0; k < K; k++)
            {
                var angle = geometry.Angle(u, k - PaddedGeometry.Pad, 0, 0);
                (rowSin[(u * K) + k], rowCos[(u * K) + k]) = Math.SinCos(angle);
            }
        }

        var columnCos = new double[half * K];
        var columnSin = new double[half * K];
        for (var v = 0; v < half; v++)
        {
            for (var k = 0; k < K; k++)
            {
                var angle = geometry.Angle(0, 0, v, k - PaddedGeometry.Pad);
                (columnSin[(v * K) + k], columnCos[(v * K) + k]) = Math.SinCos(angle);
            }
        }

        var values = Values;
        var padded = OutPadded;

        // One input channel per task, a vector of output channels at a time (they lie side by side in every row of the
        // layout, so each bin's row is written a vector at a time; in scalar code the sums' latency set the pace).
        Parallel.For(0, inChannels, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers) }, i =>
        {
            var lanes = Vector<double>.Count;
            Span<double> taps = stackalloc double[K * K * lanes];
            Span<Vector<double>> partial = stackalloc Vector<double>[2 * K * half];
            Span<double> lane = stackalloc double[lanes];
            for (var first = 0; first < outChannels; first += lanes)
            {
                // The taps of this input channel for the vector's output channels, [tap][lane]; zeros past the last.
                taps.Clear();
                for (var l = 0; l < Math.Min(lanes, outChannels - first); l++)
                {
                    var kernel = weights.AsSpan((((first + l) * inChannels) + i) * K * K, K * K);
                    for (var t = 0; t < K * K; t++)
                    {
                        taps[(t * lanes) + l] = kernel[t];
                    }
                }

                // Along the columns first (7 rows × Q/2 + 1 bins), then along the rows (P × Q/2 + 1 bins).
                for (var kh = 0; kh < K; kh++)
                {
                    for (var v = 0; v < half; v++)
                    {
                        Vector<double> re = default, im = default;
                        for (var kw = 0; kw < K; kw++)
                        {
                            var tap = new Vector<double>(taps.Slice(((kh * K) + kw) * lanes, lanes));
                            re += tap * columnCos[(v * K) + kw];
                            im += tap * columnSin[(v * K) + kw];
                        }

                        partial[2 * ((kh * half) + v)] = re;
                        partial[(2 * ((kh * half) + v)) + 1] = im;
                    }
                }

                for (var u = 0; u < rows; u++)
                {
                    for (var v = 0; v < half; v++)
                    {
                        Vector<double> re = default, im = default;
                        for (var kh = 0; kh < K; kh++)
                        {
                            var (pr, pi) = (partial[2 * ((kh * half) + v)], partial[(2 * ((kh * half) + v)) + 1]);
                            var (c, s) = (rowCos[(u * K) + kh], rowSin[(u * K) + kh]);
                            re += (pr * c) - (pi * s);
                            im += (pr * s) + (pi * c);
                        }

                        // The padded row has room for a whole vector past the last channel (zeros there, from zero taps).
                        var at = ((((long)(u * half) + v) * inChannels) + i) * 2 * padded;
                        Write(re, values.AsSpan((int)(at + first), lanes), lane);
                        Write(im, values.AsSpan((int)(at + padded + first), lanes), lane);
                    }
                }
            }
        });
    }

    public int OutChannels { get; }

    /// <summary>Gets the bytes of the transformed weights of a convolution from <paramref name="inChannels"/> to <paramref name="outChannels"/> channels.</summary>
    public static long Bytes(in SpectralGeometry geometry, int inChannels, int outChannels) =>
        (long)geometry.Bins * inChannels * 2 * SpectralGeometry.PaddedChannels(outChannels) * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    public int InChannels { get; }

    /// <summary>Gets the output channels rounded up to <see cref="SpectralGeometry.ChannelAlignment"/>: the length of each part of a row.</summary>
    public int OutPadded { get; }

    /// <summary>Gets the spectra: [bin][input channel][real parts, imaginary parts of the output channels].</summary>
    public T[] Values { get; }

    private static void Write(Vector<double> value, Span<T> destination, Span<double> lane)
    {
        value.CopyTo(lane);
        for (var l = 0; l < lane.Length; l++)
        {
            destination[l] = PackedFilter<T>.FromDouble(lane[l]);
        }
    }

    /// <summary>Gets the convolution's bias per output channel (zeros after the last, so that a vector of channels reads it whole).</summary>
    public T[] Bias { get; }
}
