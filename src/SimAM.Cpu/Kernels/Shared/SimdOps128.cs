using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace SimAM.Kernels;

/// <summary>128-bit operations (SSE4 + FMA, or Arm AdvSIMD): 4 floats per vector.</summary>
internal readonly struct SimdOps128 : ISimdOps<Vector128<float>, Vector128<double>>
{
    public static int Count => Vector128<float>.Count;

    public static bool IsFusedMultiplyAddAccelerated => Fma.IsSupported || AdvSimd.IsSupported;

    public static bool ScalesAnyExponent => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float source, nuint index) => Vector128.LoadUnsafe(ref source, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float destination, nuint index) => value.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreStreaming(Vector128<float> value, float* destination) => Vector128.StoreAlignedNonTemporal(value, destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Create(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> left, Vector128<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Subtract(Vector128<float> left, Vector128<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> left, Vector128<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> left, Vector128<float> right, Vector128<float> addend) =>
        Fma.IsSupported ? Fma.MultiplyAdd(left, right, addend)
        : AdvSimd.IsSupported ? AdvSimd.FusedMultiplyAdd(addend, left, right)
        : (left * right) + addend;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> NegatedMultiplyAdd(Vector128<float> left, Vector128<float> right, Vector128<float> addend) =>
        Fma.IsSupported ? Fma.MultiplyAddNegated(left, right, addend)
        : AdvSimd.IsSupported ? AdvSimd.FusedMultiplySubtract(addend, left, right)
        : addend - (left * right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Max(Vector128<float> left, Vector128<float> right) =>
        Sse.IsSupported ? Sse.Max(left, right) : Vector128.Max(left, right);

    public static Vector128<float> SelectGreater(Vector128<float> left, Vector128<float> right, Vector128<float> ifGreater, Vector128<float> otherwise) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(left, right), ifGreater, otherwise);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Divide(Vector128<float> left, Vector128<float> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> KeepLanesFrom(Vector128<float> value, int firstLane) =>
        Vector128.GreaterThanOrEqual(LaneIndices.Single128, Vector128.Create((float)firstLane)) & value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SplitExponent(Vector128<float> t, out Vector128<float> whole)
    {
        // Adding 1.5·2^23 rounds t to an integer n held in the low mantissa bits of whole.
        whole = t + Vector128.Create(RoundingMagic);
        return t - (whole - Vector128.Create(RoundingMagic));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> PowerOfTwoFloor(Vector128<float> value) =>
        Vector128.Max(value.AsInt32() & Vector128.Create(WeightScale.ExponentBits), Vector128.Create(WeightScale.LeastNormalBits)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ScaleByPowerOfTwo(Vector128<float> mantissa, Vector128<float> whole) =>
        // whole's bits are 0x4B400000 + n; shifting left by 23 drops the constant (its low 9 bits are
        // zero) and leaves n << 23, which adds n to the exponent field.
        (mantissa.AsInt32() + Vector128.ShiftLeft(whole.AsInt32(), 23)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadWidened(ref float source, nuint index, out Vector128<double> lower, out Vector128<double> upper) =>
        Widen(Vector128.LoadUnsafe(ref source, index), out lower, out upper);

    /// <summary>1.5·2^23: adding it rounds a float of magnitude below 2^22 to an integer, kept in the low mantissa bits.</summary>
    private const float RoundingMagic = 12582912f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Widen(Vector128<float> value, out Vector128<double> lower, out Vector128<double> upper)
    {
        lower = Vector128.WidenLower(value);
        upper = Vector128.WidenUpper(value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WidenFrom(Vector128<float> value, int firstLane, Vector128<double> fill, out Vector128<double> lower, out Vector128<double> upper)
    {
        var threshold = Vector128.Create((double)firstLane);
        lower = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(LaneIndices.Lower128, threshold), Vector128.WidenLower(value), fill);
        upper = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(LaneIndices.Upper128, threshold), Vector128.WidenUpper(value), fill);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> CreateDouble(double value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> AddDouble(Vector128<double> left, Vector128<double> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> SubtractDouble(Vector128<double> left, Vector128<double> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> MultiplyAddDouble(Vector128<double> left, Vector128<double> right, Vector128<double> addend) =>
        Fma.IsSupported ? Fma.MultiplyAdd(left, right, addend) : (left * right) + addend;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double SumDouble(Vector128<double> value) => Vector128.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> MultiplyDouble(Vector128<double> left, Vector128<double> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> DivideDouble(Vector128<double> left, Vector128<double> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> SqrtDouble(Vector128<double> value) => Vector128.Sqrt(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Narrow(Vector128<double> lower, Vector128<double> upper) => Vector128.Narrow(lower, upper);

    public static bool IsGatherAccelerated => Avx2.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector128<float> Gather(float* source, Vector128<float> indices) =>
        IsGatherAccelerated ? Avx2.GatherVector128(source, indices.AsInt32(), sizeof(float)) : throw new PlatformNotSupportedException();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Permute(Vector128<float> table, Vector128<float> indices) =>
        IsGatherAccelerated ? Avx.PermuteVar(table, indices.AsInt32()) : throw new PlatformNotSupportedException();
}
