using System;
using System.Collections.Generic;

namespace SimAM.Tests.Reference;

/// <summary>
/// The non-finite cases of the lane-per-plane tests: NaN, +∞ and −∞, in x or in g, one value a third of the way into a
/// plane of the first batch, of later batches (the kernel pipelines batches) and the last plane of the call.
/// </summary>
public static class PoisonedPlanes
{
    /// <summary>Each case: copies of x and g with one value replaced, the plane it lies in, and a description for messages.</summary>
    public static IEnumerable<(float[] X, float[] G, int Plane, bool InInput, string Description)> Cases(float[] x, float[] g, int planeSize, int planes)
    {
        foreach (var bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            foreach (var plane in new[] { 0, 5, 20, planes - 1 })
            {
                foreach (var inInput in new[] { true, false })
                {
                    var poisonedX = (float[])x.Clone();
                    var poisonedG = (float[])g.Clone();
                    (inInput ? poisonedX : poisonedG)[(plane * planeSize) + (planeSize / 3)] = bad;
                    yield return (poisonedX, poisonedG, plane, inInput, $"{bad} in {(inInput ? "x" : "g")} of plane {plane}");
                }
            }
        }
    }

    /// <summary>Whether any value is finite (a poisoned plane must have none).</summary>
    public static bool AnyFinite(ReadOnlySpan<float> values)
    {
        foreach (var v in values)
        {
            if (float.IsFinite(v))
            {
                return true;
            }
        }

        return false;
    }
}
