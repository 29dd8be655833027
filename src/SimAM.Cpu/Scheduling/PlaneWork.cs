using System;
using System.Runtime.InteropServices;
using SimAM.Kernels.Planes;
using SimAM.Kernels;

namespace SimAM.Scheduling;

/// <summary>
/// The per-plane and per-chunk steps shared by both scheduling modes. Whichever mode runs, a plane's
/// numbers come from the same chunk calls folded in the same order, so the bits never depend on it.
/// </summary>
internal static unsafe class PlaneWork<T, TKernel>
    where T : unmanaged
    where TKernel : IPlaneKernel<T>
{
    public static ReadOnlySpan<T> Chunk(T* tensor, scoped in ChunkLayout layout, int plane, int chunk) =>
        new(tensor + ((long)plane * layout.PlaneSize) + ChunkLayout.Start(chunk), layout.Length(chunk));

    public static Span<T> MutableChunk(T* tensor, scoped in ChunkLayout layout, int plane, int chunk) =>
        new(tensor + ((long)plane * layout.PlaneSize) + ChunkLayout.Start(chunk), layout.Length(chunk));

    public static Span<T> Plane(T* tensor, scoped in ChunkLayout layout, int plane) =>
        new(tensor + ((long)plane * layout.PlaneSize), layout.PlaneSize);

    /// <summary>Folds chunk moments in index order (Chan's pairwise update).</summary>
    public static PlaneStatistics Fold(ReadOnlySpan<ChunkMoments> chunks)
    {
        var total = chunks[0];
        for (var i = 1; i < chunks.Length; i++)
        {
            total = total.Combine(chunks[i]);
        }

        return total.ToStatistics();
    }

    /// <summary>Adds chunk sums in index order.</summary>
    public static BackwardSums Fold(ReadOnlySpan<BackwardSums> chunks)
    {
        var total = chunks[0];
        for (var i = 1; i < chunks.Length; i++)
        {
            total += chunks[i];
        }

        return total;
    }

    public static PlaneStatistics Statistics(T* x, in ChunkLayout layout, int plane)
    {
        var total = TKernel.Moments(Chunk(x, layout, plane, 0));
        for (var chunk = 1; chunk < layout.ChunksPerPlane; chunk++)
        {
            total = total.Combine(TKernel.Moments(Chunk(x, layout, plane, chunk)));
        }

        return total.ToStatistics();
    }

    public static BackwardSums Sums<TVariant>(T* x, T* g, in ChunkLayout layout, int plane, in GateCoefficients gate, in EnergyConstants energy)
        where TVariant : IEnergy
    {
        var total = TKernel.BackwardSums<TVariant>(Chunk(x, layout, plane, 0), Chunk(g, layout, plane, 0), gate, energy);
        for (var chunk = 1; chunk < layout.ChunksPerPlane; chunk++)
        {
            total += TKernel.BackwardSums<TVariant>(Chunk(x, layout, plane, chunk), Chunk(g, layout, plane, chunk), gate, energy);
        }

        return total;
    }

    /// <summary>
    /// A plane holding NaN or ±∞ gets NaN everywhere, as in the reference module (its mean and variance
    /// are NaN there too); nothing reaches any other plane.
    /// </summary>
    public static void FillNaN(Span<T> destination)
    {
        if (typeof(T) == typeof(float))
        {
            MemoryMarshal.Cast<T, float>(destination).Fill(float.NaN);
        }
        else if (typeof(T) == typeof(double))
        {
            MemoryMarshal.Cast<T, double>(destination).Fill(double.NaN);
        }
        else if (typeof(T) == typeof(Half))
        {
            MemoryMarshal.Cast<T, Half>(destination).Fill(Half.NaN);
        }
        else
        {
            throw new NotSupportedException($"No NaN is defined for {typeof(T)}.");
        }
    }
}
