using System;
using System.Runtime.CompilerServices;

namespace SimAM.Gam.Compute.Lanes;

/// <summary>One element at a time, no SIMD: the portable fallback, and the reference path for the vector widths.</summary>
/// <typeparam name="T">float or double.</typeparam>
internal readonly struct LanesScalar<T> : ILanes<T, T>
    where T : unmanaged
{
    public static int Count => 1;

    public static T Zero => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Load(ref T source) => source;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T value, ref T destination) => destination = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Broadcast(T value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MultiplyAdd(T left, T right, T addend)
    {
        if (typeof(T) == typeof(float))
        {
            return Cast(MathF.FusedMultiplyAdd(As<float>(left), As<float>(right), As<float>(addend)));
        }

        return Cast(Math.FusedMultiplyAdd(As<double>(left), As<double>(right), As<double>(addend)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Add(T left, T right) =>
        typeof(T) == typeof(float) ? Cast(As<float>(left) + As<float>(right)) : Cast(As<double>(left) + As<double>(right));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Subtract(T left, T right) =>
        typeof(T) == typeof(float) ? Cast(As<float>(left) - As<float>(right)) : Cast(As<double>(left) - As<double>(right));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Multiply(T left, T right) =>
        typeof(T) == typeof(float) ? Cast(As<float>(left) * As<float>(right)) : Cast(As<double>(left) * As<double>(right));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Relu(T value) =>
        typeof(T) == typeof(float)
            ? Cast(As<float>(value) < 0 ? 0f : As<float>(value))
            : Cast(As<double>(value) < 0 ? 0d : As<double>(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T And(T value, T mask)
    {
        if (typeof(T) == typeof(float))
        {
            return Cast(BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(As<float>(value)) & BitConverter.SingleToInt32Bits(As<float>(mask))));
        }

        return Cast(BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(As<double>(value)) & BitConverter.DoubleToInt64Bits(As<double>(mask))));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T WherePositive(T value, T condition) =>
        (typeof(T) == typeof(float) ? As<float>(condition) > 0 : As<double>(condition) > 0) ? value : default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(T value) => typeof(T) == typeof(float) ? As<float>(value) : As<double>(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddWidened(T value, ref double target) => target += Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TTo As<TTo>(T value)
        where TTo : unmanaged => Unsafe.As<T, TTo>(ref value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Cast<TFrom>(TFrom value)
        where TFrom : unmanaged => Unsafe.As<TFrom, T>(ref value);
}
