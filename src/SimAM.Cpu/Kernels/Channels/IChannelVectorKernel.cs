using System;

namespace SimAM.Kernels.Channels;

/// <summary>
/// The kernels of the channel-vector path, where vectors run across the channels of a channels-last
/// sample: what its scheduler asks of them, one chunk of whole rows at a time. Spans start at lane 0 (a multiple of <see cref="ChannelLanes.PeriodRows"/> rows into the
/// sample); tables are <see cref="ChannelLanes.TableLength"/> lanes long, lane m belonging to channel m mod C.
/// </summary>
/// <typeparam name="T">The element type of the tensor (float, double or Half).</typeparam>
/// <typeparam name="TLane">The element type of the gate tables (float, or double for double tensors).</typeparam>
internal interface IChannelVectorKernel<T, TLane>
{
    /// <summary>Gets the vector width in elements (1 for kernels without their own vectors).</summary>
    static abstract int Width { get; }

    /// <summary>Gets the smallest table period the kernel wants (see <see cref="ChannelLanes"/>).</summary>
    static abstract int MinimumPeriod { get; }

    /// <summary>
    /// Gets the power of two σ the kernel scales x by in its backward weight a° = g·(x·σ)·s(1 − s), for a channel
    /// whose gate scale (the gate's second table) is <paramref name="scaledRoot"/>: <see cref="WeightScale.Of"/> for
    /// float arithmetic, 1 for double, whose range the products of float-sized values cannot leave.
    /// </summary>
    static abstract double WeightScaleOf(TLane scaledRoot);

    /// <summary>
    /// Adds the deviation d = x − origin and d² into their lanes of <paramref name="sums"/> and <paramref name="squares"/>,
    /// d formed in double; <paramref name="origins"/> is per lane (see <see cref="Scheduling.Channels.ChannelSteps{T, TLane, TKernel}.ChunkMoments"/>).
    /// </summary>
    static abstract void AddDeviations(ReadOnlySpan<T> x, in ChannelLanes lanes, ReadOnlySpan<double> origins, Span<double> sums, Span<double> squares);

    /// <summary>
    /// y = x·sigmoid(E). <paramref name="gate"/> holds three tables (μ_high, r·√log2 e, μ_low term); y is x
    /// itself or does not overlap it. Vector kernels ask for the lines of x <paramref name="prefetchAhead"/> elements on
    /// (0: none, and then no prefetch at all) as they go: the scheduler points that at the same chunk of the next sample,
    /// which it reduces right after.
    /// </summary>
    static abstract void Forward<TEnergy>(ReadOnlySpan<T> x, Span<T> y, in ChannelLanes lanes, ReadOnlySpan<TLane> gate, in EnergyConstants energy, int prefetchAhead, bool streaming)
        where TEnergy : IEnergy;

    /// <summary>
    /// Adds a°·z and a°·z² into their lanes: a° = g·(x·σ)·s(1 − s), divided by d² in the exact variant, with σ of
    /// <see cref="WeightScaleOf"/> for the lane's channel.
    /// </summary>
    static abstract void AddGradientSums<TEnergy>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, in ChannelLanes lanes, ReadOnlySpan<TLane> gate, in EnergyConstants energy, Span<double> weighted, Span<double> weightedSquares)
        where TEnergy : IEnergy;

    /// <summary>
    /// dx = g·s + z·(P·a° − D) − B elementwise, a° as in <see cref="AddGradientSums"/>; <paramref name="gradient"/>
    /// holds the tables P, −D, −B (P with σ divided out).
    /// dx may be x or g itself.
    /// </summary>
    static abstract void Backward<TEnergy>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx, in ChannelLanes lanes, ReadOnlySpan<TLane> gate, ReadOnlySpan<TLane> gradient, in EnergyConstants energy, bool streaming)
        where TEnergy : IEnergy;
}
