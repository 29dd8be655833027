using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SimAM.Cli.Benchmarking;

/// <summary>
/// Measures one shape: the engine's forward and backward, the two memory floors, the
/// TensorPrimitives chain and the scalar port, all on the same float32 buffers.
/// </summary>
/// <param name="timing">Warm-up and repetition settings.</param>
/// <param name="lambda">λ for every SimAM call.</param>
internal sealed class BenchRunner(Timing timing, float lambda = SimAm.DefaultLambda)
{
    /// <summary>Gets the measurements per shape, in the order <see cref="Run"/> reports them to its progress callback.</summary>
    public static IReadOnlyList<string> Steps { get; } = ["forward", "backward", "memcpy", "3-stream", "TensorPrimitives chain", "scalar port"];

    /// <summary>Measures <paramref name="shape"/>.</summary>
    /// <param name="shape">[N, C, d1, ..., dk], valid for the engine.</param>
    /// <param name="onStepDone">Called after each of <see cref="Steps"/>, with its name.</param>
    /// <returns>The medians.</returns>
    /// <exception cref="ArgumentException">The engine rejects <paramref name="shape"/>.</exception>
    /// <exception cref="InvalidOperationException">The TensorPrimitives chain does not compute what the engine does (so the comparison would be meaningless).</exception>
    public BenchResult Run(IReadOnlyList<int> shape, Action<string>? onStepDone = null)
    {
        int[] dims = [.. shape];
        var planes = SimAm.PlaneCount(dims);
        var elements = 1;
        foreach (var d in dims)
        {
            elements *= d;
        }

        var planeSize = elements / planes;
        var x = RandomTensor(elements, seed: 1);
        var g = RandomTensor(elements, seed: 2);
        var y = new float[elements];
        var dx = new float[elements];
        var statistics = new PlaneStatistics[planes];
        SimAm.Forward(x, y, dims, statistics, lambda);

        var forward = timing.MedianMilliseconds(() => SimAm.Forward(x, y, dims, lambda));
        onStepDone?.Invoke(Steps[0]);
        var backward = timing.MedianMilliseconds(() => SimAm.Backward(x, g, dx, dims, statistics, lambda));
        onStepDone?.Invoke(Steps[1]);
        var memcpy = timing.MedianMilliseconds(() => Baselines.Memcpy(x, dx));
        onStepDone?.Invoke(Steps[2]);
        var threeStream = timing.MedianMilliseconds(() => Baselines.ThreeStream(x, g, dx));
        onStepDone?.Invoke(Steps[3]);

        var scratch = Baselines.CreateScratch(planeSize);
        SimAm.Forward(x, y, dims, lambda);
        Baselines.TensorPrimitivesChain(x, dx, planeSize, lambda, scratch);
        CheckSameResult(y, dx, dims);
        var chain = timing.MedianMilliseconds(() => Baselines.TensorPrimitivesChain(x, dx, planeSize, lambda, scratch));
        onStepDone?.Invoke(Steps[4]);

        Baselines.ScalarPort(x, dx, planeSize, lambda);
        CheckSameResult(y, dx, dims);
        var scalar = timing.MedianMilliseconds(() => Baselines.ScalarPort(x, dx, planeSize, lambda));
        onStepDone?.Invoke(Steps[5]);

        return new BenchResult(dims, elements, forward, backward, memcpy, threeStream, chain, scalar);
    }

    [SuppressMessage("Security", "CA5394:Do not use insecure randomness", Justification = "Benchmark data, not security.")]
    private static float[] RandomTensor(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = (random.NextSingle() * 2f) - 1f;
        }

        return values;
    }

    private static void CheckSameResult(float[] engine, float[] chain, int[] shape)
    {
        // The chain sums in float32, so it is less accurate than the engine, but on values in [-1, 1] it
        // must agree to a few float32 ulps of 1; anything more means one of them computes something else.
        for (var i = 0; i < engine.Length; i++)
        {
            if (!(Math.Abs(engine[i] - chain[i]) <= 1e-4f))
            {
                throw new InvalidOperationException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"The TensorPrimitives chain disagrees with the engine on {BenchShapes.Format(shape)} at element {i}: {chain[i]} vs {engine[i]}."));
            }
        }
    }
}
