using System;
using System.Collections.Generic;

namespace SimAM.Gam;

/// <summary>
/// One tensor of a GAM's state: its PyTorch <c>state_dict</c> name, its shape and its values, held in double
/// precision so that weights loaded from a float64 file lose nothing (a float32 file's values are exact in double).
/// </summary>
/// <remarks>
/// The values are read through <see cref="Values"/> and changed only through <see cref="CopyFrom(ReadOnlySpan{float})"/>,
/// <see cref="CopyFrom(ReadOnlySpan{double})"/> and the library's own updates: every change bumps the owner's
/// <see cref="GamWeights.Version"/>, which is how a GAM module knows that its packed and folded copy
/// of the weights is stale.
/// </remarks>
public sealed class GamParameter
{
    private readonly double[] _values;
    private readonly int[] _shape;

    internal GamParameter(GamWeights owner, string name, int[] shape)
    {
        Owner = owner;
        Name = name;
        IsBuffer = name.Contains(".running_", StringComparison.Ordinal);
        _shape = shape;
        var length = 1;
        foreach (var dimension in shape)
        {
            length *= dimension;
        }

        _values = new double[length];
    }

    /// <summary>Gets the PyTorch <c>state_dict</c> name, for example <c>spatial_attention.0.weight</c>.</summary>
    public string Name { get; }

    /// <summary>Gets the shape in PyTorch's order (for example [out, in/groups, 7, 7] for a convolution weight).</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>Gets the number of values (the product of <see cref="Shape"/>).</summary>
    public int Length => _values.Length;

    /// <summary>Gets the values in row-major order of <see cref="Shape"/>.</summary>
    public ReadOnlySpan<double> Values => _values;

    internal GamWeights Owner { get; }

    /// <summary>Gets a value indicating whether this is a running statistic (a BatchNorm buffer) rather than a learnable parameter.</summary>
    internal bool IsBuffer { get; }

    /// <summary>Gets the values for the library's own updates; the caller must bump <see cref="GamWeights.Version"/>.</summary>
    internal double[] Storage => _values;

    internal ReadOnlySpan<int> ShapeSpan => _shape;

    /// <summary>Replaces the values.</summary>
    /// <param name="values">The new values, in row-major order of <see cref="Shape"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not have <see cref="Length"/> elements.</exception>
    public void CopyFrom(ReadOnlySpan<double> values)
    {
        CheckLength(values.Length, nameof(values));
        values.CopyTo(_values);
        MarkChanged();
    }

    /// <summary>Replaces the values with float values (converted exactly to double).</summary>
    /// <param name="values">The new values, in row-major order of <see cref="Shape"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not have <see cref="Length"/> elements.</exception>
    public void CopyFrom(ReadOnlySpan<float> values)
    {
        CheckLength(values.Length, nameof(values));
        for (var i = 0; i < values.Length; i++)
        {
            _values[i] = values[i];
        }

        MarkChanged();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} [{string.Join(", ", _shape)}]";

    private void MarkChanged()
    {
        if (IsBuffer)
        {
            Owner.MarkBuffersChanged();
        }
        else
        {
            Owner.MarkChanged();
        }
    }

    private void CheckLength(int length, string parameterName)
    {
        if (length != _values.Length)
        {
            throw new ArgumentException(
                $"{Name} has shape [{string.Join(", ", _shape)}] ({_values.Length} values); got {length} values.", parameterName);
        }
    }
}
