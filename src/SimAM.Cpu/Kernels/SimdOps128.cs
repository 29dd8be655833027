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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float source, nuint index) => Vector128.LoadUnsafe(ref source, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float destination, nuint index) => value.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreAlignedNonTemporal(Vector128<float> value, ref float destination, nuint index) =>
        // The kernels only ever see buffers pinned by the scheduler, so the address is stable.
        value.StoreAlignedNonTemporal((float*)Unsafe.AsPointer(ref Unsafe.Add(ref destination, index)));

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Divide(Vector128<float> left, Vector128<float> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> KeepLanesFrom(Vector128<float> value, int firstLane) =>
        Vector128.GreaterThanOrEqual(LaneIndices.Single128, Vector128.Create((float)firstLane)) & value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ScaleByPowerOfTwo(Vector128<float> mantissa, Vector128<float> rounded) =>
        // rounded = 1.5·2^23 + n, so its bits are 0x4B400000 + n; shifting left by 23 drops the constant
        // (its low 9 bits are zero) and leaves n << 23, which adds n to the exponent field.
        (mantissa.AsInt32() + Vector128.ShiftLeft(rounded.AsInt32(), 23)).AsSingle();

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
}
