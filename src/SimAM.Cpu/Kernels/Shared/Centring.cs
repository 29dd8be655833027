using System.Runtime.CompilerServices;

namespace SimAM.Kernels;

/// <summary>
/// u = (x − μ)·r without ever forming x − μ in float, which overflows for values near float's range.
/// With FMA: u = fma(x, r, −(μr)_hi) − (μr)_lo, where μr is μ times r <i>as rounded to float</i>, split
/// into two floats; x·r is exact inside the FMA, so u = (x − μ)·r_float up to two roundings. (Rounding
/// μ to a single float instead would shift every u by up to ulp(μ)·r: on x = 100 + noise that alone
/// breaks the 2e-7 bound.) Without FMA the product would be rounded before the cancellation, so there
/// u = (x − μ_hi)·r − μ_lo·r is used, exact for every value whose deviation fits in a float.
/// </summary>
internal readonly struct Centring<TF, TD, TOps>
    where TF : struct
    where TD : struct
    where TOps : ISimdOps<TF, TD>
{
    public Centring(double mean, double root)
    {
        Root = (float)root;
        if (TOps.IsFusedMultiplyAddAccelerated)
        {
            var product = mean * Root;
            var high = (float)product;
            First = -high;
            Second = -(float)(product - high);
        }
        else
        {
            First = (float)mean;
            Second = -(float)(mean - First) * Root;
        }
    }

    /// <summary>Gets r rounded to float.</summary>
    public float Root { get; }

    /// <summary>Gets −(μr)_hi with FMA, μ_hi without.</summary>
    public float First { get; }

    /// <summary>Gets −(μr)_lo with FMA, −μ_lo·r without.</summary>
    public float Second { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF Apply(TF x, TF first, TF root, TF second) =>
        TOps.IsFusedMultiplyAddAccelerated
            ? TOps.Add(TOps.MultiplyAdd(x, root, first), second)
            : TOps.MultiplyAdd(TOps.Subtract(x, first), root, second);
}
