using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SimAM.Cli.SelfTest;

/// <summary>One random tensor with its float64 reference results, shared by every path under test.</summary>
internal sealed class SelfTestCase
{
    // (scale, offset) pairs like the engine's own accuracy tests: centred data, offsets, a plane
    // x = 5 + 0.01·N(0, 1) where E[x²] − E[x]² would lose everything, and planes far from zero, where
    // the terms of the backward pass cancel and float rounding is amplified the most.
    private static readonly (float Scale, float Offset)[] s_distributions =
        [(1f, 0f), (1f, 0.25f), (2f, 0f), (1f, -0.5f), (3f, 1f), (0.01f, 5f), (1f, 100f), (1f, 1000f)];

    // Shapes every run checks: a ResNet 7×7 tail, a 56×56 stage, and the smallest plane (S = 2); and 7×7 and 3×3
    // planes in counts that fill several lane-per-plane batches at every width with some left over, so both the
    // lane kernel's row and gathered paths and the plane kernel run.
    private static readonly int[][] s_fixedShapes = [[2, 3, 7, 7], [1, 2, 56, 56], [3, 1, 2], [1, 37, 7, 7], [1, 37, 3, 3]];

    private SelfTestCase(int[] shape, float[] x, float[] g, float lambda, string distribution)
    {
        Distribution = distribution;
        Shape = shape;
        X = x;
        G = g;
        Lambda = lambda;
        PlaneSize = x.Length / SimAm.PlaneCount(shape);
        var x64 = Array.ConvertAll(x, v => (double)v);
        var g64 = Array.ConvertAll(g, v => (double)v);
        Y64 = new double[x.Length];
        Dx64 = new double[x.Length];
        SimAmReference.Forward(x64, Y64, shape, lambda);
        SimAmReference.Backward(x64, g64, Dx64, shape, lambda);
    }

    /// <summary>Gets the shape [N, C, d1, ..., dk].</summary>
    public int[] Shape { get; }

    /// <summary>Gets the input x.</summary>
    public float[] X { get; }

    /// <summary>Gets the output gradient g.</summary>
    public float[] G { get; }

    /// <summary>Gets how x was drawn, e.g. <c>5 + 0.01·N(0,1)</c>.</summary>
    public string Distribution { get; }

    /// <summary>Gets λ.</summary>
    public float Lambda { get; }

    /// <summary>Gets S, the values per plane.</summary>
    public int PlaneSize { get; }

    /// <summary>Gets the float64 reference forward of x.</summary>
    public double[] Y64 { get; }

    /// <summary>Gets the float64 reference backward of (x, g).</summary>
    public double[] Dx64 { get; }

    /// <summary>Creates the cases for one self-test run: a few fixed shapes that matter (a 7×7 ResNet tail, 56×56, the smallest plane, batches of small planes) and random ones.</summary>
    /// <param name="seed">Seeds the random shapes and values.</param>
    /// <param name="randomShapes">How many random shapes to add.</param>
    /// <returns>The cases.</returns>
    [SuppressMessage("Security", "CA5394:Do not use insecure randomness", Justification = "Reproducible test data, not security.")]
    public static IReadOnlyList<SelfTestCase> Create(int seed, int randomShapes)
    {
        var random = new Random(seed);
        var shapes = new List<int[]>(s_fixedShapes);
        for (var i = 0; i < randomShapes; i++)
        {
            var rank = random.Next(3, 6);
            var shape = new int[rank];
            shape[0] = random.Next(1, 3);
            shape[1] = random.Next(1, 4);
            var budget = random.Next(2, 5000); // plane sizes from 2 to a few thousand cross every SIMD tail
            for (var axis = 2; axis < rank; axis++)
            {
                shape[axis] = axis == rank - 1 ? Math.Max(2, budget) : random.Next(1, 9);
                budget = Math.Max(1, budget / shape[axis]);
            }

            shapes.Add(shape);
        }

        var cases = new List<SelfTestCase>();
        foreach (var shape in shapes)
        {
            var count = 1;
            foreach (var d in shape)
            {
                count *= d;
            }

            var (scale, offset) = s_distributions[random.Next(s_distributions.Length)];
            var x = Normal(random, count, scale, offset);
            var g = Normal(random, count, 1f, 0f);
            var distribution = string.Create(CultureInfo.InvariantCulture, $"{offset} + {scale}*N(0,1)");
            cases.Add(new SelfTestCase(shape, x, g, random.Next(2) == 0 ? 1e-4f : 0.1f, distribution));
        }

        return cases;
    }

    /// <summary>Describes the case for a failure report.</summary>
    /// <returns>Shape, distribution and λ.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"shape [{string.Join(", ", Shape)}], x = {Distribution}, lambda {Lambda}");

    [SuppressMessage("Security", "CA5394:Do not use insecure randomness", Justification = "Reproducible test data, not security.")]
    private static float[] Normal(Random random, int count, float scale, float offset)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            // Box–Muller; 1 − NextDouble() avoids log(0).
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            values[i] = offset + (scale * (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2)));
        }

        return values;
    }
}
