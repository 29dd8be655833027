using System;
using SimAM.Kernels.ChannelVectors;

namespace SimAM.Kernels.Planar;

/// <summary>
/// The planar kernels of the variant- and type-generic channels-first path (the exact variant, and every
/// Half tensor): <see cref="IPlaneKernel{T}"/> plus the energy formula as a type argument and its
/// plane-size constants. The fast variant on float delegates to the <see cref="IPlaneKernel{T}"/>
/// kernels themselves, so a Half tensor runs exactly the float code of its SIMD path.
/// </summary>
/// <typeparam name="T">The element type (float, double or Half).</typeparam>
internal interface IPlanarKernel<T>
{
    /// <summary>Count, mean and centred sum of squares of a chunk.</summary>
    static abstract ChunkMoments Moments(ReadOnlySpan<T> x);

    /// <summary>y = x·sigmoid(E). <paramref name="y"/> is <paramref name="x"/> itself or does not overlap it.</summary>
    static abstract void Forward<TEnergy>(ReadOnlySpan<T> x, Span<T> y, in GateCoefficients gate, in EnergyConstants energy)
        where TEnergy : IEnergy;

    /// <summary>Σ a′·u and Σ a′·u² over a chunk (a′ = g·x·s(1 − s), divided by d² in the exact variant).</summary>
    static abstract BackwardSums BackwardSums<TEnergy>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, in GateCoefficients gate, in EnergyConstants energy)
        where TEnergy : IEnergy;

    /// <summary>
    /// dx elementwise: g·s + β²·(u·(2r·a′ − D) − B) with the planar <see cref="BackwardCoefficients"/> (β = 1
    /// in the fast variant). <paramref name="dx"/> may be <paramref name="x"/> or <paramref name="g"/> itself.
    /// </summary>
    static abstract void Backward<TEnergy>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx, in GateCoefficients gate, in EnergyConstants energy, in BackwardCoefficients coefficients)
        where TEnergy : IEnergy;

    /// <summary>
    /// The whole forward pass of a plane that is one chunk: its statistics (returned) and, when they are
    /// finite, y. Same bits as <see cref="Moments"/> then <see cref="Forward"/>; a converting kernel
    /// converts the plane once instead of twice (<see cref="PlanarPlane{T,TKernel}"/> for the others).
    /// </summary>
    static abstract PlaneStatistics ForwardPlane<TEnergy>(ReadOnlySpan<T> x, Span<T> y, double lambda, in EnergyConstants energy)
        where TEnergy : IEnergy;

    /// <summary>
    /// The whole backward pass of a plane that is one chunk, with the given statistics or (when
    /// <paramref name="given"/> is null) its own; returns the statistics, and writes dx only when they are finite.
    /// </summary>
    static abstract PlaneStatistics BackwardPlane<TEnergy>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx, PlaneStatistics? given, double lambda, in EnergyConstants energy)
        where TEnergy : IEnergy;
}
