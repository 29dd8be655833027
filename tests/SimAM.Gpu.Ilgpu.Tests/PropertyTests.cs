using System;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Gpu.Ilgpu.Tests;

/// <summary>Properties 2, 3, 4 and 7 of the math document on ILGPU.</summary>
public sealed class PropertyTests(IlgpuFixture fixture)
{
    private static readonly int[] s_shape = [1, 4, 21, 23];

    [Theory]
    [MemberData(nameof(IlgpuFixture.Variants), MemberType = typeof(IlgpuFixture))]
    public void Results_are_bitwise_identical_from_run_to_run(string variant)
    {
        var backend = fixture[variant];
        var x = TestData.Normal(Shapes.Count(s_shape), 1);
        var g = TestData.Normal(x.Length, 2);
        var first = Run(backend, x, g);
        var again = Run(backend, x, g);
        Assert.Equal(first.Y, again.Y);
        Assert.Equal(first.Dx, again.Dx);
    }

    [Theory]
    [MemberData(nameof(IlgpuFixture.Variants), MemberType = typeof(IlgpuFixture))]
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
        for (var plane = 0; plane < 4; plane++)
        {
            if (plane != 2)
            {
                var range = new Range(plane * planeSize, (plane + 1) * planeSize);
                Assert.Equal(before.Y[range], after.Y[range]);
                Assert.Equal(before.Dx[range], after.Dx[range]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(IlgpuFixture.Variants), MemberType = typeof(IlgpuFixture))]
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

    [Theory]
    [MemberData(nameof(IlgpuFixture.Variants), MemberType = typeof(IlgpuFixture))]
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

    [Fact]
    public void Statistics_match_the_engine_and_feed_its_backward_pass()
    {
        // The statistics are the engine's (mean and unbiased variance, summed in double), so either side's
        // forward can feed the other's backward within the bounds.
        var backend = fixture[IlgpuFixture.Cpu];
        var planeSize = Shapes.PlaneSize(s_shape);
        var x = TestData.Normal(Shapes.Count(s_shape), 12, 2f, 0.5f);
        var g = TestData.Normal(x.Length, 13);
        var mine = new PlaneStatistics[4];
        var engine = new PlaneStatistics[4];
        backend.Forward(x, new float[x.Length], s_shape, mine);
        SimAm.Forward(x, new float[x.Length], s_shape, engine);
        for (var p = 0; p < 4; p++)
        {
            Assert.Equal(engine[p].Mean, mine[p].Mean, 1e-12);
            Assert.Equal(engine[p].Variance, mine[p].Variance, 1e-12 * engine[p].Variance);
        }

        var dx = new float[x.Length];
        backend.Backward(x, g, dx, s_shape, engine);
        var dx64 = Reference64.Backward(Reference64.ToDouble(x), Reference64.ToDouble(g), planeSize, SimAm.DefaultLambda);
        Accuracy.AssertBackward(dx, dx64, planeSize, "ILGPU backward from the engine's statistics");
    }

    private static (float[] Y, float[] Dx) Run(IlgpuBackend backend, float[] x, float[] g)
    {
        var y = new float[x.Length];
        var dx = new float[x.Length];
        backend.Forward(x, y, s_shape);
        backend.Backward(x, g, dx, s_shape);
        return (y, dx);
    }
}
