using System;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Tests.Breadth;

/// <summary><see cref="SimAmModule"/>: same results as the static API, statistics carried over, no steady-state allocation.</summary>
public class SimAmModuleTests
{
    public static TheoryData<SimAmLayout, SimAmVariant> Configurations => new()
    {
        { SimAmLayout.ChannelsFirst, SimAmVariant.Fast },
        { SimAmLayout.ChannelsFirst, SimAmVariant.Exact },
        { SimAmLayout.ChannelsLast, SimAmVariant.Fast },
        { SimAmLayout.ChannelsLast, SimAmVariant.Exact },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Forward_and_backward_equal_the_static_api(SimAmLayout layout, SimAmVariant variant)
    {
        int[] shape = [2, 6, 9, 9];
        var x = TestData.Normal(2 * 6 * 81, seed: 1);
        var g = TestData.Normal(x.Length, seed: 2);
        var options = new SimAmOptions { Layout = layout, Variant = variant, MaxDegreeOfParallelism = 2 };
        var module = new SimAmModule(0.1f, options);
        Assert.Equal(layout, module.Layout);
        Assert.Equal(variant, module.Variant);
        Assert.Equal(0.1f, module.Lambda);

        var y = new float[x.Length];
        var dx = new float[x.Length];
        module.Forward(x, y, shape);
        module.Backward(x, g, dx, shape);

        var expectedY = new float[x.Length];
        var expectedDx = new float[x.Length];
        var stats = new PlaneStatistics[SimAm.PlaneCount(shape, layout)];
        SimAm.Forward(x, expectedY, shape, stats, 0.1f, options);
        SimAm.Backward(x, g, expectedDx, shape, 0.1f, options);
        Assert.Equal(expectedY, y);
        Assert.Equal(expectedDx, dx);
        Assert.Equal(stats, module.Statistics.ToArray());
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Steady_state_calls_allocate_nothing(SimAmLayout layout, SimAmVariant variant)
    {
        int[] shape = [2, 16, 20, 20];
        var x = TestData.Normal(2 * 16 * 400, seed: 3);
        var g = TestData.Normal(x.Length, seed: 4);
        var y = new float[x.Length];
        var dx = new float[x.Length];
        var xh = Array.ConvertAll(x, v => (Half)v);
        var gh = Array.ConvertAll(g, v => (Half)v);
        var yh = new Half[x.Length];
        var dxh = new Half[x.Length];
        var module = new SimAmModule(1e-4f, new SimAmOptions { Layout = layout, Variant = variant, MaxDegreeOfParallelism = 1 });

        void Step()
        {
            module.Forward(x, y, shape);
            module.Backward(x, g, dx, shape);
            module.Forward(xh, yh, shape);
            module.Backward(xh, gh, dxh, shape);
        }

        Assert.Equal(0, SteadyState.AllocatedBytes(Step, calls: 10));
    }

    [Fact]
    public void Backward_needs_a_forward_pass_with_the_same_shape()
    {
        var module = new SimAmModule();
        var x = new float[2 * 3 * 16];
        Assert.Throws<InvalidOperationException>(() => module.Backward(x, x, new float[x.Length], [2, 3, 16]));
        Assert.True(module.Statistics.IsEmpty);

        module.Forward(x, new float[x.Length], [2, 3, 16]);
        Assert.Equal(6, module.Statistics.Length);
        var error = Assert.Throws<ArgumentException>(() => module.Backward(x, x, new float[x.Length], [2, 6, 8]));
        Assert.Equal("shape", error.ParamName);

        // A failed forward pass leaves no statistics behind.
        Assert.Throws<ArgumentException>(() => module.Forward(x, new float[5], [2, 3, 16]));
        Assert.Throws<InvalidOperationException>(() => module.Backward(x, x, new float[x.Length], [2, 3, 16]));
    }

    [Fact]
    public void Lambda_is_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimAmModule(0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimAmModule(float.NaN));
    }

    [Fact]
    public void Double_tensors_run_through_the_module_too()
    {
        var x = TestData.NormalDouble(3 * 25, seed: 5);
        var g = TestData.NormalDouble(x.Length, seed: 6);
        var module = new SimAmModule(1e-3f);
        var y = new double[x.Length];
        var dx = new double[x.Length];
        module.Forward(x, y, [1, 3, 5, 5]);
        module.Backward(x, g, dx, [1, 3, 5, 5]);
        var dx64 = Reference64.Backward(x, g, 25, 1e-3f);
        for (var i = 0; i < x.Length; i++)
        {
            Assert.Equal(dx64[i], dx[i], 1e-12);
        }
    }
}
