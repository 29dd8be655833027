using System;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Tests.Properties;

/// <summary>The public float64 reference agrees with the tests' own, out of place and in place.</summary>
public class SimAmReferenceTests
{
    [Fact]
    public void Forward_and_backward_equal_the_independent_reference_also_in_place()
    {
        int[] shape = [2, 3, 5, 7];
        const int PlaneSize = 35;
        var x = Reference64.ToDouble(TestData.Normal(2 * 3 * PlaneSize, seed: 21, scale: 2f, offset: 1f));
        var g = Reference64.ToDouble(TestData.Normal(x.Length, seed: 22));
        var expectedY = Reference64.Forward(x, PlaneSize, 0.1);
        var expectedDx = Reference64.Backward(x, g, PlaneSize, 0.1);

        var y = new double[x.Length];
        SimAmReference.Forward(x, y, shape, 0.1);
        AssertClose(expectedY, y);

        var dx = new double[x.Length];
        SimAmReference.Backward(x, g, dx, shape, 0.1);
        AssertClose(expectedDx, dx);

        var inPlaceY = (double[])x.Clone();
        SimAmReference.Forward(inPlaceY, inPlaceY, shape, 0.1);
        Assert.Equal(y, inPlaceY);

        var inPlaceDx = (double[])g.Clone();
        SimAmReference.Backward(x, inPlaceDx, inPlaceDx, shape, 0.1);
        Assert.Equal(dx, inPlaceDx);

        var partial = new double[x.Length + 1];
        Array.Copy(g, partial, g.Length);
        Assert.Throws<ArgumentException>(() => SimAmReference.Backward(x, partial.AsSpan(0, g.Length), partial.AsSpan(1, g.Length), shape, 0.1));
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12 * Math.Max(1, Math.Abs(expected[i])), $"element {i}: {actual[i]:R} vs {expected[i]:R}");
        }
    }
}
