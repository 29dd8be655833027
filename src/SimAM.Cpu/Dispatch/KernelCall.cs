using System;
using SimAM.Validation;

namespace SimAM.Dispatch;

/// <summary>
/// One call's arguments after validation, as pointers (so that a generic method can carry them through the
/// dispatch switches): x, ∂L/∂y (backward only), the output, the statistics, the geometry and the options.
/// </summary>
internal readonly unsafe struct KernelCall<T>(T* x, T* g, T* y, int length, PlaneStatistics* statistics, int statisticsLength, TensorGeometry geometry, double lambda, SimAmOptions options, bool backward)
    where T : unmanaged
{
    public TensorGeometry Geometry => geometry;

    public double Lambda => lambda;

    public SimAmOptions Options => options;

    public bool IsBackward => backward;

    public int Threads => options.EffectiveDegreeOfParallelism;

    /// <summary>
    /// Gets a value indicating whether the output is written with non-temporal stores: what <see cref="SimAmOptions.Stores"/>
    /// asks for, where Auto weighs every tensor the call reads and writes against the cache, for the calls where
    /// streaming pays (see <see cref="Scheduling.StorePolicy.Streams"/>).
    /// </summary>
    public bool Streams => Scheduling.StorePolicy.Streams(
        options.Stores,
        (long)length * sizeof(T) * (backward ? 3 : 2),
        inPlace: y == x || (backward && y == g),
        planesInL1: options.Layout == SimAmLayout.ChannelsFirst && new Scheduling.ChunkLayout(geometry.PlaneSize).ChunksPerPlane == 1);

    /// <summary>Tells whether an exact-variant call has planes small enough to run in double.</summary>
    public bool IsSmallExact => options.Variant == SimAmVariant.Exact && geometry.PlaneSize <= Kernels.EnergyConstants.SmallExactPlane;

    /// <summary>Gets x as elements of <typeparamref name="TElement"/>, the type <typeparamref name="T"/> is.</summary>
    public ReadOnlySpan<TElement> Input<TElement>()
        where TElement : unmanaged => new(x, length);

    /// <summary>Gets ∂L/∂y (backward calls only).</summary>
    public ReadOnlySpan<TElement> GradOutput<TElement>()
        where TElement : unmanaged => new(g, length);

    /// <summary>Gets y or ∂L/∂x.</summary>
    public Span<TElement> Output<TElement>()
        where TElement : unmanaged => new(y, length);

    public Span<PlaneStatistics> Statistics => new(statistics, statisticsLength);
}
