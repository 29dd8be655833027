using System;

namespace SimAM.Kernels;

/// <summary>
/// The power of two the float backward kernels of the channels-last layout and the exact variant scale x by before
/// g multiplies it: σ = 2^⌊log2 r′⌋ for the gate's scale r′ = r·√log2(e), and at least 2^-126 (float's least normal
/// number). The reference's weight g·x·s(1 − s) overflows float once |g·x| passes 3.4e38, even where dx itself is
/// small; g·(x·σ)·s(1 − s) stays of the order of g·(x − μ)·r, and because σ is a power of two, x·σ is exact and
/// every later rounding is the one the unscaled product would have had. The gradient tables divide σ back out
/// in double (<c>P/σ</c> and the sums over σ), so results are the same bits as without the scaling wherever no
/// product over- or underflows.
/// </summary>
internal static class WeightScale
{
    /// <summary>The exponent field of a float.</summary>
    public const int ExponentBits = 0x7F800000;

    /// <summary>The bits of 2^-126, float's least normal number.</summary>
    public const int LeastNormalBits = 0x00800000;

    /// <summary>σ for the gate's scale <paramref name="scaledRoot"/> (r′ ≥ 0, or 0 for a constant plane).</summary>
    public static float Of(float scaledRoot) =>
        BitConverter.Int32BitsToSingle(Math.Max(BitConverter.SingleToInt32Bits(scaledRoot) & ExponentBits, LeastNormalBits));
}
