using System;
using System.Buffers.Binary;

namespace SimAM.Gam.IO;

/// <summary>Sizes and little-endian decoding of the <see cref="TensorElementType"/> values.</summary>
internal static class TensorElements
{
    /// <summary>Gets the size in bytes of one element.</summary>
    /// <param name="type">The element type.</param>
    /// <returns>2, 4 or 8.</returns>
    public static int SizeOf(TensorElementType type) => type switch
    {
        TensorElementType.Float16 or TensorElementType.BFloat16 => 2,
        TensorElementType.Float32 => 4,
        _ => 8,
    };

    /// <summary>Gets the name messages use: <c>float16</c>, <c>bfloat16</c>, <c>float32</c>, <c>float64</c> or <c>int64</c>.</summary>
    /// <param name="type">The element type.</param>
    /// <returns>The name.</returns>
    public static string Name(TensorElementType type) => type switch
    {
        TensorElementType.Float16 => "float16",
        TensorElementType.BFloat16 => "bfloat16",
        TensorElementType.Float32 => "float32",
        TensorElementType.Float64 => "float64",
        _ => "int64",
    };

    /// <summary>Tells whether <paramref name="type"/> is a floating-point type.</summary>
    /// <param name="type">The element type.</param>
    /// <returns><see langword="false"/> only for <see cref="TensorElementType.Int64"/>.</returns>
    public static bool IsFloatingPoint(TensorElementType type) => type != TensorElementType.Int64;

    /// <summary>
    /// Converts little-endian floating-point elements to double. Every conversion is exact: float16,
    /// bfloat16 and float32 values are all representable in double.
    /// </summary>
    /// <param name="source">The raw elements: <paramref name="destination"/>.Length × the element size bytes.</param>
    /// <param name="type">A floating-point element type.</param>
    /// <param name="destination">Receives the values.</param>
    public static void DecodeFloatingPoint(ReadOnlySpan<byte> source, TensorElementType type, Span<double> destination)
    {
        switch (type)
        {
            case TensorElementType.Float16:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = (double)BinaryPrimitives.ReadHalfLittleEndian(source[(2 * i)..]);
                }

                break;
            case TensorElementType.BFloat16:
                for (var i = 0; i < destination.Length; i++)
                {
                    // A bfloat16 is the upper 16 bits of the float32 with the same sign, exponent and leading fraction bits.
                    var bits = (uint)BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]) << 16;
                    destination[i] = BitConverter.UInt32BitsToSingle(bits);
                }

                break;
            case TensorElementType.Float32:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]);
                }

                break;
            case TensorElementType.Float64:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadDoubleLittleEndian(source[(8 * i)..]);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "not a floating-point element type");
        }
    }
}
