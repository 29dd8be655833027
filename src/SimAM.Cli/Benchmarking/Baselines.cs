using System;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading.Tasks;

namespace SimAM.Cli.Benchmarking;

/// <summary>
/// What SimAM's times are compared with, each using every core the same way as the engine:
/// <list type="bullet">
/// <item><description><see cref="Memcpy"/> and <see cref="StreamingCopy"/>: the floor of any forward pass (read x, write y: 2 streams).
/// A copy with ordinary stores also reads y's old lines before it writes them (a third stream on tensors larger than
/// the cache); non-temporal stores do not. The streaming floor is the fastest of both, serial or parallel.</description></item>
/// <item><description><see cref="ThreeStream"/> and <see cref="StreamingThreeStream"/>: the floor of any backward pass (read x and g,
/// write dx: 3 streams), likewise the fastest of the four.</description></item>
/// <item><description><see cref="TensorPrimitivesChain"/>: SimAM written the straightforward way with <see cref="TensorPrimitives"/>, one call per step.</description></item>
/// <item><description><see cref="ScalarPort"/>: the reference module ported line by line to scalar float code.</description></item>
/// </list>
/// The benchmark suite (benchmarks/SimAM.Benchmarks) measures the same baselines, so both report the same comparisons.
/// </summary>
internal static class Baselines
{
    /// <summary>Gets the number of chunks the floors split a tensor into: one per logical processor.</summary>
    public static int Chunks => Environment.ProcessorCount;

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> (<see cref="Span{T}.CopyTo"/>), in parallel chunks or on this thread.</summary>
    /// <param name="source">The tensor.</param>
    /// <param name="destination">A buffer of the same length.</param>
    /// <param name="parallel">One chunk per logical processor, or the whole tensor on the calling thread.</param>
    public static void Memcpy(float[] source, float[] destination, bool parallel = true) =>
        Split(source.Length, parallel, (start, length) => source.AsSpan(start, length).CopyTo(destination.AsSpan(start, length)));

    /// <summary>dx = x + g (<see cref="TensorPrimitives.Add(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>): two streams in, one out.</summary>
    /// <param name="x">The first input.</param>
    /// <param name="g">The second input.</param>
    /// <param name="dx">The output.</param>
    /// <param name="parallel">One chunk per logical processor, or the whole tensor on the calling thread.</param>
    public static void ThreeStream(float[] x, float[] g, float[] dx, bool parallel = true) =>
        Split(x.Length, parallel, (start, length) => TensorPrimitives.Add(x.AsSpan(start, length), g.AsSpan(start, length), dx.AsSpan(start, length)));

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> with non-temporal stores: one read stream, one write stream.</summary>
    /// <param name="source">The tensor.</param>
    /// <param name="destination">A buffer of the same length.</param>
    /// <param name="parallel">One chunk per logical processor, or the whole tensor on the calling thread.</param>
    public static unsafe void StreamingCopy(float[] source, float[] destination, bool parallel = true)
    {
        fixed (float* x = source)
        fixed (float* y = destination)
        {
            var (from, to) = ((nint)x, (nint)y);
            Split(source.Length, parallel, (start, length) => Stream((float*)from + start, null, (float*)to + start, length));
        }
    }

    /// <summary>dx = x + g with non-temporal stores.</summary>
    /// <param name="x">The first input.</param>
    /// <param name="g">The second input.</param>
    /// <param name="dx">The output.</param>
    /// <param name="parallel">One chunk per logical processor, or the whole tensor on the calling thread.</param>
    public static unsafe void StreamingThreeStream(float[] x, float[] g, float[] dx, bool parallel = true)
    {
        fixed (float* a = x)
        fixed (float* b = g)
        fixed (float* c = dx)
        {
            var (first, second, output) = ((nint)a, (nint)b, (nint)c);
            Split(x.Length, parallel, (start, length) => Stream((float*)first + start, (float*)second + start, (float*)output + start, length));
        }
    }

    /// <summary>
    /// The candidates of the streaming floor, the fastest of which is the least a forward pass can take: a copy of
    /// <paramref name="x"/> into <paramref name="output"/> with ordinary and with non-temporal stores, each parallel
    /// and serial. The first is the parallel <see cref="Memcpy"/>.
    /// </summary>
    /// <param name="x">The tensor.</param>
    /// <param name="output">A buffer of the same length.</param>
    /// <returns>The four calls.</returns>
    public static Action[] ForwardFloors(float[] x, float[] output) =>
    [
        () => Memcpy(x, output),
        () => Memcpy(x, output, parallel: false),
        () => StreamingCopy(x, output),
        () => StreamingCopy(x, output, parallel: false),
    ];

    /// <summary>The candidates of the 3-stream floor likewise: output = x + g, ordinary and non-temporal, parallel and serial.</summary>
    /// <param name="x">The first input.</param>
    /// <param name="g">The second input.</param>
    /// <param name="output">The output.</param>
    /// <returns>The four calls.</returns>
    public static Action[] BackwardFloors(float[] x, float[] g, float[] output) =>
    [
        () => ThreeStream(x, g, output),
        () => ThreeStream(x, g, output, parallel: false),
        () => StreamingThreeStream(x, g, output),
        () => StreamingThreeStream(x, g, output, parallel: false),
    ];

