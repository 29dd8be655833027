using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace SimAM.Gam.Compute;

/// <summary>
/// Sums over one row of a plane, returned in double for the per-channel statistics of BatchNorm and its backward pass.
/// Float rows take TensorPrimitives' float overloads: on .NET 8 the generic reductions allocate on every call (about
/// 200 bytes), which made every train call allocate hundreds of kilobytes there.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
internal static class RowReductions<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Σ row.</summary>
    public static double Sum(ReadOnlySpan<T> row) => typeof(T) == typeof(float)
        ? TensorPrimitives.Sum(MemoryMarshal.Cast<T, float>(row))
        : double.CreateTruncating(TensorPrimitives.Sum(row));

    /// <summary>Σ row².</summary>
    public static double SumOfSquares(ReadOnlySpan<T> row) => typeof(T) == typeof(float)
        ? TensorPrimitives.SumOfSquares(MemoryMarshal.Cast<T, float>(row))
        : double.CreateTruncating(TensorPrimitives.SumOfSquares(row));

    /// <summary>Σ left·right.</summary>
    public static double Dot(ReadOnlySpan<T> left, ReadOnlySpan<T> right) => typeof(T) == typeof(float)
        ? TensorPrimitives.Dot(MemoryMarshal.Cast<T, float>(left), MemoryMarshal.Cast<T, float>(right))
        : double.CreateTruncating(TensorPrimitives.Dot(left, right));
}
