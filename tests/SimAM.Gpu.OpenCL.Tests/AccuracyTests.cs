using System;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Gpu.Tests;

/// <summary>Property 1 of the math document on the device: every kernel path against the float64 reference, within the engine's bounds.</summary>
[Collection(OpenClTestGroup.Name)]
public sealed class AccuracyTests(OpenClFixture fixture, ITestOutputHelper output) : IDisposable
{
    private double _worstForward;
    private double _worstBackward;

    [OpenClTheory]
    [MemberData(nameof(OpenClFixture.Variants), MemberType = typeof(OpenClFixture))]
    public void Every_spatial_size_from_2_to_300_matches_float64(string variant)
    {
        var backend = Backend(variant);
        for (var size = 2; size <= 300; size++)
        {
            Check(backend, [2, 3, size], seed: size, scale: 1f, offset: 0.25f, lambda: size % 2 == 0 ? 1e-4f : 0.1f);
        }
    }

    [OpenClTheory]
    [MemberData(nameof(OpenClFixture.Variants), MemberType = typeof(OpenClFixture))]
    public void Image_shapes_match_float64(string variant)
    {
        var backend = Backend(variant);
        Check(backend, [2, 4, 7, 7], seed: 7, scale: 2f, offset: 0f, lambda: 1e-4f);
        Check(backend, [1, 3, 56, 56], seed: 56, scale: 1f, offset: -0.5f, lambda: 0.1f);
        Check(backend, [1, 2, 3, 5, 7], seed: 357, scale: 1f, offset: 0f, lambda: 1e-4f);
        Check(backend, [3, 5, 17, 19], seed: 1719, scale: 1f, offset: 0f, lambda: 1e-4f);
    }

    [OpenClTheory]
    [MemberData(nameof(OpenClFixture.Variants), MemberType = typeof(OpenClFixture))]
    public void A_1024_by_1024_plane_matches_float64(string variant) =>
        // On a device with few compute units the automatic layout splits this plane across work-groups.
        Check(Backend(variant), [1, 1, 1024, 1024], seed: 1024, scale: 3f, offset: 1f, lambda: 1e-4f);

    [OpenClTheory]
    [MemberData(nameof(OpenClFixture.Variants), MemberType = typeof(OpenClFixture))]
    public void A_plane_far_from_zero_keeps_full_accuracy(string variant)
    {
        var backend = Backend(variant);
        Check(backend, [2, 3, 33, 33], seed: 100, scale: 1f, offset: 100f, lambda: 1e-4f);

        // Planes under 16 values: the backward pass cancels to the last bits of u there, so u is taken in double.
        for (var size = 2; size < 18; size++)
        {
            Check(backend, [1, 3, size], seed: 100 + size, scale: 1f, offset: 100f, lambda: 1e-4f);
        }
    }

    [OpenClTheory]
    [MemberData(nameof(OpenClFixture.Variants), MemberType = typeof(OpenClFixture))]
    public void A_300_by_300_plane_of_5_plus_small_noise_beats_pytorch_float32(string variant) =>
        Check(Backend(variant), [1, 1, 300, 300], seed: 5, scale: 0.01f, offset: 5f, lambda: 1e-4f);

    [OpenClTheory]
    [MemberData(nameof(OpenClFixture.Variants), MemberType = typeof(OpenClFixture))]
    public void Huge_and_tiny_magnitudes_keep_the_relative_bounds(string variant)
    {
        // The bounds scale with max|x|: the compensated float path pre-scales by a power of two so its
        // sums neither overflow (1e30² > float.MaxValue) nor lose tiny values.
        var backend = Backend(variant);
        Check(backend, [1, 2, 40, 40], seed: 30, scale: 1e30f, offset: 0f, lambda: 1e-4f);
        Check(backend, [1, 2, 40, 40], seed: 31, scale: 1e18f, offset: 3e18f, lambda: 0.1f);
        Check(backend, [1, 2, 40, 40], seed: -30, scale: 1e-30f, offset: 0f, lambda: 1e-4f);
        Check(backend, [1, 2, 40, 40], seed: -3, scale: 1e-3f, offset: 0f, lambda: 1e-4f);
    }

    [OpenClTheory]
    [MemberData(nameof(OpenClFixture.Variants), MemberType = typeof(OpenClFixture))]
    public void Gradients_whose_product_with_x_exceeds_float_max_meet_the_backward_bound(string variant)
    {
        // |x| and |g| up to about 5e20: g·x reaches 1e41, beyond float, while dx stays of the order of g. The
        // kernel forms g·(x·σ), σ a power of two near r, and divides σ back out of the coefficients.
        var backend = Backend(variant);
        Check(backend, [2, 3, 7, 7], seed: 20, scale: 1e20f, offset: 0f, lambda: 1e-4f, gradientScale: 1e20f);
        Check(backend, [1, 2, 40, 40], seed: 21, scale: 1e20f, offset: 0f, lambda: 1e-4f, gradientScale: 1e20f);
    }

    private void Check(OpenClBackend backend, int[] shape, int seed, float scale, float offset, float lambda, float gradientScale = 1f)
    {
        var count = Shapes.Count(shape);
        var planeSize = Shapes.PlaneSize(shape);
        var x = TestData.Normal(count, seed, scale, offset);
        var g = TestData.Normal(count, seed + 1, gradientScale);
        var context = $"{backend.Name} shape {Shapes.Format(shape)} λ={lambda}";

        var y = new float[count];
        backend.Forward(x, y, shape, lambda);
        var x64 = Reference64.ToDouble(x);
        var y64 = Reference64.Forward(x64, planeSize, lambda);
        Accuracy.AssertForward(x, y, y64, planeSize, context);

        var dx = new float[count];
        backend.Backward(x, g, dx, shape, lambda);
        var dx64 = Reference64.Backward(x64, Reference64.ToDouble(g), planeSize, lambda);
        Accuracy.AssertBackward(dx, dx64, planeSize, context);

        _worstForward = Math.Max(_worstForward, Accuracy.WorstRatio(y, y64, planeSize, p => Accuracy.ForwardBound * Accuracy.MaxAbs(x.AsSpan(p * planeSize, planeSize))));
        _worstBackward = Math.Max(_worstBackward, Accuracy.WorstRatio(dx, dx64, planeSize, p => Accuracy.BackwardBound * Accuracy.MaxAbs(dx64.AsSpan(p * planeSize, planeSize))));
    }

    /// <summary>Reports how much of each bound the test used (1 = at the bound).</summary>
    public void Dispose() =>
        output.WriteLine($"worst error / bound: forward {_worstForward:F3}, backward {_worstBackward:F3}");

    private OpenClBackend Backend(string variant)
    {
        var backend = fixture[variant];
        output.WriteLine($"device: {backend.Device}; backend: {backend.Name}; work-group {backend.WorkGroupSize}");
        return backend;
    }
}