    /// <summary>
    /// SimAM forward as a chain of <see cref="TensorPrimitives"/> calls per plane, into a scratch buffer:
    /// Sum → mean; Subtract; Multiply (square); Sum → variance; Multiply by k; Add ½; Sigmoid; Multiply by x.
    /// Planes are split over <see cref="Chunks"/> parallel workers, each with its own scratch buffer.
    /// </summary>
    /// <param name="x">The input, planes of <paramref name="planeSize"/> values.</param>
    /// <param name="y">The output.</param>
    /// <param name="planeSize">S, the values per plane (at least 2).</param>
    /// <param name="lambda">λ.</param>
    /// <param name="scratch">One buffer of at least <paramref name="planeSize"/> values per chunk (see <see cref="CreateScratch"/>).</param>
    public static void TensorPrimitivesChain(float[] x, float[] y, int planeSize, float lambda, float[][] scratch)
    {
        var planes = x.Length / planeSize;
        Parallel.For(0, Chunks, chunk =>
        {
            var (first, count) = Range(planes, chunk);
            var t = scratch[chunk].AsSpan(0, planeSize);
            for (var p = first; p < first + count; p++)
            {
                var plane = x.AsSpan(p * planeSize, planeSize);
                var mean = TensorPrimitives.Sum(plane) / planeSize;
                TensorPrimitives.Subtract(plane, mean, t);
                TensorPrimitives.Multiply(t, t, t);
                var variance = TensorPrimitives.Sum(t) / (planeSize - 1);
                var k = 1f / (4f * (variance + lambda));
                TensorPrimitives.Multiply(t, k, t);
                TensorPrimitives.Add(t, 0.5f, t);
                TensorPrimitives.Sigmoid(t, t);
                TensorPrimitives.Multiply(t, plane, y.AsSpan(p * planeSize, planeSize));
            }
        });
    }

    /// <summary>
    /// The reference module ported line by line to scalar float code: mean, centred squares, then the gate
    /// with <see cref="MathF.Exp"/>. Planes are split over <see cref="Chunks"/> parallel workers like the
    /// other baselines, so the comparison is about the kernel, not the thread count.
    /// </summary>
    /// <param name="x">The input, planes of <paramref name="planeSize"/> values.</param>
    /// <param name="y">The output.</param>
    /// <param name="planeSize">S, the values per plane (at least 2).</param>
    /// <param name="lambda">λ.</param>
    public static void ScalarPort(float[] x, float[] y, int planeSize, float lambda)
    {
        var planes = x.Length / planeSize;
        Parallel.For(0, Chunks, chunk =>
        {
            var (first, count) = Range(planes, chunk);
            for (var p = first; p < first + count; p++)
            {
                var start = p * planeSize;
                var sum = 0f;
                for (var i = 0; i < planeSize; i++)
                {
                    sum += x[start + i];
                }

                var mean = sum / planeSize;
                var squares = 0f;
                for (var i = 0; i < planeSize; i++)
                {
                    var c = x[start + i] - mean;
                    squares += c * c;
                }

                var denominator = 4 * ((squares / (planeSize - 1)) + lambda);
                for (var i = 0; i < planeSize; i++)
                {
                    var c = x[start + i] - mean;
                    y[start + i] = x[start + i] / (1 + MathF.Exp(-((c * c / denominator) + 0.5f)));
                }
            }
        });
    }

    /// <summary>Allocates the scratch buffers <see cref="TensorPrimitivesChain"/> needs.</summary>
    /// <param name="planeSize">S.</param>
    /// <returns>One buffer per chunk.</returns>
    public static float[][] CreateScratch(int planeSize)
    {
        var scratch = new float[Chunks][];
        for (var i = 0; i < scratch.Length; i++)
        {
            scratch[i] = new float[planeSize];
        }

        return scratch;
    }

    /// <summary>
    /// y = x (or x + g) with ordinary stores up to y's first 64-byte boundary, then non-temporal stores of the widest
    /// vector this processor accelerates, then a scalar tail; fenced, so that the caller sees every value.
    /// </summary>
    private static unsafe void Stream(float* x, float* g, float* y, int length)
    {
        var i = 0;
        for (; i < length && ((nuint)(y + i) & 63) != 0; i++)
        {
            y[i] = g == null ? x[i] : x[i] + g[i];
        }

        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= length; i += 16)
            {
                var v = Vector512.Load(x + i);
                Vector512.StoreAlignedNonTemporal(g == null ? v : v + Vector512.Load(g + i), y + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= length; i += 8)
            {
                var v = Vector256.Load(x + i);
                Vector256.StoreAlignedNonTemporal(g == null ? v : v + Vector256.Load(g + i), y + i);
            }
        }
        else
        {
            for (; i + 4 <= length; i += 4)
            {
                var v = Vector128.Load(x + i);
                Vector128.StoreAlignedNonTemporal(g == null ? v : v + Vector128.Load(g + i), y + i);
            }
        }

        for (; i < length; i++)
        {
            y[i] = g == null ? x[i] : x[i] + g[i];
        }

        if (Sse.IsSupported)
        {
            Sse.StoreFence();
        }
    }

    /// <summary>Runs <paramref name="body"/> on (start, length) ranges: one per logical processor in parallel, or one on this thread.</summary>
    private static void Split(int total, bool parallel, Action<int, int> body)
    {
        if (!parallel)
        {
            body(0, total);
            return;
        }

        Parallel.For(0, Chunks, chunk =>
        {
            var (start, length) = Range(total, chunk);
            body(start, length);
        });
    }

    /// <summary>Splits <paramref name="total"/> items into <see cref="Chunks"/> nearly equal ranges.</summary>
    /// <param name="total">The item count.</param>
    /// <param name="chunk">Which range.</param>
    /// <returns>The range's start and length.</returns>
    public static (int Start, int Length) Range(int total, int chunk)
    {
        var start = (int)((long)total * chunk / Chunks);
        var end = (int)((long)total * (chunk + 1) / Chunks);
        return (start, end - start);
    }
}
