using System;
using System.Numerics;

namespace SimAM.Kernels;

/// <summary>
/// Σ of doubles in <see cref="Vector{T}"/> lanes, for steps that run per chunk of every call (the channels-last NaN
/// check). Not TensorPrimitives.Sum: on .NET 8 that allocates 128 bytes per call, so a steady-state call allocated.
/// </summary>
internal static class Sums
{
    public static double Of(ReadOnlySpan<double> values)
    {
        var lanes = Vector<double>.Zero;
        var i = 0;
        for (; i + Vector<double>.Count <= values.Length; i += Vector<double>.Count)
        {
            lanes += new Vector<double>(values[i..]);
        }

        var sum = Vector.Sum(lanes);
        for (; i < values.Length; i++)
        {
            sum += values[i];
        }

        return sum;
    }
}
