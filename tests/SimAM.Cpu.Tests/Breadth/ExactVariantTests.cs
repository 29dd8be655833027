using System;
using System.Linq;
using SimAM.Tests.Kernels;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Tests.Breadth;

/// <summary>
/// The exact variant: its closed form against brute-force minimisation of the paper's energy, its
/// backward formula against finite differences (both in float64), then every kernel path against it.
/// </summary>
public class ExactVariantTests
{
    public static TheoryData<int, double> Planes => new()
    {
        { 2, 0.1 }, { 3, 1e-4 }, { 3, 0.1 }, { 5, 1e-4 }, { 16, 0.1 }, { 49, 1e-4 }, { 100, 0.1 },
    };

    [Theory]
    [MemberData(nameof(Planes))]
    public void Closed_form_equals_the_inverse_of_the_brute_force_minimal_energy_for_every_neuron(int size, double lambda)
    {
        var plane = TestData.NormalDouble(size, seed: size, scale: 0.7, offset: 0.3);
        var energies = ExactReference64.Energies(plane, lambda);
        for (var t = 0; t < size; t++)
        {
            var minimum = MinimalEnergy(plane, t, lambda);
            Assert.True(Math.Abs((energies[t] * minimum) - 1) < 1e-10, $"S={size} t={t}: closed form {energies[t]:R}, 1/e* = {1 / minimum:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Planes))]
    public void Closed_form_statistics_equal_the_direct_leave_one_out_ones(int size, double lambda)
    {
        var plane = TestData.NormalDouble(size, seed: 3 * size, scale: 2, offset: -1);
        var energies = ExactReference64.Energies(plane, lambda);
        for (var t = 0; t < size; t++)
        {
            var others = plane.Where((_, i) => i != t).ToArray();
            var mean = others.Average();
            var variance = others.Sum(v => (v - mean) * (v - mean)) / others.Length;
            var distance = plane[t] - mean;
            var direct = ((distance * distance) + (2 * variance) + (2 * lambda)) / (4 * (variance + lambda));
            Assert.True(Math.Abs(energies[t] - direct) <= 1e-12 * direct, $"S={size} t={t}: {energies[t]:R} vs {direct:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Planes))]
    public void Energy_is_at_least_one_half_and_at_least_the_fast_variants(int size, double lambda)
    {
        var plane = TestData.NormalDouble(size, seed: 5 * size, scale: 1.5);
        var exact = ExactReference64.Energies(plane, lambda);
        var (mean, k) = Reference64.Statistics(plane, lambda);
        for (var t = 0; t < size; t++)
        {
            var c = plane[t] - mean;
            var fast = (k * c * c) + 0.5;
            Assert.True(exact[t] >= 0.5, $"E = {exact[t]}");
            Assert.True(exact[t] >= fast * (1 - 1e-14), $"exact {exact[t]:R} < fast {fast:R}");
        }
    }

    [Fact]
    public void Energy_is_exactly_one_half_at_the_mean_of_the_others()
    {
        // t equal to the mean of the others: (t − μ_t)² = 0, so E = ½ whatever σ_t².
        double[] plane = [0.0, -1.0, 1.0, 2.5, -2.5];
        Assert.Equal(0.5, ExactReference64.Energies(plane, 1e-4)[0], 15);
    }

    [Theory]
    [InlineData(2, 0.1, 0.3)]
    [InlineData(2, 1e-4, 0.01)]
    [InlineData(3, 1e-4, 1)]
    [InlineData(4, 0.1, 1)]
    [InlineData(7, 1e-4, 1)]
    [InlineData(16, 0.1, 2)]
    [InlineData(50, 1e-4, 1)]
    public void Reference_backward_equals_central_finite_differences(int size, double lambda, double scale)
    {
        var x = TestData.NormalDouble(2 * size, seed: 11 * size, scale: scale, offset: 0.2);
        var g = TestData.NormalDouble(2 * size, seed: (11 * size) + 1);
        var dx = ExactReference64.Backward(x, g, size, lambda);
        var h = 1e-6 * scale;
        var worst = 0.0;
        for (var k = 0; k < x.Length; k++)
        {
            var plus = (double[])x.Clone();
            var minus = (double[])x.Clone();
            plus[k] += h;
            minus[k] -= h;
            var numeric = (Loss(plus, g, size, lambda) - Loss(minus, g, size, lambda)) / (2 * h);
            worst = Math.Max(worst, Math.Abs(numeric - dx[k]));
        }

        Assert.True(worst <= 1e-6 * Math.Max(1, Accuracy.MaxAbs(dx)), $"S={size} λ={lambda}: worst |fd − dx| = {worst:E3}");
    }

    [Fact]
    public void Reference_backward_gives_the_directional_derivative_along_random_directions()
    {
        const int Size = 30;
        const double Lambda = 1e-2;
        var x = TestData.NormalDouble(Size, seed: 1);
        var g = TestData.NormalDouble(Size, seed: 2);
        var dx = ExactReference64.Backward(x, g, Size, Lambda);
        for (var seed = 0; seed < 5; seed++)
        {
            var v = TestData.NormalDouble(Size, seed: 100 + seed);
            const double H = 1e-6;
            var plus = x.Select((value, i) => value + (H * v[i])).ToArray();
            var minus = x.Select((value, i) => value - (H * v[i])).ToArray();
            var numeric = (Loss(plus, g, Size, Lambda) - Loss(minus, g, Size, Lambda)) / (2 * H);
            var analytic = dx.Select((d, i) => d * v[i]).Sum();
            Assert.True(Math.Abs(numeric - analytic) <= 1e-7 * Math.Max(1, Math.Abs(analytic)), $"{numeric:R} vs {analytic:R}");
        }
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void Every_spatial_size_from_2_to_300_matches_float64(SimAmKernel kernel)
    {
        for (var size = 2; size <= 300; size++)
        {
            Layouts.CheckAgainstReference(kernel, SimAmLayout.ChannelsFirst, SimAmVariant.Exact, 2, 3, [size], seed: size, scale: 1f, offset: 0.25f, lambda: size % 2 == 0 ? 1e-4f : 0.1f);
        }
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void Image_shapes_and_offset_planes_match_float64_in_both_layouts(SimAmKernel kernel)
    {
        foreach (var layout in new[] { SimAmLayout.ChannelsFirst, SimAmLayout.ChannelsLast })
        {
            Layouts.CheckAgainstReference(kernel, layout, SimAmVariant.Exact, 2, 4, [7, 7], seed: 7, scale: 2f, offset: 0f, lambda: 1e-4f);
            Layouts.CheckAgainstReference(kernel, layout, SimAmVariant.Exact, 1, 3, [56, 56], seed: 56, scale: 1f, offset: -0.5f, lambda: 0.1f);
            Layouts.CheckAgainstReference(kernel, layout, SimAmVariant.Exact, 2, 3, [33, 33], seed: 100, scale: 1f, offset: 100f, lambda: 1e-4f);
            Layouts.CheckAgainstReference(kernel, layout, SimAmVariant.Exact, 1, 17, [2, 3], seed: 23, scale: 1f, offset: 0f, lambda: 1e-4f);
        }
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void Two_values_per_plane_give_finite_gates(SimAmKernel kernel)
    {
        // M = 2: the other neuron's variance σ_t² is 0, so E = ½ + (t − μ_t)²/(4λ); with λ = 1e-4 and
        // values a unit apart the gate is 1 to float precision, with λ = 0.1 it is moderate.
        float[] x = [0.5f, -0.5f, 0.1f, 0.12f, 3f, 3f];
        foreach (var lambda in new[] { 1e-4f, 0.1f })
        {
            var y = new float[x.Length];
            SimAm.Forward(x, y, [1, 3, 2], lambda, Layouts.Options(kernel, SimAmLayout.ChannelsFirst, SimAmVariant.Exact));
            var y64 = ExactReference64.Forward(Reference64.ToDouble(x), 2, lambda);
            for (var i = 0; i < x.Length; i++)
            {
                Assert.True(float.IsFinite(y[i]));
                Assert.True(Math.Abs(y[i] - y64[i]) <= 2e-7 * 3, $"λ={lambda} i={i}: {y[i]} vs {y64[i]}");
            }
        }
    }

    [Fact]
    public void Double_precision_matches_the_reference_closely_in_both_layouts()
    {
        const int Size = 37;
        var x = TestData.NormalDouble(3 * 5 * Size, seed: 9, scale: 2, offset: 1);
        var g = TestData.NormalDouble(x.Length, seed: 10);
        var y64 = ExactReference64.Forward(x, Size, 1e-3);
        var dx64 = ExactReference64.Backward(x, g, Size, 1e-3);
        foreach (var layout in new[] { SimAmLayout.ChannelsFirst, SimAmLayout.ChannelsLast })
        {
            var last = layout == SimAmLayout.ChannelsLast;
            var input = last ? Layouts.ToChannelsLast(x, 3, 5, Size) : x;
            var gradOutput = last ? Layouts.ToChannelsLast(g, 3, 5, Size) : g;
            var options = new SimAmOptions { Layout = layout, Variant = SimAmVariant.Exact };
            var y = new double[x.Length];
            var dx = new double[x.Length];
            SimAm.Forward(input, y, Layouts.Shape(layout, 3, 5, [Size]), 1e-3, options);
            SimAm.Backward(input, gradOutput, dx, Layouts.Shape(layout, 3, 5, [Size]), 1e-3, options);
            if (last)
            {
                y = Layouts.ToChannelsFirst(y, 3, 5, Size);
                dx = Layouts.ToChannelsFirst(dx, 3, 5, Size);
            }

            for (var i = 0; i < x.Length; i++)
            {
                Assert.True(Math.Abs(y[i] - y64[i]) <= 1e-13 * 4, $"{layout} y[{i}]");
                Assert.True(Math.Abs(dx[i] - dx64[i]) <= 1e-12 * 4, $"{layout} dx[{i}]");
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelPaths.All), MemberType = typeof(KernelPaths))]
    public void The_engine_gate_is_the_inverse_minimal_energy(SimAmKernel kernel)
    {
        // y/x = sigmoid(E): recover E from the float output and compare with 1/e* found by brute force.
        const int Size = 40;
        var x = TestData.Normal(Size, seed: 77, scale: 0.3f, offset: 1f);
        var y = new float[Size];
        SimAm.Forward(x, y, [1, 1, Size], 0.1f, Layouts.Options(kernel, SimAmLayout.ChannelsFirst, SimAmVariant.Exact));
        var plane = Reference64.ToDouble(x);
        for (var t = 0; t < Size; t++)
        {
            var s = (double)y[t] / x[t];
            var energy = -Math.Log((1 / s) - 1);
            var expected = 1 / MinimalEnergy(plane, t, 0.1);
            Assert.True(Math.Abs(energy - expected) <= 1e-5 * expected, $"t={t}: {energy:R} vs {expected:R}");
        }
    }

    [Theory]
    [InlineData(1, 3, 256, 256)] // three large planes: chunks split across workers
    [InlineData(4, 16, 12, 12)]
    [InlineData(2, 3, 3, 3)]     // small planes: computed in double
    public void Results_are_bitwise_identical_for_any_degree_of_parallelism(int n, int c, int h, int w)
    {
        var count = n * c * h * w;
        var x = TestData.Normal(count, seed: 31, scale: 2f, offset: 0.5f);
        var g = TestData.Normal(count, seed: 32);
        float[]? y1 = null, dx1 = null;
        foreach (var threads in new[] { 1, 2, 3, 5 })
        {
            var options = new SimAmOptions { Variant = SimAmVariant.Exact, MaxDegreeOfParallelism = threads };
            var y = new float[count];
            var dx = new float[count];
            SimAm.Forward(x, y, [n, c, h, w], 1e-3f, options);
            SimAm.Backward(x, g, dx, [n, c, h, w], 1e-3f, options);
            y1 ??= y;
            dx1 ??= dx;
            Assert.Equal(y1, y);
            Assert.Equal(dx1, dx);
        }
    }

    [Fact]
    public void Fast_is_the_default_and_differs_from_exact()
    {
        Assert.Equal(SimAmVariant.Fast, new SimAmOptions().Variant);
        var x = TestData.Normal(2 * 10, seed: 4);
        var fast = new float[x.Length];
        var exact = new float[x.Length];
        SimAm.Forward(x, fast, [1, 2, 10]);
        SimAm.Forward(x, exact, [1, 2, 10], 1e-4f, new SimAmOptions { Variant = SimAmVariant.Exact });
        Assert.NotEqual(fast, exact);
        for (var i = 0; i < x.Length; i++)
        {
            // E_exact ≥ E_fast and both gates are increasing in E: |y_exact| ≥ |y_fast|.
            Assert.True(Math.Abs(exact[i]) >= Math.Abs(fast[i]) * (1 - 1e-6));
        }
    }

    /// <summary>min over (w, b) of the paper's e_t(w, b), by its 2×2 normal equations, evaluated by summation.</summary>
    private static double MinimalEnergy(double[] plane, int t, double lambda)
    {
        var target = plane[t];
        double others = plane.Length - 1, sum = 0, sumOfSquares = 0;
        for (var i = 0; i < plane.Length; i++)
        {
            if (i != t)
            {
                sum += plane[i];
                sumOfSquares += plane[i] * plane[i];
            }
        }

        var meanOthers = sum / others;
        var meanSquares = sumOfSquares / others;

        // ∂e/∂w = 0: w(⟨x²⟩ + t² + λ) + b(⟨x⟩ + t) = t − ⟨x⟩;  ∂e/∂b = 0: w(⟨x⟩ + t) + 2b = 0.
        double a11 = meanSquares + (target * target) + lambda, a12 = meanOthers + target, a22 = 2;
        double r1 = target - meanOthers, r2 = 0;
        var determinant = (a11 * a22) - (a12 * a12);
        var w = ((r1 * a22) - (a12 * r2)) / determinant;
        var b = ((a11 * r2) - (a12 * r1)) / determinant;

        var energy = 0.0;
        for (var i = 0; i < plane.Length; i++)
        {
            if (i != t)
            {
                var residual = -1 - ((w * plane[i]) + b);
                energy += residual * residual / others;
            }
        }

        var own = 1 - ((w * target) + b);
        return energy + (own * own) + (lambda * w * w);
    }

    private static double Loss(double[] x, double[] g, int size, double lambda)
    {
        var y = ExactReference64.Forward(x, size, lambda);
        return y.Select((v, i) => v * g[i]).Sum();
    }
}
