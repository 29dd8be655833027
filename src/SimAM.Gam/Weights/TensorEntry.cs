using System;
using System.Globalization;
using SimAM.Gam.IO;

namespace SimAM.Gam.Weights;

/// <summary>
/// One tensor as a weight file describes it, before anything is allocated for it: its name, element type and
/// shape, and where its data starts in its container.
/// </summary>
internal sealed class TensorEntry
{
    private readonly int[] _shape;

    /// <summary>Initializes a new instance of the <see cref="TensorEntry"/> class.</summary>
    /// <param name="name">The <c>state_dict</c> name.</param>
    /// <param name="elementType">The element type.</param>
    /// <param name="shape">The dimensions, each non-negative, at most <see cref="int.MaxValue"/> elements in all (the caller checked).</param>
    /// <param name="dataOffset">
    /// Where the data starts: in a safetensors file, its first offset (relative to the end of the header); in an
    /// .npz entry, the length of the .npy preamble and header before it.
    /// </param>
    public TensorEntry(string name, TensorElementType elementType, int[] shape, long dataOffset)
    {
        Name = name;
        ElementType = elementType;
        _shape = shape;
        DataOffset = dataOffset;
        var count = 1;
        foreach (var dimension in shape)
        {
            count *= dimension;
        }

        ElementCount = count;
    }

    /// <summary>Gets the <c>state_dict</c> name.</summary>
    public string Name { get; }

    /// <summary>Gets the element type.</summary>
    public TensorElementType ElementType { get; }

    /// <summary>Gets the dimensions (C order).</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>Gets the number of elements (1 for a scalar).</summary>
    public int ElementCount { get; }

    /// <summary>Gets the size of the data in bytes.</summary>
    public long ByteCount => (long)ElementCount * TensorElements.SizeOf(ElementType);

    /// <summary>Gets where the data starts in its container (see the constructor).</summary>
    public long DataOffset { get; }

    /// <summary>Formats a shape as PyTorch prints a size: <c>[8, 2, 7, 7]</c>, <c>[]</c> for a scalar.</summary>
    /// <param name="shape">The dimensions.</param>
    /// <returns>The text.</returns>
    public static string FormatShape(ReadOnlySpan<int> shape)
    {
        var parts = new string[shape.Length];
        for (var i = 0; i < shape.Length; i++)
        {
            parts[i] = shape[i].ToString(CultureInfo.InvariantCulture);
        }

        return $"[{string.Join(", ", parts)}]";
    }
}
