using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using SimAM.Backends;

namespace SimAM.Cli.SelfTest;

/// <summary>
/// Checks SimAM paths against <see cref="SimAmReference"/> (float64) with the per-plane bounds:
/// forward max|y − y64| ≤ 2e-7·max|x|, backward max|dx − dx64| ≤ 1e-6·max|dx64|.
/// </summary>
internal static class KernelSelfTest
{
    /// <summary>The forward bound, relative to the plane's max|x|.</summary>
    public const double ForwardBound = 2e-7;

    /// <summary>The backward bound, relative to the plane's max|dx64|.</summary>
    public const double BackwardBound = 1e-6;

    /// <summary>Runs every case through one float32 kernel path: forward, backward with the saved statistics, and backward without.</summary>
    /// <param name="kernel">The path (must be supported here).</param>
    /// <param name="cases">The test tensors.</param>
    /// <returns>The worst errors relative to the bounds.</returns>
    public static SelfTestResult CheckFloat(SimAmKernel kernel, IReadOnlyList<SelfTestCase> cases)
    {
        var options = new SimAmOptions { Kernel = kernel };
        var result = new SelfTestResult(kernel.ToString());
        foreach (var c in cases)
        {
            var y = new float[c.X.Length];
            var dx = new float[c.X.Length];
            var statistics = new PlaneStatistics[SimAm.PlaneCount(c.Shape)];
            SimAm.Forward(c.X, y, c.Shape, statistics, c.Lambda, options);
            result = result.WithForward(ForwardRatio(c, i => y[i]), c);

            SimAm.Backward(c.X, c.G, dx, c.Shape, statistics, c.Lambda, options);
            result = result.WithBackward(BackwardRatio(c, i => dx[i]), c);
            SimAm.Backward(c.X, c.G, dx, c.Shape, c.Lambda, options);
            result = result.WithBackward(BackwardRatio(c, i => dx[i]), c);
        }

        return result;
    }

    /// <summary>Runs every case through a backend's <see cref="ISimAmBackend"/> calls: forward, and backward (statistics recomputed).</summary>
    /// <param name="backend">The backend, for example a GPU device.</param>
    /// <param name="path">The name the result is reported under.</param>
    /// <param name="cases">The test tensors.</param>
    /// <returns>The worst errors relative to the bounds.</returns>
    public static SelfTestResult CheckBackend(ISimAmBackend backend, string path, IReadOnlyList<SelfTestCase> cases)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var result = new SelfTestResult(path);
        foreach (var c in cases)
        {
            var y = new float[c.X.Length];
            var dx = new float[c.X.Length];
            backend.Forward(c.X, y, c.Shape, c.Lambda);
            result = result.WithForward(ForwardRatio(c, i => y[i]), c);
            backend.Backward(c.X, c.G, dx, c.Shape, c.Lambda);
            result = result.WithBackward(BackwardRatio(c, i => dx[i]), c);
        }

