using System;

namespace SimAM.Scheduling;

/// <summary>
/// How a plane is cut into chunks for the reductions. The cut depends on the plane size alone, never on
/// the thread count, and chunk results are combined in index order: that is what makes every degree of
/// parallelism give bitwise-identical results.
/// </summary>
internal readonly struct ChunkLayout
{
    /// <summary>
    /// 4096 floats = 16 KiB: the two reduction passes over a chunk read it from memory once and from
    /// L1 (32 KiB or more on current x86 and Arm cores) the second time.
    /// </summary>
    public const int ChunkLength = 4096;

    public ChunkLayout(int planeSize)
    {
        PlaneSize = planeSize;
        var full = planeSize / ChunkLength;
        var remainder = planeSize % ChunkLength;

        // A short remainder is folded into the last chunk, so no chunk is tiny (each keeps the vector
        // loops busy) and none exceeds 1.25 chunks.
        ChunksPerPlane = full == 0 ? 1 : remainder >= ChunkLength / 4 ? full + 1 : full;
    }

    /// <summary>
    /// Gets how many whole planes a worker reduces before gating them: up to 16 planes of together at most
    /// one chunk. The reductions of different planes are independent, so the core overlaps their latency
    /// chains (sum → mean → squares → variance → √ → gate constants, about 150 cycles) instead of waiting
    /// on each; the batch still sits in L1 when it is gated. Large planes go one at a time.
    /// </summary>
    public int PlanesPerBatch => Math.Clamp(ChunkLength / PlaneSize, 1, 16);

    public int PlaneSize { get; }

    public int ChunksPerPlane { get; }

    public static int Start(int chunk) => chunk * ChunkLength;

    public int Length(int chunk) =>
        chunk == ChunksPerPlane - 1 ? PlaneSize - (chunk * ChunkLength) : ChunkLength;
}
