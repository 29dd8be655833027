using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace SimAM.Kernels;

/// <summary>
/// Element-type conversion for the converting kernels of both families: Half ↔ float through TensorPrimitives'
/// dedicated (vectorized, exact one way and correctly rounded the other) routines, any other pair through
/// <see cref="TensorPrimitives.ConvertTruncating{TFrom, TTo}(ReadOnlySpan{TFrom}, Span{TTo})"/>.
/// </summary>
internal static class Conversion
{
    /// <summary>Converts up to <paramref name="buffer"/>'s length of values from <paramref name="start"/> on, and returns the converted part.</summary>
    public static Span<TWork> Convert<T, TWork>(ReadOnlySpan<T> source, int start, Span<TWork> buffer)
        where T : unmanaged, INumberBase<T>
        where TWork : unmanaged, INumberBase<TWork>
    {
        var length = Math.Min(buffer.Length, source.Length - start);
        var values = buffer[..length];
        var block = source.Slice(start, length);
        if (typeof(T) == typeof(Half) && typeof(TWork) == typeof(float))
        {
            TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<T, Half>(block), MemoryMarshal.Cast<TWork, float>(values));
        }
        else
        {
            TensorPrimitives.ConvertTruncating<T, TWork>(block, values);
        }

        return values;
    }

    /// <summary>Rounds work values back to the element type, once.</summary>
    public static void ConvertBack<TWork, T>(ReadOnlySpan<TWork> values, Span<T> destination)
        where TWork : unmanaged, INumberBase<TWork>
        where T : unmanaged, INumberBase<T>
    {
        if (typeof(T) == typeof(Half) && typeof(TWork) == typeof(float))
        {
            TensorPrimitives.ConvertToHalf(MemoryMarshal.Cast<TWork, float>(values), MemoryMarshal.Cast<T, Half>(destination));
        }
        else
        {
            TensorPrimitives.ConvertTruncating<TWork, T>(values, destination);
        }
    }
}
