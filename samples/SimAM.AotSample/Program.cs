using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using SimAM.Cli.Platform;

namespace SimAM.AotSample;

/// <summary>
/// Runs SimAM forward and backward and the GAM module on fixed tensors with every kernel path this binary has, checks
/// each result against <see cref="SimAmReference"/> and <see cref="SimAM.Gam.GamReference"/> (float64) with the stated bounds, and prints which paths and instruction
/// sets the binary has. Exit code 0: every path within its bounds; 1: a path exceeded them; 2: the paths are not
/// the ones <c>--expect-kernels</c> names, or the arguments are wrong.
/// </summary>
public static class Program
{
    /// <summary>The forward bound per plane, relative to max|x| of the plane (README, "Accuracy").</summary>
    public const double ForwardBound = 2e-7;

    /// <summary>The backward bound per plane, relative to max|dx64| of the plane.</summary>
    public const double BackwardBound = 1e-6;

    /// <summary>GAM's float32 bound, relative to max|y64| of the whole output (README, "GAM").</summary>
    public const double GamBound = 2e-6;

    // Shapes that cross every vector width's tails, a tiny plane, and planes large enough to be split into
    // chunks across threads; a plane with a large offset tests the two-float mean.
    private static readonly int[][] s_shapes =
    [
        [2, 3, 7, 9],
        [1, 4, 33, 65],
        [3, 2, 2],
        [1, 2, 12000],
        [1, 3, 64, 64],
    ];

    /// <summary>Runs the check.</summary>
    /// <param name="args">Optionally <c>--expect-kernels Scalar,Vector128,...</c>: the paths the binary must have.</param>
    /// <returns>The exit code.</returns>
    public static int Main(string[] args)
    {
        string? expected = null;
        if (args.Length == 2 && args[0] == "--expect-kernels")
        {
            expected = args[1];
        }
        else if (args.Length != 0)
        {
            Console.Error.WriteLine("usage: SimAM.AotSample [--expect-kernels Scalar,Vector128,...]");
            return 2;
        }

        var kernels = string.Join(',', SimAmKernels.Supported);
        Console.WriteLine($"instruction sets: {InstructionSets.Describe()}");
        Console.WriteLine($"kernel paths: {kernels} (best: {SimAmKernels.Best})");

        var failures = 0;
        foreach (var kernel in SimAmKernels.Supported)
        {
            var (forward, backward) = Check(kernel);
            var gam = CheckGam(kernel);
            var passed = forward <= 1 && backward <= 1 && gam <= 1;
            failures += passed ? 0 : 1;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{(passed ? "PASS" : "FAIL")}  {kernel,-10} forward {forward,6:F3} of bound   backward {backward,6:F3} of bound   GAM {gam,6:F3} of bound"));
        }

        if (failures > 0)
        {
            Console.Error.WriteLine($"error: {failures} kernel path(s) exceeded the float64 reference's bounds");
            return 1;
        }

        if (expected is not null && !SameKernels(expected, kernels))
        {
            Console.Error.WriteLine($"error: this binary has the kernel paths {kernels}, expected {expected}");
            return 2;
        }

        Console.WriteLine($"all {SimAmKernels.Supported.Count} kernel paths match the float64 reference");
        return 0;
    }

