using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SimAM.Gam.Compute.Lanes;

/// <summary>256-bit vectors (AVX-256): 8 floats or 4 doubles.</summary>
/// <typeparam name="T">float or double.</typeparam>
internal readonly struct Lanes256<T> : ILanes<T, Vector256<T>>
    where T : unmanaged
{
    public static int Count => Vector256<T>.Count;

    public static Vector256<T> Zero => Vector256<T>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load(ref T source) => Vector256.LoadUnsafe(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<T> value, ref T destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Broadcast(T value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MultiplyAdd(Vector256<T> left, Vector256<T> right, Vector256<T> addend)
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

        return (left * right) + addend;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Add(Vector256<T> left, Vector256<T> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Subtract(Vector256<T> left, Vector256<T> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Multiply(Vector256<T> left, Vector256<T> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Relu(Vector256<T> value) =>
        Vector256.ConditionalSelect(Vector256.LessThan(value, Vector256<T>.Zero), Vector256<T>.Zero, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> And(Vector256<T> value, Vector256<T> mask) => value & mask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> WherePositive(Vector256<T> value, Vector256<T> condition) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(condition, Vector256<T>.Zero), value, Vector256<T>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Vector256<T> value)
    {
        var sum = Vector256.Sum(value);
        return typeof(T) == typeof(float) ? Unsafe.As<T, float>(ref sum) : Unsafe.As<T, double>(ref sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddWidened(Vector256<T> value, ref double target)
    {
        if (typeof(T) == typeof(float))
        {
            var (lower, upper) = Vector256.Widen(value.AsSingle());
            (Vector256.LoadUnsafe(ref target) + lower).StoreUnsafe(ref target);
            (Vector256.LoadUnsafe(ref target, 4) + upper).StoreUnsafe(ref target, 4);
            return;
        }

        (Vector256.LoadUnsafe(ref target) + value.AsDouble()).StoreUnsafe(ref target);
    }
}
