using System;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Gpu.Tests;

/// <summary>Properties 2, 3, 4 and 7 of the math document, on the device.</summary>
[Collection(OpenClTestGroup.Name)]
public sealed class PropertyTests(OpenClFixture fixture)
{
    private static readonly int[] s_shape = [2, 3, 21, 23];

    [OpenClTheory]
    [MemberData(nameof(OpenClFixture.Variants), MemberType = typeof(OpenClFixture))]
    public void Results_are_bitwise_identical_from_run_to_run(string variant)
    {
        var backend = fixture[variant];
        var x = TestData.Normal(Shapes.Count(s_shape), 1);
        var g = TestData.Normal(x.Length, 2);
        var first = Run(backend, x, g);
        for (var run = 0; run < 3; run++)
        {
            var again = Run(backend, x, g);
            Assert.Equal(first.Y, again.Y);
            Assert.Equal(first.Dx, again.Dx);
        }
    }

    [OpenClTheory]
    [MemberData(nameof(OpenClFixture.Variants), MemberType = typeof(OpenClFixture))]
    public void Planes_are_independent(string variant)
    {
        var backend = fixture[variant];
        var planeSize = Shapes.PlaneSize(s_shape);
        var x = TestData.Normal(Shapes.Count(s_shape), 3);
        var g = TestData.Normal(x.Length, 4);
        var before = Run(backend, x, g);

        var changed = (float[])x.Clone();
        TestData.Normal(planeSize, 5, 10f, 3f).CopyTo(changed, 2 * planeSize);
        var after = Run(backend, changed, g);
        for (var plane = 0; plane < 6; plane++)
        {
            if (plane != 2)
            {
                var range = new Range(plane * planeSize, (plane + 1) * planeSize);
                Assert.Equal(before.Y[range], after.Y[range]);
                Assert.Equal(before.Dx[range], after.Dx[range]);
            }
        }
    }

    [OpenClTheory]
    [MemberData(nameof(OpenClFixture.Variants), MemberType = typeof(OpenClFixture))]
    public void Permuting_a_plane_permutes_its_outputs(string variant)
    {
        var backend = fixture[variant];
        int[] shape = [1, 1, 37, 41];
        var x = TestData.Normal(Shapes.Count(shape), 6);
        var g = TestData.Normal(x.Length, 7);
        var permutation = new int[x.Length];
        for (var i = 0; i < permutation.Length; i++)
        {
            permutation[i] = i;
        }

        new Random(8).Shuffle(permutation);
        var px = new float[x.Length];
        var pg = new float[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            px[i] = x[permutation[i]];
            pg[i] = g[permutation[i]];
        }

        var (y, dx) = Run(backend, x, g, shape);
        var (py, pdx) = Run(backend, px, pg, shape);
        var yBound = Accuracy.ForwardBound * 2 * Accuracy.MaxAbs(x);
        var dxBound = Accuracy.BackwardBound * 2 * Accuracy.MaxAbs(dx);
        for (var i = 0; i < x.Length; i++)
        {
            // Sums in another order may differ in the last bits, so the bound is twice the accuracy bound.
            Assert.Equal(y[permutation[i]], py[i], yBound);
            Assert.Equal(dx[permutation[i]], pdx[i], dxBound);
        }
    }

    [OpenClTheory]
    [MemberData(nameof(OpenClFixture.Variants), MemberType = typeof(OpenClFixture))]
    public void Output_keeps_the_sign_and_lies_between_sigmoid_half_and_one_times_x(string variant)
    {
        var backend = fixture[variant];
        var x = TestData.Normal(Shapes.Count(s_shape), 9, 3f, 0.5f);
        var (y, _) = Run(backend, x, new float[x.Length]);
        var low = 1 / (1 + Math.Exp(-0.5));
        for (var i = 0; i < x.Length; i++)
        {
            Assert.Equal(Math.Sign(x[i]), Math.Sign(y[i]));
            Assert.InRange(Math.Abs(y[i]), (low * Math.Abs(x[i])) - (2e-7 * Math.Abs(x[i])), Math.Abs(x[i]));
        }
    }

    [OpenClTheory]
    [MemberData(nameof(OpenClFixture.Variants), MemberType = typeof(OpenClFixture))]
    public void In_place_calls_give_the_same_bits(string variant)
    {
        var backend = fixture[variant];
        var x = TestData.Normal(Shapes.Count(s_shape), 10);
        var g = TestData.Normal(x.Length, 11);
        var expected = Run(backend, x, g);

        var inPlace = (float[])x.Clone();
        backend.Forward(inPlace, inPlace, s_shape);
        Assert.Equal(expected.Y, inPlace);

        var overX = (float[])x.Clone();
        backend.Backward(overX, g, overX, s_shape);
        Assert.Equal(expected.Dx, overX);

        var overG = (float[])g.Clone();
        backend.Backward(x, overG, overG, s_shape);
        Assert.Equal(expected.Dx, overG);
    }

    private static (float[] Y, float[] Dx) Run(OpenClBackend backend, float[] x, float[] g, int[]? shape = null)
    {
        var y = new float[x.Length];
        var dx = new float[x.Length];
        backend.Forward(x, y, shape ?? s_shape);
        backend.Backward(x, g, dx, shape ?? s_shape);
        return (y, dx);
    }
}