    /// <summary>The worst forward and backward errors of one kernel path over all shapes, as fractions of the bounds.</summary>
    private static (double Forward, double Backward) Check(SimAmKernel kernel)
    {
        double forwardRatio = 0, backwardRatio = 0;
        var options = new SimAmOptions { Kernel = kernel };
        foreach (var shape in s_shapes)
        {
            var count = shape.Aggregate(1, (a, b) => a * b);
            var planeSize = count / (shape[0] * shape[1]);
            var x = Values(count, seed: count, offset: shape[2] == 12000 ? 300f : 0.5f);
            var g = Values(count, seed: count + 1, offset: 0);
            var lambda = SimAm.DefaultLambda;

            var y = new float[count];
            var dx = new float[count];
            var dxWithout = new float[count];
            var statistics = new PlaneStatistics[SimAm.PlaneCount(shape)];
            SimAm.Forward(x, y, shape, statistics, lambda, options);
            SimAm.Backward(x, g, dx, shape, statistics, lambda, options);
            SimAm.Backward(x, g, dxWithout, shape, lambda, options);

            var x64 = Array.ConvertAll(x, v => (double)v);
            var g64 = Array.ConvertAll(g, v => (double)v);
            var y64 = new double[count];
            var dx64 = new double[count];
            SimAmReference.Forward(x64, y64, shape, lambda);
            SimAmReference.Backward(x64, g64, dx64, shape, lambda);

            for (var start = 0; start < count; start += planeSize)
            {
                var forwardScale = ForwardBound * MaxAbs(x64.AsSpan(start, planeSize));
                var backwardScale = BackwardBound * MaxAbs(dx64.AsSpan(start, planeSize));
                for (var i = start; i < start + planeSize; i++)
                {
                    forwardRatio = Math.Max(forwardRatio, Ratio(y[i] - y64[i], forwardScale));
                    backwardRatio = Math.Max(backwardRatio, Ratio(dx[i] - dx64[i], backwardScale));
                    backwardRatio = Math.Max(backwardRatio, Ratio(dxWithout[i] - dx64[i], backwardScale));
                }
            }
        }

        return (forwardRatio, backwardRatio);
    }

    /// <summary>
    /// The worst GAM error of one kernel path, as a fraction of its bound: the module (eval and train, grouped with a
    /// shuffle and plain) against <see cref="SimAM.Gam.GamReference"/> in float64, on weights with PyTorch's default
    /// initialisation.
    /// </summary>
    private static double CheckGam(SimAmKernel kernel)
    {
        var ratio = 0.0;
        int[][] shapes = [[2, 16, 9, 7], [3, 16, 5, 4]];
        foreach (var shape in shapes)
        {
            foreach (var (groups, shuffle) in new[] { (1, 0), (2, 4) })
            {
                foreach (var mode in new[] { SimAM.Gam.GamMode.Eval, SimAM.Gam.GamMode.Train })
                {
                    var count = shape.Aggregate(1, (a, b) => a * b);
                    var x = Values(count, seed: count + groups, offset: 0);
                    var y = new float[count];
                    var module = new SimAM.Gam.GamModule(
                        SimAM.Gam.GamWeights.CreateDefault(16, rate: 4, groups: groups, seed: 3),
                        new SimAM.Gam.GamOptions { Kernel = kernel, ShuffleGroups = shuffle });
                    module.Forward(x, y, shape, mode);

                    var y64 = new double[count];
                    SimAM.Gam.GamReference.Forward(
                        SimAM.Gam.GamWeights.CreateDefault(16, rate: 4, groups: groups, seed: 3),
                        Array.ConvertAll(x, v => (double)v),
                        y64,
                        shape,
                        mode,
                        shuffleGroups: shuffle);
                    var scale = GamBound * MaxAbs(y64);
                    for (var i = 0; i < count; i++)
                    {
                        ratio = Math.Max(ratio, Ratio(y[i] - y64[i], scale));
                    }
                }
            }
        }

        return ratio;
    }

    /// <summary>|error| / scale; a non-finite error (or one on a zero scale) counts as a failure.</summary>
    private static double Ratio(double error, double scale) =>
        double.IsFinite(error) ? (error == 0 ? 0 : Math.Abs(error) / scale) : double.PositiveInfinity;

    private static double MaxAbs(ReadOnlySpan<double> values)
    {
        var max = 0.0;
        foreach (var v in values)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }

    /// <summary>Deterministic values around <paramref name="offset"/> with spread 2 (a 64-bit LCG, so every platform sees the same tensors).</summary>
    private static float[] Values(int count, int seed, float offset)
    {
        var state = (ulong)seed * 6364136223846793005UL + 1442695040888963407UL;
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            state = (state * 6364136223846793005UL) + 1442695040888963407UL;
            values[i] = offset + (2f * (((state >> 40) / (float)(1 << 24)) - 0.5f));
        }

        return values;
    }

    private static bool SameKernels(string expected, string actual)
    {
        static IEnumerable<string> Names(string list) =>
            list.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        return Names(expected).SequenceEqual(Names(actual), StringComparer.OrdinalIgnoreCase);
    }
}
