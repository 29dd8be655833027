using System.Runtime.CompilerServices;

namespace SimAM.Kernels;

/// <summary>
/// The denominator 1 + exp(−E) of SimAM's gate, specialised to its range E ≥ 1/2 and evaluated in
/// vector registers. Callers pass t = −E·log2(e) (they fold log2(e) into constants they already
/// multiply by) and divide by the result: y = x / (1 + 2^t).
/// </summary>
/// <remarks>
/// <para>
/// t ≤ −0.72 splits into n = round(t) and f = t − n ∈ [−½, ½]; 2^f comes from a degree-5 polynomial
/// (Remez fit of the relative error: 7.5e-8 in exact arithmetic, 2.1e-7 measured with float32 Horner
/// steps over [−½, ½]), and 2^n goes straight into the exponent. With AVX-512 that is vrndscaleps and
/// vscalefps; elsewhere adding 1.5·2^23 rounds t and leaves n in the low mantissa bits, from where a
/// shift adds it to the exponent field (<see cref="ISimdOps{TF,TD}.SplitExponent"/>).
/// </para>
/// <para>
/// Why this is accurate enough: with e = exp(−E) and s = 1/(1+e), a relative error ε in e moves s
/// by s²·e·ε ≤ s(1−s)·ε ≤ 0.235·ε, so the polynomial costs at most 5e-8·|x| in y = x·s. An error in t
/// itself is an absolute error in the exponent, i.e. a relative error of e growing like |t|·2^-24·ln 2
/// while e shrinks as exp(−E); their product stays below 2e-8. Where 2^n goes into the exponent field by
/// integer arithmetic, t is clamped at −125 so that 2^n stays a normal number; there e &lt; 2^-124 and 1 + e
/// rounds to 1 anyway. vscalefps needs no clamp for finite t (<see cref="Exp2OfFinite"/>).
/// </para>
/// </remarks>
internal static class FastSigmoid
{
    /// <summary>log2(e).</summary>
    public const double Log2E = 1.4426950408889634;

    /// <summary>−½·log2(e): with u scaled by √log2(e), t = −E·log2(e) = −u² − ½·log2(e).</summary>
    public const float NegativeHalfLog2E = (float)(-0.5 * Log2E);

    private const float SmallestExponent = -125f;

    // 2^f ≈ C0 + C1 f + … + C5 f^5 on [−0.5, 0.5]
    private const float C0 = 1.0000001192092896f;
    private const float C1 = 0.6931469440460205f;
    private const float C2 = 0.24022120237350464f;
    private const float C3 = 0.05550713092088699f;
    private const float C4 = 0.009675540961325169f;
    private const float C5 = 0.0013276472454890609f;

    /// <summary>
    /// The sigmoid above which the channels-last backward forms its slope s(1 − s) as e·s² (e = 2^t) rather than from
    /// the rounded s. 1 − s from a rounded s keeps few of its bits near s = 1, and on planes far from zero x ≈ μ
    /// multiplies that error into terms that the gradient's corrections cancel: 1,024 planes of 25–49 values at
    /// x = 100–1000 + noise reached 1.3–1.55× the backward bound in the fast variant and 2–3× in the exact one. Below it,
    /// e·s² would carry the rounding of e's polynomial instead, which cost the fast variant the bound on planes of two
    /// values (s ≈ 0.65 there; channels first runs such planes in double).
    /// </summary>
    public const float SlopeSwitch = 0.75f;

    /// <summary>1 + 2^t for t ≤ 0 (or −∞); never NaN for such inputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF Denominator<TF, TD, TOps>(TF t)
        where TF : struct
        where TD : struct
        where TOps : ISimdOps<TF, TD>
        => TOps.Add(TOps.Create(1f), Exp2<TF, TD, TOps>(t));

    /// <summary>
    /// The forward gate y = x / (1 + 2^t) with t = −u² − ½·log2(e), for u = (x − μ)·r·√log2(e). Both float
    /// forward kernels (plane at a time and lane per plane) gate through this one method, so a plane's output
    /// depends only on its constants, whichever kernel ran it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF Gate<TF, TD, TOps>(TF x, TF scaledU, TF negativeHalfLog2E)
        where TF : struct
        where TD : struct
        where TOps : ISimdOps<TF, TD>
        => TOps.Divide(x, TOps.Add(TOps.Create(1f), Exp2OfFinite<TF, TD, TOps>(TOps.NegatedMultiplyAdd(scaledU, scaledU, negativeHalfLog2E))));

    /// <summary>e = 2^t = exp(−E) for t ≤ 0 (or −∞), relative error below 2.1e-7; never NaN for such inputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF Exp2<TF, TD, TOps>(TF t)
        where TF : struct
        where TD : struct
        where TOps : ISimdOps<TF, TD>
        => Exp2Core<TF, TD, TOps>(TOps.Max(t, TOps.Create(SmallestExponent)));

    /// <summary>
    /// As <see cref="Exp2{TF, TD, TOps}"/> for finite t ≤ 0, without the clamp where the width takes any exponent
    /// (<see cref="ISimdOps{TF, TD}.ScalesAnyExponent"/>): one instruction of about thirteen in the forward gate.
    /// The plane kernels' t = −u² − ½·log2(e) is always finite, since |u| = |x − μ|·r ≤ √(S − 1)/2 for a plane with
    /// finite statistics (a plane without them is filled with NaN, whatever its lanes computed).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF Exp2OfFinite<TF, TD, TOps>(TF t)
        where TF : struct
        where TD : struct
        where TOps : ISimdOps<TF, TD>
        => Exp2Core<TF, TD, TOps>(TOps.ScalesAnyExponent ? t : TOps.Max(t, TOps.Create(SmallestExponent)));

    /// <summary>2^t for a t that <see cref="ISimdOps{TF, TD}.SplitExponent"/> of this width takes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF Exp2Core<TF, TD, TOps>(TF t)
        where TF : struct
        where TD : struct
        where TOps : ISimdOps<TF, TD>
    {
        var f = TOps.SplitExponent(t, out var whole);

        var p = TOps.MultiplyAdd(TOps.Create(C5), f, TOps.Create(C4));
        p = TOps.MultiplyAdd(p, f, TOps.Create(C3));
        p = TOps.MultiplyAdd(p, f, TOps.Create(C2));
        p = TOps.MultiplyAdd(p, f, TOps.Create(C1));
        p = TOps.MultiplyAdd(p, f, TOps.Create(C0));

        return TOps.ScaleByPowerOfTwo(p, whole);
    }
}
