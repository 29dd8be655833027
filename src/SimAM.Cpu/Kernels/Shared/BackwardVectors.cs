using System.Runtime.CompilerServices;

namespace SimAM.Kernels;

/// <summary>
/// A plane's backward constants in vectors, and the per-value steps of the backward pass built on them: u, s and
/// its slope, and a'. The backward pass needs u itself (not scaled by √log2(e) as the forward gate does), so it has
/// its own constants. The plane kernel fills every lane with one plane's constants; the lane-per-plane kernel gives
/// each lane its own plane's.
/// </summary>
internal readonly struct BackwardVectors<TF, TD, TOps>
    where TF : struct
    where TD : struct
    where TOps : ISimdOps<TF, TD>
{
    private const float NegativeLog2E = (float)-FastSigmoid.Log2E;

    private readonly TF _first;
    private readonly TF _root;
    private readonly TF _second;
    private readonly TF _twoRoot;

    public BackwardVectors(in GateCoefficients gate)
    {
        var centring = new Centring<TF, TD, TOps>(gate.Mean, gate.Root);
        _first = TOps.Create(centring.First);
        _root = TOps.Create(centring.Root);
        _second = TOps.Create(centring.Second);
        _twoRoot = TOps.Create((float)(2 * gate.Root));
        One = TOps.Create(1f);
    }

    /// <summary>From constants already rounded as <see cref="Centring{TF, TD, TOps}"/> rounds them, and 2r as a float.</summary>
    public BackwardVectors(TF first, TF root, TF second, TF twoRoot)
    {
        _first = first;
        _root = root;
        _second = second;
        _twoRoot = twoRoot;
        One = TOps.Create(1f);
    }

    public TF One { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF Centred(TF x) => Centring<TF, TD, TOps>.Apply(x, _first, _root, _second);

    /// <summary>
    /// a' = 2r·a = g·(x·2r)·s(1 − s). Scaling by 2r before multiplying by g keeps every factor of
    /// order one: g·x alone overflows float for |g·x| &gt; 3.4e38 even when dx is small.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF ScaledWeight(TF x, TF g, TF slope) =>
        TOps.Multiply(g, TOps.Multiply(TOps.Multiply(x, _twoRoot), slope));

    /// <summary>
    /// s = 1/(1 + e) and its slope s(1 − s), the latter as e·s² from e = exp(−E) itself: 1 − s
    /// formed in float loses the relative precision of a small slope (s near 1), and on planes far
    /// from zero the backward pass multiplies the slope by x ≈ μ.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Sigmoid(TF u, out TF s, out TF slope)
    {
        var t = TOps.MultiplyAdd(u, TOps.Multiply(u, TOps.Create(NegativeLog2E)), TOps.Create(FastSigmoid.NegativeHalfLog2E));
        var e = FastSigmoid.Exp2OfFinite<TF, TD, TOps>(t);
        s = TOps.Divide(One, TOps.Add(One, e));
        slope = TOps.Multiply(TOps.Multiply(e, s), s);
    }

    /// <summary>
    /// The reduction pass's step for a vector of x and g: u, s, the scaled slope a', and the products a'·u and
    /// a'·u² it sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weighted(TF x, TF g, out TF weightedU, out TF weightedUSquared, out TF sigmoid, out TF weight)
    {
        var u = Centred(x);
        Sigmoid(u, out sigmoid, out var slope);
        weight = ScaledWeight(x, g, slope);
        weightedU = TOps.Multiply(weight, u);
        weightedUSquared = TOps.Multiply(weightedU, u);
    }
}
