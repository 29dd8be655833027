using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace SimAM.Gam.Compute.Lanes;

/// <summary>128-bit vectors (AVX-128): 4 floats or 2 doubles.</summary>
/// <typeparam name="T">float or double.</typeparam>
internal readonly struct Lanes128<T> : ILanes<T, Vector128<T>>
    where T : unmanaged
{
    public static int Count => Vector128<T>.Count;

    public static Vector128<T> Zero => Vector128<T>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Load(ref T source) => Vector128.LoadUnsafe(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<T> value, ref T destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Broadcast(T value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> MultiplyAdd(Vector128<T> left, Vector128<T> right, Vector128<T> addend)
    {
        if (Fma.IsSupported)
        {
            if (typeof(T) == typeof(float))
            {
                return Fma.MultiplyAdd(left.AsSingle(), right.AsSingle(), addend.AsSingle()).As<float, T>();
            }

            if (typeof(T) == typeof(double))
            {
                return Fma.MultiplyAdd(left.AsDouble(), right.AsDouble(), addend.AsDouble()).As<double, T>();
            }
        }

        if (AdvSimd.IsSupported && typeof(T) == typeof(float))
        {
            return AdvSimd.FusedMultiplyAdd(addend.AsSingle(), left.AsSingle(), right.AsSingle()).As<float, T>();
        }

        if (AdvSimd.Arm64.IsSupported && typeof(T) == typeof(double))
        {
            return AdvSimd.Arm64.FusedMultiplyAdd(addend.AsDouble(), left.AsDouble(), right.AsDouble()).As<double, T>();
        }

        return (left * right) + addend;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Add(Vector128<T> left, Vector128<T> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Subtract(Vector128<T> left, Vector128<T> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Multiply(Vector128<T> left, Vector128<T> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Relu(Vector128<T> value) =>
        Vector128.ConditionalSelect(Vector128.LessThan(value, Vector128<T>.Zero), Vector128<T>.Zero, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> And(Vector128<T> value, Vector128<T> mask) => value & mask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> WherePositive(Vector128<T> value, Vector128<T> condition) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(condition, Vector128<T>.Zero), value, Vector128<T>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Vector128<T> value)
    {
        var sum = Vector128.Sum(value);
        return typeof(T) == typeof(float) ? Unsafe.As<T, float>(ref sum) : Unsafe.As<T, double>(ref sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddWidened(Vector128<T> value, ref double target)
    {
        if (typeof(T) == typeof(float))
        {
            var (lower, upper) = Vector128.Widen(value.AsSingle());
            (Vector128.LoadUnsafe(ref target) + lower).StoreUnsafe(ref target);
            (Vector128.LoadUnsafe(ref target, 2) + upper).StoreUnsafe(ref target, 2);
            return;
        }

        (Vector128.LoadUnsafe(ref target) + value.AsDouble()).StoreUnsafe(ref target);
    }
}
