namespace SimAM.Kernels;

/// <summary>
/// Count, mean and centred sum of squares (M2) of one chunk of a plane. Chunks are combined with Chan,
/// Golub and LeVeque's pairwise update, which is exact in exact arithmetic and, unlike Σx² − (Σx)²/n,
/// loses nothing on planes with a large offset.
/// </summary>
internal readonly record struct ChunkMoments(int Count, double Mean, double SumOfSquares)
{
    /// <summary>Merges the moments of two disjoint chunks.</summary>
    public ChunkMoments Combine(ChunkMoments other)
    {
        var count = Count + other.Count;
        var delta = other.Mean - Mean;
        var weight = (double)other.Count / count;
        return new ChunkMoments(
            count,
            Mean + (delta * weight),
            SumOfSquares + other.SumOfSquares + (delta * delta * Count * weight));
    }

    /// <summary>The plane statistics (unbiased variance, as the reference divides by S − 1).</summary>
    public PlaneStatistics ToStatistics() => new(Mean, SumOfSquares / (Count - 1));
}