        return result;
    }

    /// <summary>Runs every case through the float64 overloads (same bounds, which they beat by far).</summary>
    /// <param name="cases">The test tensors.</param>
    /// <returns>The worst errors relative to the bounds.</returns>
    public static SelfTestResult CheckDouble(IReadOnlyList<SelfTestCase> cases)
    {
        var result = new SelfTestResult("float64");
        foreach (var c in cases)
        {
            var x = Array.ConvertAll(c.X, v => (double)v);
            var g = Array.ConvertAll(c.G, v => (double)v);
            var y = new double[x.Length];
            var dx = new double[x.Length];
            SimAm.Forward(x, y, c.Shape, (double)c.Lambda);
            result = result.WithForward(ForwardRatio(c, i => y[i]), c);
            SimAm.Backward(x, g, dx, c.Shape, (double)c.Lambda);
            result = result.WithBackward(BackwardRatio(c, i => dx[i]), c);
        }

        return result;
    }

    private static double ForwardRatio(SelfTestCase c, Func<int, double> actual) =>
        WorstRatio(c, actual, c.Y64, (start, size) => ForwardBound * MaxAbs(c.X.AsSpan(start, size)));

    private static double BackwardRatio(SelfTestCase c, Func<int, double> actual) =>
        WorstRatio(c, actual, c.Dx64, (start, size) => BackwardBound * MaxAbs(c.Dx64.AsSpan(start, size)));

    /// <summary>The largest per-plane max error divided by that plane's bound; NaN anywhere counts as infinitely bad.</summary>
    private static double WorstRatio(SelfTestCase c, Func<int, double> actual, double[] expected, Func<int, int, double> bound)
    {
        var worst = 0.0;
        for (var start = 0; start < expected.Length; start += c.PlaneSize)
        {
            var error = 0.0;
            for (var i = start; i < start + c.PlaneSize; i++)
            {
                var e = Math.Abs(actual(i) - expected[i]);
                error = double.IsNaN(e) ? double.PositiveInfinity : Math.Max(error, e);
            }

            var ratio = error == 0 ? 0 : error / bound(start, c.PlaneSize);
            worst = double.IsNaN(ratio) ? double.PositiveInfinity : Math.Max(worst, ratio);
        }

        return worst;
    }

    private static double MaxAbs(ReadOnlySpan<float> values) => Math.Abs(TensorPrimitives.MaxMagnitude(values));

    private static double MaxAbs(ReadOnlySpan<double> values) => Math.Abs(TensorPrimitives.MaxMagnitude(values));
}

/// <summary>The outcome for one path: the worst error relative to its bound, forward and backward, and where it occurred.</summary>
/// <param name="Path">The path's name.</param>
internal sealed record SelfTestResult(string Path)
{
    /// <summary>Gets the worst forward error divided by its bound.</summary>
    public double ForwardRatio { get; private init; }

    /// <summary>Gets the worst backward error divided by its bound.</summary>
    public double BackwardRatio { get; private init; }

    /// <summary>Gets the case of <see cref="ForwardRatio"/>.</summary>
    public SelfTestCase? WorstForward { get; private init; }

    /// <summary>Gets the case of <see cref="BackwardRatio"/>.</summary>
    public SelfTestCase? WorstBackward { get; private init; }

    /// <summary>Creates the result of a path that could not run at all (both ratios infinite).</summary>
    /// <param name="path">The path's name.</param>
    /// <returns>The result.</returns>
    public static SelfTestResult Failed(string path) =>
        new(path) { ForwardRatio = double.PositiveInfinity, BackwardRatio = double.PositiveInfinity };

    /// <summary>Gets a value indicating whether both ratios are at most 1.</summary>
    public bool Passed => ForwardRatio <= 1 && BackwardRatio <= 1;

    /// <summary>Takes a forward ratio into account.</summary>
    /// <param name="ratio">The ratio of one case (NaN counts as infinitely bad).</param>
    /// <param name="where">The case.</param>
    /// <returns>The updated result.</returns>
    public SelfTestResult WithForward(double ratio, SelfTestCase where) =>
        IsWorse(ratio, ForwardRatio) ? this with { ForwardRatio = Sanitize(ratio), WorstForward = where } : this;

    /// <summary>Takes a backward ratio into account.</summary>
    /// <param name="ratio">The ratio of one case (NaN counts as infinitely bad).</param>
    /// <param name="where">The case.</param>
    /// <returns>The updated result.</returns>
    public SelfTestResult WithBackward(double ratio, SelfTestCase where) =>
        IsWorse(ratio, BackwardRatio) ? this with { BackwardRatio = Sanitize(ratio), WorstBackward = where } : this;

    private static bool IsWorse(double ratio, double worst) => double.IsNaN(ratio) || ratio > worst;

    private static double Sanitize(double ratio) => double.IsNaN(ratio) ? double.PositiveInfinity : ratio;
}
