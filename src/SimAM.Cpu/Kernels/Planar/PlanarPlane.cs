using System;
using SimAM.Kernels.ChannelVectors;

namespace SimAM.Kernels.Planar;

/// <summary>The whole-plane passes of <see cref="IPlanarKernel{T}"/> composed from its chunk steps.</summary>
internal static class PlanarPlane<T, TKernel>
    where TKernel : IPlanarKernel<T>
{
    public static PlaneStatistics Forward<TEnergy>(ReadOnlySpan<T> x, Span<T> y, double lambda, in EnergyConstants energy)
        where TEnergy : IEnergy
    {
        var statistics = TKernel.Moments(x).ToStatistics();
        if (statistics.IsFinite)
        {
            TKernel.Forward<TEnergy>(x, y, new GateCoefficients(statistics, lambda), energy);
        }

        return statistics;
    }

    public static PlaneStatistics Backward<TEnergy>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx, PlaneStatistics? given, double lambda, in EnergyConstants energy)
        where TEnergy : IEnergy
    {
        var statistics = given ?? TKernel.Moments(x).ToStatistics();
        if (statistics.IsFinite)
        {
            var gate = new GateCoefficients(statistics, lambda);
            var sums = TKernel.BackwardSums<TEnergy>(x, g, gate, energy);
            TKernel.Backward<TEnergy>(x, g, dx, gate, energy, new BackwardCoefficients(sums, x.Length));
        }

        return statistics;
    }
}
