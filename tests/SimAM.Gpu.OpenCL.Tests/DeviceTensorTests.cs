using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Gpu.Tests;

/// <summary>Device-resident tensors: a pipeline that stays on the device gives the same bits as the span calls.</summary>
[Collection(OpenClTestGroup.Name)]
public sealed class DeviceTensorTests(OpenClFixture fixture)
{
    [OpenClTheory]
    [MemberData(nameof(OpenClFixture.Variants), MemberType = typeof(OpenClFixture))]
    public void Forward_then_backward_on_the_device_matches_the_span_calls(string variant)
    {
        var backend = fixture[variant];
        int[] shape = [2, 4, 13, 17];
        var x = TestData.Normal(Shapes.Count(shape), 1);
        var g = TestData.Normal(x.Length, 2);
        var y = new float[x.Length];
        var dx = new float[x.Length];
        backend.Forward(x, y, shape, 0.1f);
        backend.Backward(x, g, dx, shape, 0.1f);
        var yy = new float[x.Length];
        backend.Forward(y, yy, shape, 0.1f);

        using var xt = backend.Upload(x);
        using var gt = backend.Upload(g);
        using var yt = backend.CreateTensor(x.Length);
        using var dxt = backend.CreateTensor(x.Length);
        backend.Forward(xt, yt, shape, 0.1f);
        backend.Backward(xt, gt, dxt, shape, 0.1f);
        Assert.Equal(y, yt.ToArray());
        Assert.Equal(dx, dxt.ToArray());

        // Chained on the device, then in place: yt ← SimAM(yt).
        backend.Forward(yt, yt, shape, 0.1f);
        Assert.Equal(yy, yt.ToArray());

        // The gradient may overwrite x or g on the device.
        backend.Backward(xt, gt, gt, shape, 0.1f);
        Assert.Equal(dx, gt.ToArray());
        gt.Upload(g);
        backend.Backward(xt, gt, xt, shape, 0.1f);
        backend.Finish();
        Assert.Equal(dx, xt.ToArray());
    }
}
