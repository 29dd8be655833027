using System;

namespace SimAM.Kernels;

/// <summary>
/// What the scheduler asks of a kernel, one chunk or plane at a time. Implemented once per element
/// type and SIMD strategy; the scheduler is generic over it, so the choice costs one dispatch per call.
/// </summary>
/// <typeparam name="T">The element type (float or double).</typeparam>
internal interface IPlaneKernel<T>
    where T : unmanaged
{
    /// <summary>Count, mean and centred sum of squares of a chunk (two passes while it is in cache).</summary>
    static abstract ChunkMoments Moments(ReadOnlySpan<T> x);

    /// <summary>
    /// y = x·sigmoid(E). <paramref name="y"/> is <paramref name="x"/> itself or does not overlap it.
    /// <paramref name="prefetchAhead"/> is a hint: the work after this call reads x that many elements
    /// further on (0: nothing to prefetch). Kernels that cannot use it ignore it.
    /// </summary>
    static abstract void Forward(ReadOnlySpan<T> x, Span<T> y, in GateCoefficients gate, int prefetchAhead);

    /// <summary>Σ a·u and Σ a·u² over a chunk.</summary>
    static abstract BackwardSums BackwardSums(ReadOnlySpan<T> x, ReadOnlySpan<T> g, in GateCoefficients gate);

    /// <summary>
    /// As <see cref="BackwardSums(ReadOnlySpan{T}, ReadOnlySpan{T}, in GateCoefficients)"/>, and keeps s and the
    /// scaled slope a' of every value (same bits as recomputing them) for
    /// <see cref="Backward(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, in GateCoefficients, in BackwardCoefficients, int)"/>.
    /// A kernel may keep nothing; then that method recomputes them. <paramref name="prefetchAhead"/> is a hint, as in
    /// <see cref="Forward"/>: the work after this plane reads x, g and dx that many elements further on.
    /// </summary>
    static abstract BackwardSums BackwardSums(ReadOnlySpan<T> x, ReadOnlySpan<T> g, in GateCoefficients gate, Span<T> keptSigmoid, Span<T> keptWeight, int prefetchAhead);

    /// <summary>
    /// dx elementwise from the values kept by the reduction pass; same bits as recomputing them.
    /// <paramref name="prefetchAhead"/> is the hint of <see cref="Forward"/>, for x and g.
    /// </summary>
    static abstract void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> g, ReadOnlySpan<T> keptSigmoid, ReadOnlySpan<T> keptWeight, Span<T> dx, in GateCoefficients gate, in BackwardCoefficients coefficients, int prefetchAhead);

    /// <summary>
    /// dx elementwise. <paramref name="dx"/> may be <paramref name="x"/> or <paramref name="g"/> itself.
    /// <paramref name="prefetchAhead"/> is the hint of <see cref="Forward"/>, for x and g.
    /// </summary>
    static abstract void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx, in GateCoefficients gate, in BackwardCoefficients coefficients, int prefetchAhead);

    /// <summary>
    /// Gets how many planes of <paramref name="planeSize"/> values one <see cref="ForwardLanes"/> call takes
    /// (one per SIMD lane), or 0 where the kernel has no lane-per-plane path for that size.
    /// </summary>
    static abstract int PlanesPerLaneBatch(int planeSize);

    /// <summary>Gets the length of the index table <see cref="ForwardLanes"/> needs (0 where it has no such path).</summary>
    static abstract int LaneIndexTableLength(int planeSize);

    /// <summary>Fills the index table for <paramref name="planeSize"/>; done once per call, not per batch.</summary>
    static abstract void FillLaneIndexTable(Span<int> table, int planeSize);

    /// <summary>
    /// Forward of <paramref name="batches"/> batches of <see cref="PlanesPerLaneBatch"/> neighbouring planes, each batch
    /// at once with one plane per SIMD lane; their statistics go to <paramref name="statistics"/> unless it is null; a
    /// plane holding NaN or ±∞ gets NaN.
    /// </summary>
    static abstract unsafe void ForwardLanes(T* x, T* y, int planeSize, int batches, ReadOnlySpan<int> indexTable, double lambda, PlaneStatistics* statistics);
}
