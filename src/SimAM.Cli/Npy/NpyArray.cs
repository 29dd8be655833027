using System;

namespace SimAM.Cli.Npy;

/// <summary>A C-ordered float32 or float64 array as read from, or to be written to, a .npy file.</summary>
internal sealed class NpyArray
{
    private readonly float[]? _float32;
    private readonly double[]? _float64;

    private NpyArray(NpyHeader header, float[]? float32, double[]? float64)
    {
        Header = header;
        _float32 = float32;
        _float64 = float64;
    }

    /// <summary>Gets the dtype and shape.</summary>
    public NpyHeader Header { get; }

    /// <summary>Gets the element type.</summary>
    public NpyDType DType => Header.DType;

    /// <summary>Gets the dimensions.</summary>
    public ReadOnlySpan<int> Shape => Header.Shape;

    /// <summary>Gets the elements of a float32 array.</summary>
    /// <exception cref="InvalidOperationException">The array is float64.</exception>
    public float[] Float32 => _float32 ?? throw new InvalidOperationException("The array is float64, not float32.");

    /// <summary>Gets the elements of a float64 array.</summary>
    /// <exception cref="InvalidOperationException">The array is float32.</exception>
    public double[] Float64 => _float64 ?? throw new InvalidOperationException("The array is float32, not float64.");

    /// <summary>Gets the elements as raw little-endian bytes, the .npy data layout.</summary>
    public Span<byte> Bytes => _float32 is not null
        ? System.Runtime.InteropServices.MemoryMarshal.AsBytes(_float32.AsSpan())
        : System.Runtime.InteropServices.MemoryMarshal.AsBytes(_float64.AsSpan());

    /// <summary>Wraps float32 data (not copied).</summary>
    /// <param name="data">The elements, C order.</param>
    /// <param name="shape">The dimensions.</param>
    /// <returns>The array.</returns>
    /// <exception cref="ArgumentException">The shape does not match the length of <paramref name="data"/>.</exception>
    public static NpyArray FromFloat32(float[] data, ReadOnlySpan<int> shape) =>
        new(CheckedHeader(NpyDType.Float32, shape, data.Length), data, null);

    /// <summary>Wraps float64 data (not copied).</summary>
    /// <param name="data">The elements, C order.</param>
    /// <param name="shape">The dimensions.</param>
    /// <returns>The array.</returns>
    /// <exception cref="ArgumentException">The shape does not match the length of <paramref name="data"/>.</exception>
    public static NpyArray FromFloat64(double[] data, ReadOnlySpan<int> shape) =>
        new(CheckedHeader(NpyDType.Float64, shape, data.Length), null, data);

    /// <summary>Allocates a zeroed array for <paramref name="header"/>.</summary>
    /// <param name="header">The dtype and shape.</param>
    /// <returns>The array.</returns>
    public static NpyArray Allocate(NpyHeader header) => header.DType == NpyDType.Float32
        ? new NpyArray(header, new float[header.ElementCount], null)
        : new NpyArray(header, null, new double[header.ElementCount]);

    private static NpyHeader CheckedHeader(NpyDType dtype, ReadOnlySpan<int> shape, int length)
    {
        var header = NpyHeader.Create(dtype, shape);
        if (header.ElementCount != length)
        {
            throw new ArgumentException(
                $"shape {NpyHeader.FormatShape(shape)} has {header.ElementCount} elements but the data has {length}.", nameof(shape));
        }

        return header;
    }
}
