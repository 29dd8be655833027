using System;
using System.IO;
using SimAM.Gam.IO;

namespace SimAM.Cli.Npy;

/// <summary>
/// The dtype and shape of a .npy array the CLI reads or writes (float32 or float64, C order, little-endian).
/// The header text itself is parsed and formatted by the project's one .npy header parser,
/// <see cref="NpyHeaderText"/> (see <see cref="NpyReader.ReadHeader(Stream)"/>).
/// </summary>
internal sealed class NpyHeader
{
    private readonly int[] _shape;

    private NpyHeader(NpyDType dtype, int[] shape)
    {
        DType = dtype;
        _shape = shape;
    }

    /// <summary>Gets the element type.</summary>
    public NpyDType DType { get; }

    /// <summary>Gets the dimensions, outermost first (C order).</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>Gets the number of elements: the product of the dimensions (1 for a scalar).</summary>
    public int ElementCount
    {
        get
        {
            var count = 1;
            foreach (var d in _shape)
            {
                count *= d;
            }

            return count;
        }
    }

    /// <summary>Gets the size of one element in bytes.</summary>
    public int ItemSize => SizeOf(DType);

    /// <summary>Creates a header for a C-ordered little-endian array.</summary>
    /// <param name="dtype">The element type.</param>
    /// <param name="shape">The dimensions; each non-negative, with at most <see cref="int.MaxValue"/> elements in all.</param>
    /// <returns>The header.</returns>
    /// <exception cref="ArgumentException">A dimension is negative or the element count overflows.</exception>
    public static NpyHeader Create(NpyDType dtype, ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"shape {FormatShape(shape)} has a negative dimension.", nameof(shape));
            }

            count *= d;
            if (count > int.MaxValue)
            {
                throw new ArgumentException($"shape {FormatShape(shape)} has more than {int.MaxValue} elements.", nameof(shape));
            }
        }

        return new NpyHeader(dtype, shape.ToArray());
    }

    /// <summary>Gets the size in bytes of one element of <paramref name="dtype"/>.</summary>
    /// <param name="dtype">The element type.</param>
    /// <returns>4 or 8.</returns>
    public static int SizeOf(NpyDType dtype) => dtype == NpyDType.Float32 ? sizeof(float) : sizeof(double);

    /// <summary>Gets numpy's descr string of <paramref name="dtype"/>.</summary>
    /// <param name="dtype">The element type.</param>
    /// <returns><c>&lt;f4</c> or <c>&lt;f8</c>.</returns>
    public static string Descr(NpyDType dtype) => NpyHeaderText.Descr(ElementType(dtype));

    /// <summary>Formats a shape the way Python prints a tuple: <c>(2, 3)</c>, <c>(5,)</c>, <c>()</c>.</summary>
    /// <param name="shape">The dimensions.</param>
    /// <returns>The tuple text.</returns>
    public static string FormatShape(ReadOnlySpan<int> shape) => NpyHeaderText.FormatShape(shape);

    /// <summary>Gets the element type under the shared .npy reader's name for it.</summary>
    /// <param name="dtype">The element type.</param>
    /// <returns><see cref="TensorElementType.Float32"/> or <see cref="TensorElementType.Float64"/>.</returns>
    public static TensorElementType ElementType(NpyDType dtype) =>
        dtype == NpyDType.Float32 ? TensorElementType.Float32 : TensorElementType.Float64;
}
