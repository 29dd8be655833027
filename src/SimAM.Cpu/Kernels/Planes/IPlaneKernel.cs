using System;

namespace SimAM.Kernels.Planes;

/// <summary>
/// What the plane scheduler asks of a channels-first kernel, one chunk or plane at a time. Implemented once per
/// element type and SIMD strategy; the gate variant is a type argument of each pass (<see cref="FastEnergy"/> or
/// <see cref="ExactEnergy"/>), so the JIT keeps only the variant a call runs.
/// </summary>
/// <typeparam name="T">The element type of the tensor.</typeparam>
internal interface IPlaneKernel<T>
    where T : unmanaged
{
    /// <summary>Count, mean and centred sum of squares of a chunk (the same for both variants).</summary>
    static abstract ChunkMoments Moments(ReadOnlySpan<T> x);

    /// <summary>
    /// y = x·sigmoid(E). <paramref name="y"/> is <paramref name="x"/> itself or does not overlap it.
    /// <paramref name="prefetchAhead"/> is a hint: the work after this call reads x that many elements
    /// further on (0: nothing to prefetch). Kernels that cannot use it ignore it.
    /// </summary>
    static abstract void Forward<TVariant>(ReadOnlySpan<T> x, Span<T> y, in GateCoefficients gate, in EnergyConstants energy, int prefetchAhead, bool streaming)
        where TVariant : IEnergy;

    /// <summary>Σ a′·u and Σ a′·u² over a chunk (a′ = 2r·g·x·s(1 − s), divided by d² in the exact variant).</summary>
    static abstract BackwardSums BackwardSums<TVariant>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, in GateCoefficients gate, in EnergyConstants energy)
        where TVariant : IEnergy;

    /// <summary>
    /// Gets a value indicating whether the backward pass of a one-chunk plane keeps s and a' from its reduction pass
    /// (the overloads that take kept values); otherwise (the default) its elementwise pass recomputes them.
    /// </summary>
    static virtual bool KeepsValues => false;

    /// <summary>
    /// As the other overload, and keeps s and the scaled slope a' of every value (same bits as recomputing them) for
    /// the elementwise pass that takes them; only called where <see cref="KeepsValues"/> is set.
    /// <paramref name="prefetchAhead"/> is a hint, as in <see cref="Forward"/>: the work after this plane reads x, g
    /// and dx that many elements further on.
    /// </summary>
    static virtual BackwardSums BackwardSums<TVariant>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, in GateCoefficients gate, in EnergyConstants energy, Span<T> keptSigmoid, Span<T> keptWeight, int prefetchAhead)
        where TVariant : IEnergy => throw new NotSupportedException("This kernel keeps no values.");

    /// <summary>dx elementwise from the values kept by the reduction pass; same bits as recomputing them.</summary>
    static virtual void Backward<TVariant>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, ReadOnlySpan<T> keptSigmoid, ReadOnlySpan<T> keptWeight, Span<T> dx, in GateCoefficients gate, in EnergyConstants energy, in BackwardCoefficients coefficients, int prefetchAhead, bool streaming)
        where TVariant : IEnergy => throw new NotSupportedException("This kernel keeps no values.");

    /// <summary>
    /// dx elementwise: g·s + β²·(u·(a′ − D) − B) (β = 1 in the fast variant). <paramref name="dx"/> may be
    /// <paramref name="x"/> or <paramref name="g"/> itself. <paramref name="prefetchAhead"/> is the hint of <see cref="Forward"/>.
    /// </summary>
    static abstract void Backward<TVariant>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx, in GateCoefficients gate, in EnergyConstants energy, in BackwardCoefficients coefficients, int prefetchAhead, bool streaming)
        where TVariant : IEnergy;

    /// <summary>
    /// Gets how many planes of <paramref name="planeSize"/> values one <see cref="ForwardLanes"/> or <see cref="BackwardLanes"/> call takes
    /// (one per SIMD lane), or 0 where the kernel has no lane-per-plane path for that size (the default).
    /// </summary>
    static virtual int PlanesPerLaneBatch(int planeSize) => 0;

    /// <summary>Gets the length of the index table <see cref="ForwardLanes"/> and <see cref="BackwardLanes"/> need.</summary>
    static virtual int LaneIndexTableLength(int planeSize) => 0;

    /// <summary>Fills the index table for <paramref name="planeSize"/>; done once per call, not per batch.</summary>
    static virtual void FillLaneIndexTable(Span<int> table, int planeSize)
    {
    }

    /// <summary>
    /// The forward pass of <paramref name="batches"/> batches of <see cref="PlanesPerLaneBatch"/> neighbouring planes,
    /// one plane per SIMD lane, in either variant; only called where that is not 0.
    /// </summary>
    static virtual unsafe void ForwardLanes<TVariant>(T* x, T* y, int planeSize, int batches, ReadOnlySpan<int> indexTable, double lambda, PlaneStatistics* statistics, bool streaming)
        where TVariant : IEnergy =>
        throw new NotSupportedException("This kernel has no lane-per-plane path.");

    /// <summary>
    /// The backward pass of <paramref name="batches"/> batches of <see cref="PlanesPerLaneBatch"/> neighbouring planes,
    /// one plane per SIMD lane, in either variant, with the forward pass's <paramref name="statistics"/> or (null)
    /// statistics computed as <see cref="ForwardLanes"/> computes them; only called where that is not 0.
    /// <paramref name="dx"/> may be <paramref name="x"/> or <paramref name="g"/> itself.
    /// </summary>
    static virtual unsafe void BackwardLanes<TVariant>(T* x, T* g, T* dx, int planeSize, int batches, ReadOnlySpan<int> indexTable, double lambda, PlaneStatistics* statistics)
        where TVariant : IEnergy =>
        throw new NotSupportedException("This kernel has no lane-per-plane path.");

    /// <summary>
    /// Gets a value indicating whether planes of one chunk go through <see cref="ForwardPlane"/> and
    /// <see cref="BackwardPlane"/> (a converting kernel converts such a plane once for all its passes).
    /// </summary>
    static virtual bool FusesPlanes => false;

    /// <summary>A whole one-chunk plane forward: returns its statistics, and writes y only when they are finite.</summary>
    static virtual PlaneStatistics ForwardPlane<TVariant>(ReadOnlySpan<T> x, Span<T> y, double lambda, in EnergyConstants energy, bool streaming)
        where TVariant : IEnergy => throw new NotSupportedException("Only kernels that fuse planes run whole planes.");

    /// <summary>
    /// A whole one-chunk plane backward, with the given statistics or (when <paramref name="given"/> is null) its own;
    /// returns the statistics, and writes dx only when they are finite.
    /// </summary>
    static virtual PlaneStatistics BackwardPlane<TVariant>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx, PlaneStatistics? given, double lambda, in EnergyConstants energy, bool streaming)
        where TVariant : IEnergy => throw new NotSupportedException("Only kernels that fuse planes run whole planes.");
}
