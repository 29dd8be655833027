using System;
using System.Runtime.CompilerServices;

namespace SimAM.Kernels;

/// <summary>One vector of an elementwise pass's output, computed from whatever inputs the step reads.</summary>
/// <typeparam name="TF">The float vector type.</typeparam>
internal interface IVectorStep<TF>
    where TF : struct
{
    /// <summary>The output vector that starts at element <paramref name="index"/>, in any order.</summary>
    TF At(nuint index);

    /// <summary>Starts a run: the <see cref="Next"/> calls that follow ask for <paramref name="index"/>, index + width, ….</summary>
    void Seek(nuint index);

    /// <summary>
    /// The vector at <paramref name="index"/> within a run begun by <see cref="Seek"/>: the same bits as <see cref="At"/>,
    /// for steps that keep state from one vector to the next (the channels-last lane).
    /// </summary>
    TF Next(nuint index);

    /// <summary>Asks for the input lines that hold element <paramref name="index"/> (see <see cref="Kernels.Prefetch"/>).</summary>
    void Prefetch(nuint index);
}

/// <summary>
/// The one loop that writes an elementwise pass's output, for every float kernel: with ordinary stores, or with
/// non-temporal ones (<see cref="SimAmStores"/>) for the whole cache lines of the output.
/// </summary>
/// <remarks>
/// <para>
/// Ordinary stores: tails are never a scalar loop. The last vector overlaps the one before it and stores the same bits
/// again; output may be an input buffer itself, so that last vector is computed before anything is stored. The output
/// lines are prefetched <c>ahead</c> elements on, so that a store finds its line owned.
/// </para>
/// <para>
/// Non-temporal stores write whole 64-byte lines and nothing else: a line that a non-temporal store and an ordinary
/// store both write is flushed from the write-combining buffer and read back from memory for the ordinary one, a stall
/// per plane that cost more than streaming saved. So the elements before the first line boundary and after the last
/// take ordinary stores of whole vectors and then single lanes, and no vector overlaps a streamed line. Only those two
/// partial lines of the next pass are prefetched (without, their stores waited on memory once per plane): a
/// non-temporal store needs no copy of its line, which is what saves the read. A streaming call never works in place
/// (<see cref="Scheduling.StorePolicy"/>), but the last vector is still computed first.
/// </para>
/// </remarks>
internal static unsafe class VectorWriter<TF, TD, TOps>
    where TF : struct
    where TD : struct
    where TOps : ISimdOps<TF, TD>
{
    private const int LineBytes = 64;

    /// <summary>
    /// Writes <paramref name="count"/> (at least one vector) elements of <paramref name="destination"/>, prefetching
    /// the step's inputs (and, with ordinary stores, the output) <paramref name="ahead"/> elements further on (0: none).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write<TStep>(float* destination, nuint count, nuint ahead, bool streaming, TStep step)
        where TStep : struct, IVectorStep<TF>
    {
        var width = (nuint)TOps.Count;
        var lastStart = count - width;
        var last = step.At(lastStart);
        var start = Math.Min((nuint)(-(nint)destination & (LineBytes - 1)) / sizeof(float), count);
        var lineEnd = start + ((count - start) & ~(nuint)((LineBytes / sizeof(float)) - 1));
        if (!streaming || lineEnd == start)
        {
            step.Seek(0);
            for (nuint i = 0; i < lastStart; i += width)
            {
                if (ahead != 0 && Prefetch.StartsLine<TF, TD, TOps>(i))
                {
                    step.Prefetch(i + ahead);
                    Prefetch.Line(ref *destination, i + ahead);
                }

                TOps.Store(step.Next(i), ref *destination, i);
            }

            TOps.Store(last, ref *destination, lastStart);
            return;
        }

        // The next pass's partial lines take ordinary stores: ask for them now, as the cached path asks for every line.
        if (ahead != 0)
        {
            Prefetch.Line(ref *destination, ahead);
            Prefetch.Line(ref *destination, ahead + count - 1);
        }

        // Up to the first line boundary: whole vectors, then the lanes of one more.
        step.Seek(0);
        nuint j = 0;
        for (; j + width <= start; j += width)
        {
            TOps.Store(step.Next(j), ref *destination, j);
        }

        if (j < start)
        {
            StoreLanes(step.Next(j), 0, destination + j, start - j);
        }

        // Whole lines.
        step.Seek(start);
        for (j = start; j < lineEnd; j += width)
        {
            if (ahead != 0 && Prefetch.StartsLine<TF, TD, TOps>(j - start))
            {
                step.Prefetch(j + ahead);
            }

            TOps.StoreStreaming(step.Next(j), destination + j);
        }

        // After the last line boundary: whole vectors, then the last vector's remaining lanes.
        for (; j + width <= count; j += width)
        {
            TOps.Store(step.Next(j), ref *destination, j);
        }

        if (j < count)
        {
            StoreLanes(last, (int)(j - lastStart), destination + j, count - j);
        }
    }

    /// <summary>Stores <paramref name="count"/> lanes of <paramref name="value"/> from lane <paramref name="firstLane"/> on, one at a time.</summary>
    private static void StoreLanes(TF value, int firstLane, float* destination, nuint count)
    {
        ref var lanes = ref Unsafe.As<TF, float>(ref value);
        for (nuint k = 0; k < count; k++)
        {
            destination[k] = Unsafe.Add(ref lanes, firstLane + (int)k);
        }
    }
}
