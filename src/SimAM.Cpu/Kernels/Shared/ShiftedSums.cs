using System.Runtime.CompilerServices;

namespace SimAM.Kernels;

/// <summary>
/// The step of every one-pass moments loop: the deviations d = x − c of a widened vector from its origin c, added
/// into Σd and Σd², all in double. With c a value of the chunk, μ = c + Σd/n and M2 = Σd² − (Σd)²/n lose nothing
/// that matters (VectorizedPlaneKernel's ShiftedMoments and ChannelSteps.ChunkMoments say why).
/// </summary>
internal static class ShiftedSums<TF, TD, TOps>
    where TF : struct
    where TD : struct
    where TOps : ISimdOps<TF, TD>
{
    /// <summary>Adds the deviations of both halves of a vector; each half has its own origin (per lane, or one broadcast value).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(TD lower, TD upper, TD originLower, TD originUpper, ref TD sumLower, ref TD sumUpper, ref TD squaresLower, ref TD squaresUpper)
    {
        lower = TOps.SubtractDouble(lower, originLower);
        upper = TOps.SubtractDouble(upper, originUpper);
        sumLower = TOps.AddDouble(sumLower, lower);
        sumUpper = TOps.AddDouble(sumUpper, upper);
        squaresLower = TOps.MultiplyAddDouble(lower, lower, squaresLower);
        squaresUpper = TOps.MultiplyAddDouble(upper, upper, squaresUpper);
    }
}
