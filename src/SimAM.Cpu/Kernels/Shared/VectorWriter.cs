using System.Runtime.CompilerServices;

namespace SimAM.Kernels;

/// <summary>One vector of an elementwise pass's output, computed from whatever inputs the step reads.</summary>
/// <typeparam name="TF">The float vector type.</typeparam>
internal interface IVectorStep<TF>
    where TF : struct
{
    /// <summary>The output vector that starts at element <paramref name="index"/>.</summary>
    TF At(nuint index);

    /// <summary>Asks for the input lines that hold element <paramref name="index"/> (see <see cref="Kernels.Prefetch"/>).</summary>
    void Prefetch(nuint index);
}

/// <summary>
/// The one loop that writes an elementwise pass's output, for every float kernel: with ordinary stores, or with
/// non-temporal ones (<see cref="SimAmStores"/>) from the first vector-aligned element on.
/// </summary>
/// <remarks>
/// <para>
/// Tails are never a scalar loop: the last vector overlaps the one before it and stores the same bits again. Output
/// may be an input buffer itself, so that last vector is computed before anything is stored; when streaming, so is
/// the first, which covers the elements before the first aligned one and is stored after the loop.
/// </para>
/// <para>
/// Streaming, the output lines are not prefetched: a non-temporal store needs no copy of the line, which is what
/// saves the read. Ordinary stores prefetch them <c>ahead</c> elements on, so that the store finds its line owned.
/// </para>
/// </remarks>
internal static unsafe class VectorWriter<TF, TD, TOps>
    where TF : struct
    where TD : struct
    where TOps : ISimdOps<TF, TD>
{
    /// <summary>
    /// Writes <paramref name="count"/> (at least one vector) elements of <paramref name="destination"/>, prefetching
    /// the step's inputs (and, with ordinary stores, the output) <paramref name="ahead"/> elements further on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write<TStep>(float* destination, nuint count, nuint ahead, bool streaming, TStep step)
        where TStep : struct, IVectorStep<TF>
    {
        var width = (nuint)TOps.Count;
        var lastStart = count - width;
        var last = step.At(lastStart);
        if (streaming)
        {
            var first = step.At(0);
            var start = AlignedStart(destination);
            for (var i = start; i < lastStart; i += width)
            {
                if (Prefetch.StartsLine<TF, TD, TOps>(i - start))
                {
                    step.Prefetch(i + ahead);
                }

                TOps.StoreStreaming(step.At(i), destination + i);
            }

            TOps.Store(first, ref *destination, 0);
        }
        else
        {
            for (nuint i = 0; i < lastStart; i += width)
            {
                if (Prefetch.StartsLine<TF, TD, TOps>(i))
                {
                    step.Prefetch(i + ahead);
                    Prefetch.Line(ref *destination, i + ahead);
                }

                TOps.Store(step.At(i), ref *destination, i);
            }
        }

        TOps.Store(last, ref *destination, lastStart);
    }

    /// <summary>
    /// The index of the first element of <paramref name="destination"/> that starts a vector-aligned address, where
    /// non-temporal stores can begin; the elements before it are covered by an ordinary store of the first vector.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint AlignedStart(float* destination)
    {
        var width = (nuint)TOps.Count;
        var misaligned = (nuint)destination / sizeof(float) % width;
        return misaligned == 0 ? 0 : width - misaligned;
    }
}
