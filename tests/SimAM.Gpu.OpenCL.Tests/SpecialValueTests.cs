using System;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Gpu.Tests;

/// <summary>The engine's edge-case rules on the device: a plane holding NaN or ±∞ becomes NaN, and nothing else changes.</summary>
[Collection(OpenClTestGroup.Name)]
public sealed class SpecialValueTests(OpenClFixture fixture)
{
    public static TheoryData<string, float> VariantsAndValues()
    {
        var data = new TheoryData<string, float>();
        foreach (var variant in OpenClFixture.All)
        {
            data.Add(variant, float.NaN);
            data.Add(variant, float.PositiveInfinity);
            data.Add(variant, float.NegativeInfinity);
        }

        return data;
    }

    [OpenClTheory]
    [MemberData(nameof(VariantsAndValues))]
    public void A_non_finite_value_makes_its_plane_NaN_and_leaves_the_others_alone(string variant, float special)
    {
        var backend = fixture[variant];
        int[] shape = [2, 3, 9, 11];
        var planeSize = Shapes.PlaneSize(shape);
        var x = TestData.Normal(Shapes.Count(shape), 11);
        var g = TestData.Normal(x.Length, 12);
        var clean = Run(backend, x, g, shape);

        const int Poisoned = 4;
        var dirty = (float[])x.Clone();
        dirty[(Poisoned * planeSize) + 17] = special;
        var result = Run(backend, dirty, g, shape);

        for (var plane = 0; plane < 6; plane++)
        {
            var range = new Range(plane * planeSize, (plane + 1) * planeSize);
            if (plane == Poisoned)
            {
                Assert.All(result.Y[range], v => Assert.True(float.IsNaN(v)));
                Assert.All(result.Dx[range], v => Assert.True(float.IsNaN(v)));
            }
            else
            {
                Assert.Equal(clean.Y[range], result.Y[range]);
                Assert.Equal(clean.Dx[range], result.Dx[range]);
            }
        }
    }

    [OpenClTheory]
    [MemberData(nameof(OpenClFixture.Variants), MemberType = typeof(OpenClFixture))]
    public void Constant_and_zero_planes_get_the_gate_of_the_mean(string variant)
    {
        // c = 0 everywhere: E = 1/2, y = x·sigmoid(1/2), dx = g·sigmoid(1/2) (R1 = R2 = 0).
        var backend = fixture[variant];
        int[] shape = [1, 3, 50];
        var x = new float[150];
        x.AsSpan(0, 50).Fill(3.5f);
        x.AsSpan(100, 50).Fill(-1e30f);
        var g = TestData.Normal(150, 3);
        var (y, dx) = Run(backend, x, g, shape);
        var gate = 1 / (1 + Math.Exp(-0.5));
        for (var i = 0; i < 150; i++)
        {
            Assert.Equal(x[i] * gate, y[i], Math.Abs(x[i]) * 2e-7);
            Assert.Equal(g[i] * gate, dx[i], Math.Abs(g[i]) * 2e-7);
        }
    }

    [OpenClTheory]
    [MemberData(nameof(OpenClFixture.Variants), MemberType = typeof(OpenClFixture))]
    public void A_NaN_gradient_spreads_over_its_plane_only(string variant)
    {
        // As in the engine and autograd: Σ a·u is NaN, so is every dx of that plane.
        var backend = fixture[variant];
        int[] shape = [1, 2, 64];
        var x = TestData.Normal(128, 21);
        var g = TestData.Normal(128, 22);
        g[70] = float.NaN;
        var dx = new float[128];
        backend.Backward(x, g, dx, shape);
        Assert.All(dx[..64], v => Assert.True(float.IsFinite(v)));
        Assert.All(dx[64..], v => Assert.True(float.IsNaN(v)));
    }

    private static (float[] Y, float[] Dx) Run(OpenClBackend backend, float[] x, float[] g, int[] shape)
    {
        var y = new float[x.Length];
        var dx = new float[x.Length];
        backend.Forward(x, y, shape);
        backend.Backward(x, g, dx, shape);
        return (y, dx);
    }
}
