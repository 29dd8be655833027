using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Gpu.Ilgpu.Tests;

/// <summary>Device-resident tensors and statistics: a pipeline that stays on the device gives the same bits as the span calls.</summary>
public sealed class DeviceTensorTests(IlgpuFixture fixture)
{
    [Theory]
    [MemberData(nameof(IlgpuFixture.Variants), MemberType = typeof(IlgpuFixture))]
    public void Forward_then_backward_on_the_device_matches_the_span_calls(string variant)
    {
        var backend = fixture[variant];
        int[] shape = [1, 4, 13, 17];
        var x = TestData.Normal(Shapes.Count(shape), 1);
        var g = TestData.Normal(x.Length, 2);
        var y = new float[x.Length];
        var dx = new float[x.Length];
        var statistics = new PlaneStatistics[4];
        backend.Forward(x, y, shape, statistics, 0.1f);
        backend.Backward(x, g, dx, shape, 0.1f);
        var yy = new float[x.Length];
        backend.Forward(y, yy, shape, 0.1f);

        using var xt = backend.Upload(x);
        using var gt = backend.Upload(g);
        using var yt = backend.CreateTensor(x.Length);
        using var dxt = backend.CreateTensor(x.Length);
        using var st = backend.CreateStatistics(4);
        backend.Forward(xt, yt, shape, st, 0.1f);
        backend.Backward(xt, gt, dxt, shape, 0.1f);
        Assert.Equal(y, yt.ToArray());
        Assert.Equal(dx, dxt.ToArray());
        Assert.Equal(statistics, st.ToArray());

        // From the statistics the forward pass kept on the device: the same bits, one pass over x less.
        using var fromStatistics = backend.CreateTensor(x.Length);
        backend.Backward(xt, gt, fromStatistics, shape, st, 0.1f);
        Assert.Equal(dx, fromStatistics.ToArray());

        // Chained on the device, then in place: yt ← SimAM(yt).
        backend.Forward(yt, yt, shape, 0.1f);
        Assert.Equal(yy, yt.ToArray());

        // The gradient may overwrite x or g on the device.
        backend.Backward(xt, gt, gt, shape, st, 0.1f);
        Assert.Equal(dx, gt.ToArray());
        gt.Upload(g);
        backend.Backward(xt, gt, xt, shape, 0.1f);
        backend.Synchronize();
        Assert.Equal(dx, xt.ToArray());
    }

    [Fact]
    public void Statistics_round_trip_and_the_floors_compute_what_they_claim()
    {
        var backend = fixture[IlgpuFixture.Cpu];
        PlaneStatistics[] values = [new(1.5, 2.25), new(-3, 0.5), new(double.NaN, double.PositiveInfinity)];
        using var st = backend.CreateStatistics(3);
        st.Upload(values);
        Assert.Equal(values, st.ToArray());

        var a = TestData.Normal(1000, 3);
        var b = TestData.Normal(1000, 4);
        using var at = backend.Upload(a);
        using var bt = backend.Upload(b);
        using var copy = backend.CreateTensor(1000);
        at.CopyTo(copy);
        Assert.Equal(a, copy.ToArray());
        backend.Add(at, bt, copy);
        var sum = copy.ToArray();
        for (var i = 0; i < sum.Length; i++)
        {
            Assert.Equal(a[i] + b[i], sum[i]);
        }
    }
}
