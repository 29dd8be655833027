using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SimAM.Kernels;

/// <summary>512-bit operations (AVX-512F): 16 floats per vector.</summary>
internal readonly struct SimdOps512 : ISimdOps<Vector512<float>, Vector512<double>>
{
    public static int Count => Vector512<float>.Count;

    public static bool IsFusedMultiplyAddAccelerated => Avx512F.IsSupported;

    public static bool ScalesAnyExponent => Avx512F.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source, nuint index) => Vector512.LoadUnsafe(ref source, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination, nuint index) => value.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreStreaming(Vector512<float> value, float* destination) => Vector512.StoreAlignedNonTemporal(value, destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Create(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> left, Vector512<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> left, Vector512<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> left, Vector512<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> left, Vector512<float> right, Vector512<float> addend) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(left, right, addend) : (left * right) + addend;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> NegatedMultiplyAdd(Vector512<float> left, Vector512<float> right, Vector512<float> addend) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAddNegated(left, right, addend) : addend - (left * right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> left, Vector512<float> right) =>
        Avx512F.IsSupported ? Avx512F.Max(left, right) : Vector512.Max(left, right);

    public static Vector512<float> SelectGreater(Vector512<float> left, Vector512<float> right, Vector512<float> ifGreater, Vector512<float> otherwise) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(left, right), ifGreater, otherwise);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Divide(Vector512<float> left, Vector512<float> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> KeepLanesFrom(Vector512<float> value, int firstLane) =>
        Vector512.GreaterThanOrEqual(LaneIndices.Single512, Vector512.Create((float)firstLane)) & value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SplitExponent(Vector512<float> t, out Vector512<float> whole)
    {
        if (Avx512F.IsSupported)
        {
            whole = Avx512F.RoundScale(t, 0); // imm 0: round to nearest even, keep 0 fraction bits
            return t - whole;
        }

        whole = t + Vector512.Create(RoundingMagic);
        return t - (whole - Vector512.Create(RoundingMagic));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> PowerOfTwoFloor(Vector512<float> value) =>
        Vector512.Max(value.AsInt32() & Vector512.Create(WeightScale.ExponentBits), Vector512.Create(WeightScale.LeastNormalBits)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ScaleByPowerOfTwo(Vector512<float> mantissa, Vector512<float> whole) =>
        Avx512F.IsSupported
            ? Avx512F.Scale(mantissa, whole) // vscalefps: mantissa · 2^floor(whole), whole already integral
            : (mantissa.AsInt32() + Vector512.ShiftLeft(whole.AsInt32(), 23)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadWidened(ref float source, nuint index, out Vector512<double> lower, out Vector512<double> upper)
    {
        if (Avx512F.IsSupported)
        {
            // vcvtps2pd zmm, m256: the load folds into the conversion, no extract needed.
            lower = Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref source, index));
            upper = Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref source, index + 8));
            return;
        }

        Widen(Vector512.LoadUnsafe(ref source, index), out lower, out upper);
    }

    /// <summary>1.5·2^23: adding it rounds a float of magnitude below 2^22 to an integer, kept in the low mantissa bits.</summary>
    private const float RoundingMagic = 12582912f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Widen(Vector512<float> value, out Vector512<double> lower, out Vector512<double> upper)
    {
        lower = Vector512.WidenLower(value);
        upper = Vector512.WidenUpper(value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WidenFrom(Vector512<float> value, int firstLane, Vector512<double> fill, out Vector512<double> lower, out Vector512<double> upper)
    {
        var threshold = Vector512.Create((double)firstLane);
        lower = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(LaneIndices.Lower512, threshold), Vector512.WidenLower(value), fill);
        upper = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(LaneIndices.Upper512, threshold), Vector512.WidenUpper(value), fill);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> CreateDouble(double value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> AddDouble(Vector512<double> left, Vector512<double> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> SubtractDouble(Vector512<double> left, Vector512<double> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> MultiplyAddDouble(Vector512<double> left, Vector512<double> right, Vector512<double> addend) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(left, right, addend) : (left * right) + addend;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double SumDouble(Vector512<double> value)
    {
        // Halves, quarters, then the last pair: three shuffles and three adds. Vector512.Sum sums each 128-bit
        // block on its own and takes about twenty instructions, which showed up in kernels that sum once per plane.
        var quarters = value.GetLower() + value.GetUpper();
        var pair = quarters.GetLower() + quarters.GetUpper();
        return pair.ToScalar() + pair.GetElement(1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> MultiplyDouble(Vector512<double> left, Vector512<double> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> DivideDouble(Vector512<double> left, Vector512<double> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> SqrtDouble(Vector512<double> value) => Vector512.Sqrt(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Narrow(Vector512<double> lower, Vector512<double> upper) => Vector512.Narrow(lower, upper);

    public static bool IsGatherAccelerated => Avx512F.IsSupported && Avx2.IsSupported;

    /// <remarks>.NET exposes no 512-bit gather, so two 256-bit gathers fill the halves.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<float> Gather(float* source, Vector512<float> indices) =>
        IsGatherAccelerated
            ? Vector512.Create(
                Avx2.GatherVector256(source, indices.GetLower().AsInt32(), sizeof(float)),
                Avx2.GatherVector256(source, indices.GetUpper().AsInt32(), sizeof(float)))
            : throw new PlatformNotSupportedException();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Permute(Vector512<float> table, Vector512<float> indices) =>
        IsGatherAccelerated ? Avx512F.PermuteVar16x32(table, indices.AsInt32()) : throw new PlatformNotSupportedException();
}
