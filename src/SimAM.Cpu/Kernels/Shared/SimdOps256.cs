using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SimAM.Kernels;

/// <summary>256-bit operations (AVX2 + FMA): 8 floats per vector.</summary>
internal readonly struct SimdOps256 : ISimdOps<Vector256<float>, Vector256<double>>
{
    public static int Count => Vector256<float>.Count;

    public static bool IsFusedMultiplyAddAccelerated => Fma.IsSupported;

    public static bool ScalesAnyExponent => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source, nuint index) => Vector256.LoadUnsafe(ref source, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination, nuint index) => value.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreStreaming(Vector256<float> value, float* destination) => Vector256.StoreAlignedNonTemporal(value, destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Create(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> left, Vector256<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> left, Vector256<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> left, Vector256<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> left, Vector256<float> right, Vector256<float> addend) =>
        Fma.IsSupported ? Fma.MultiplyAdd(left, right, addend) : (left * right) + addend;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> NegatedMultiplyAdd(Vector256<float> left, Vector256<float> right, Vector256<float> addend) =>
        Fma.IsSupported ? Fma.MultiplyAddNegated(left, right, addend) : addend - (left * right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> left, Vector256<float> right) =>
        Avx.IsSupported ? Avx.Max(left, right) : Vector256.Max(left, right);

    public static Vector256<float> SelectGreater(Vector256<float> left, Vector256<float> right, Vector256<float> ifGreater, Vector256<float> otherwise) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(left, right), ifGreater, otherwise);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Divide(Vector256<float> left, Vector256<float> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> KeepLanesFrom(Vector256<float> value, int firstLane) =>
        Vector256.GreaterThanOrEqual(LaneIndices.Single256, Vector256.Create((float)firstLane)) & value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SplitExponent(Vector256<float> t, out Vector256<float> whole)
    {
        // Adding 1.5·2^23 rounds t to an integer n held in the low mantissa bits of whole.
        whole = t + Vector256.Create(RoundingMagic);
        return t - (whole - Vector256.Create(RoundingMagic));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> PowerOfTwoFloor(Vector256<float> value) =>
        Vector256.Max(value.AsInt32() & Vector256.Create(WeightScale.ExponentBits), Vector256.Create(WeightScale.LeastNormalBits)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ScaleByPowerOfTwo(Vector256<float> mantissa, Vector256<float> whole) =>
        // whole's bits are 0x4B400000 + n; shifting left by 23 drops the constant (its low 9 bits are
        // zero) and leaves n << 23, which adds n to the exponent field.
        (mantissa.AsInt32() + Vector256.ShiftLeft(whole.AsInt32(), 23)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadWidened(ref float source, nuint index, out Vector256<double> lower, out Vector256<double> upper)
    {
        if (Avx.IsSupported)
        {
            // vcvtps2pd ymm, m128: the load folds into the conversion.
            lower = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref source, index));
            upper = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref source, index + 4));
            return;
        }

        Widen(Vector256.LoadUnsafe(ref source, index), out lower, out upper);
    }

    /// <summary>1.5·2^23: adding it rounds a float of magnitude below 2^22 to an integer, kept in the low mantissa bits.</summary>
    private const float RoundingMagic = 12582912f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Widen(Vector256<float> value, out Vector256<double> lower, out Vector256<double> upper)
    {
        lower = Vector256.WidenLower(value);
        upper = Vector256.WidenUpper(value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WidenFrom(Vector256<float> value, int firstLane, Vector256<double> fill, out Vector256<double> lower, out Vector256<double> upper)
    {
        var threshold = Vector256.Create((double)firstLane);
        lower = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(LaneIndices.Lower256, threshold), Vector256.WidenLower(value), fill);
        upper = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(LaneIndices.Upper256, threshold), Vector256.WidenUpper(value), fill);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> CreateDouble(double value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> AddDouble(Vector256<double> left, Vector256<double> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> SubtractDouble(Vector256<double> left, Vector256<double> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> MultiplyAddDouble(Vector256<double> left, Vector256<double> right, Vector256<double> addend) =>
        Fma.IsSupported ? Fma.MultiplyAdd(left, right, addend) : (left * right) + addend;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double SumDouble(Vector256<double> value)
    {
        // Halves, then the last pair, as in SimdOps512.SumDouble.
        var pair = value.GetLower() + value.GetUpper();
        return pair.ToScalar() + pair.GetElement(1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> MultiplyDouble(Vector256<double> left, Vector256<double> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> DivideDouble(Vector256<double> left, Vector256<double> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> SqrtDouble(Vector256<double> value) => Vector256.Sqrt(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Narrow(Vector256<double> lower, Vector256<double> upper) => Vector256.Narrow(lower, upper);

    public static bool IsGatherAccelerated => Avx2.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<float> Gather(float* source, Vector256<float> indices) =>
        IsGatherAccelerated ? Avx2.GatherVector256(source, indices.AsInt32(), sizeof(float)) : throw new PlatformNotSupportedException();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Permute(Vector256<float> table, Vector256<float> indices) =>
        IsGatherAccelerated ? Avx2.PermuteVar8x32(table, indices.AsInt32()) : throw new PlatformNotSupportedException();
}
