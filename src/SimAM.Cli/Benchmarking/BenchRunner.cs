using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics.Tensors;

namespace SimAM.Cli.Benchmarking;

/// <summary>
/// Measures one shape: SimAM's forward and backward as <see cref="BenchSetup"/> says (CPU engine or another
/// backend, either layout, float32 or float16), the two memory floors over the same bytes, and the float32
/// TensorPrimitives chain and scalar port.
/// </summary>
/// <param name="timing">Warm-up and repetition settings.</param>
/// <param name="setup">Layout, element type and backend of the measured calls.</param>
/// <param name="lambda">λ for every SimAM call.</param>
internal sealed class BenchRunner(Timing timing, BenchSetup setup, float lambda = SimAm.DefaultLambda)
{
    // The measured calls are checked against the float32 channels-first engine before they are timed. On values in
    // [-1, 1], float32 results agree to a few ulps of 1; a float16 result is rounded once (2^-12 of 1 at most).
    private const float Float32Tolerance = 1e-4f;
    private const float Float16Tolerance = 1e-3f;

    /// <summary>Initializes a new instance of the <see cref="BenchRunner"/> class for the CPU engine on float32 channels-first tensors.</summary>
    /// <param name="timing">Warm-up and repetition settings.</param>
    public BenchRunner(Timing timing)
        : this(timing, BenchSetup.Default)
    {
    }

    /// <summary>
    /// Gets the stages of one shape, in the order <see cref="Run"/> reports them to its progress callback: every measured
    /// call is first checked against the engine, then all (forward, backward, TensorPrimitives chain, scalar port and the
    /// candidates of both floors) are timed together in interleaved rounds (see <see cref="Timing"/>).
    /// </summary>
    public static IReadOnlyList<string> Steps { get; } = ["checking", "timing"];

    /// <summary>Gets how many float32 values the floors move per stream for a tensor: its bytes, rounded up to whole floats.</summary>
    /// <param name="elements">The tensor's values.</param>
    /// <param name="elementSize">Bytes per value: 4 for float32, 2 for float16.</param>
    /// <returns>The float32 count.</returns>
    public static int FloorValues(int elements, int elementSize) =>
        (int)((((long)elements * elementSize) + sizeof(float) - 1) / sizeof(float));

    /// <summary>Measures <paramref name="shape"/>.</summary>
    /// <param name="shape">[N, C, d1, ..., dk], valid for the engine; a channels-last setup runs it as [N, d1, ..., dk, C].</param>
    /// <param name="onStepDone">Called after each of <see cref="Steps"/>, with its name.</param>
    /// <returns>The medians.</returns>
    /// <exception cref="ArgumentException">The engine rejects <paramref name="shape"/>.</exception>
    /// <exception cref="InvalidOperationException">A measured call or the TensorPrimitives chain does not compute what the engine does (so the comparison would be meaningless).</exception>
    public BenchResult Run(IReadOnlyList<int> shape, Action<string>? onStepDone = null)
    {
        int[] nchw = [.. shape];
        var planes = SimAm.PlaneCount(nchw);
        var elements = 1;
        foreach (var d in nchw)
        {
            elements *= d;
        }

        var planeSize = elements / planes;
        var dims = setup.EngineShape(nchw);
        var x = BenchTensors.Random(elements, seed: 1);
        var g = BenchTensors.Random(elements, seed: 2);
        if (setup.DType == BenchDType.Float16)
        {
            // The float32 baselines then see exactly the values the float16 tensors hold.
            BenchTensors.RoundToHalf(x);
            BenchTensors.RoundToHalf(g);
        }

        // What every measured call, and the chain, must compute: the float32 channels-first engine.
        var expected = new float[elements];
        SimAm.Forward(x, expected, nchw, lambda);

        var measured = setup.DType == BenchDType.Float16
            ? PrepareHalf(x, g, nchw, dims, planes, expected)
            : setup.DeviceBench is { } device ? PrepareDevice(device, x, g, nchw, planes, expected) : PrepareFloat(x, g, nchw, dims, planes, expected);
        using var resources = measured.Resources;

        // The chain and the scalar port run on float32 channels-first data, whatever the setup.
        var baselineOutput = measured.BaselineOutput.Length == elements ? measured.BaselineOutput : new float[elements];
        var scratch = Baselines.CreateScratch(planeSize);
        Baselines.TensorPrimitivesChain(x, baselineOutput, planeSize, lambda, scratch);
        CheckSameResult(expected, baselineOutput, nchw, SimAmLayout.ChannelsFirst, Float32Tolerance, "The TensorPrimitives chain");
        Baselines.ScalarPort(x, baselineOutput, planeSize, lambda);
        CheckSameResult(expected, baselineOutput, nchw, SimAmLayout.ChannelsFirst, Float32Tolerance, "The scalar port");
        onStepDone?.Invoke(Steps[0]);

        List<Action> actions =
        [
            measured.Forward,
            measured.Backward,
            () => Baselines.TensorPrimitivesChain(x, baselineOutput, planeSize, lambda, scratch),
            () => Baselines.ScalarPort(x, baselineOutput, planeSize, lambda),
            .. measured.CopyFloors,
            .. measured.ThreeStreamFloors,
        ];
        var engineAt = actions.Count;
        if (measured.EngineForward is { } engineForward && measured.EngineBackward is { } engineBackward)
        {
            actions.Add(engineForward);
            actions.Add(engineBackward);
        }

        var medians = timing.MedianMilliseconds(actions);
        onStepDone?.Invoke(Steps[1]);

        // Each floor is the fastest of its candidates; the first copy candidate is the parallel CopyTo (the memcpy column).
        var copies = medians.Skip(4).Take(measured.CopyFloors.Count).ToList();
        var threeStreams = medians.Skip(4 + copies.Count).Take(measured.ThreeStreamFloors.Count);
        return new BenchResult(dims, elements, medians[0], medians[1], copies[0], copies.Min(), threeStreams.Min(), medians[2], medians[3], setup.ElementSize)
        {
            EngineForwardMs = medians.Count > engineAt ? medians[engineAt] : 0,
            EngineBackwardMs = medians.Count > engineAt + 1 ? medians[engineAt + 1] : 0,
        };
    }

    /// <summary>
    /// Checks float32 forward (CPU engine or the setup's backend) against the engine and returns the forward and
    /// backward calls to time (the CPU backward with the statistics forward saved), with the CPU floors.
    /// </summary>
    private Measured PrepareFloat(float[] x, float[] g, int[] nchw, int[] dims, int planes, float[] expected)
    {
        var xs = Arrange(x, nchw);
        var gs = Arrange(g, nchw);
        var y = new float[xs.Length];
        var dx = new float[xs.Length];
        if (setup.Backend is { } backend)
        {
            backend.Forward(xs, y, dims, lambda);
            CheckSameResult(expected, y, nchw, setup.Layout, Float32Tolerance, backend.Name);
            return Measured.WithCpuFloors(() => backend.Forward(xs, y, dims, lambda), () => backend.Backward(xs, gs, dx, dims, lambda), xs, gs, dx);
        }

        var options = new SimAmOptions { Layout = setup.Layout };
        var statistics = new PlaneStatistics[planes];
        SimAm.Forward(xs, y, dims, statistics, lambda, options);
        CheckSameResult(expected, y, nchw, setup.Layout, Float32Tolerance, "SimAm.Forward");
        return Measured.WithCpuFloors(() => SimAm.Forward(xs, y, dims, lambda, options), () => SimAm.Backward(xs, gs, dx, dims, statistics, lambda, options), xs, gs, dx);
    }

    /// <summary>
    /// Uploads the tensors to a GPU backend, checks its forward against the engine, and returns the device-resident calls
    /// (backward with the statistics forward kept on the device), the device's own copy and 3-stream floors, and the CPU
    /// engine's forward and backward on the same tensors for the speed-up.
    /// </summary>
    private Measured PrepareDevice(IDeviceBench device, float[] x, float[] g, int[] nchw, int planes, float[] expected)
    {
        var calls = device.Prepare(x, g, nchw, lambda);
        try
        {
            CheckSameResult(expected, calls.ForwardResult(), nchw, SimAmLayout.ChannelsFirst, Float32Tolerance, device.Name);
        }
        catch
        {
            calls.Resources.Dispose();
            throw;
        }

        var y = new float[x.Length];
        var dx = new float[x.Length];
        var statistics = new PlaneStatistics[planes];
        SimAm.Forward(x, y, nchw, statistics, lambda);
        return new Measured(
            calls.Forward,
            calls.Backward,
            [calls.Copy],
            [calls.ThreeStream],
            dx,
            calls.Resources,
            () => SimAm.Forward(x, y, nchw, lambda),
            () => SimAm.Backward(x, g, dx, nchw, statistics, lambda));
    }

    /// <summary>
    /// Checks float16 forward on the CPU engine and returns the forward and backward calls to time (backward with the
    /// saved statistics). The floors get float32 buffers of exactly the float16 tensor's bytes (half as many values,
    /// rounded up): the same bytes moved by the same code as the float32 floors.
    /// </summary>
    private Measured PrepareHalf(float[] x, float[] g, int[] nchw, int[] dims, int planes, float[] expected)
    {
        var xh = BenchTensors.ToHalf(Arrange(x, nchw));
        var gh = BenchTensors.ToHalf(Arrange(g, nchw));
        var yh = new Half[xh.Length];
        var dxh = new Half[xh.Length];
        var options = new SimAmOptions { Layout = setup.Layout };
        var statistics = new PlaneStatistics[planes];
        SimAm.Forward((ReadOnlySpan<Half>)xh, (Span<Half>)yh, dims, statistics, lambda, options);
        var y = new float[yh.Length];
        TensorPrimitives.ConvertToSingle(yh, y);
        CheckSameResult(expected, y, nchw, setup.Layout, Float16Tolerance, "SimAm.Forward (float16)");

        var floorLength = FloorValues(xh.Length, elementSize: 2);
        return Measured.WithCpuFloors(
            () => SimAm.Forward((ReadOnlySpan<Half>)xh, (Span<Half>)yh, dims, lambda, options),
            () => SimAm.Backward((ReadOnlySpan<Half>)xh, (ReadOnlySpan<Half>)gh, (Span<Half>)dxh, dims, statistics, lambda, options),
            x.AsSpan(0, floorLength).ToArray(),
            g.AsSpan(0, floorLength).ToArray(),
            new float[floorLength]);
    }

    /// <summary>Gets <paramref name="nchw"/>-shaped data in the setup's layout: the array itself channels first, a permuted copy channels last.</summary>
    private float[] Arrange(float[] values, int[] nchw) =>
        setup.Layout == SimAmLayout.ChannelsLast ? BenchTensors.ToChannelsLast(values, nchw[0], nchw[1]) : values;

    /// <summary>Compares a result in <paramref name="layout"/> with the float32 channels-first engine's.</summary>
    private static void CheckSameResult(float[] expected, float[] actual, int[] nchw, SimAmLayout layout, float tolerance, string what)
    {
        var (n, c) = (nchw[0], nchw[1]);
        var s = expected.Length / (n * c);
        for (var i = 0; i < expected.Length; i++)
        {
            // Element i of the channels-first tensor is (sample, channel, position).
            var j = i;
            if (layout == SimAmLayout.ChannelsLast)
            {
                var (plane, position) = Math.DivRem(i, s);
                var (sample, channel) = Math.DivRem(plane, c);
                j = (((sample * s) + position) * c) + channel;
            }

            if (!(Math.Abs(expected[i] - actual[j]) <= tolerance))
            {
                throw new InvalidOperationException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{what} disagrees with the engine on {BenchShapes.Format(nchw)} at element {i}: {actual[j]} vs {expected[i]}."));
            }
        }
    }

    /// <summary>
    /// What one shape times: SimAM's forward and backward, the candidates of each floor (the first copy candidate is
    /// the memcpy column), a buffer the baselines may reuse, what to free afterwards, and (on a device) the CPU
    /// engine's forward and backward.
    /// </summary>
    private sealed record Measured(
        Action Forward,
        Action Backward,
        IReadOnlyList<Action> CopyFloors,
        IReadOnlyList<Action> ThreeStreamFloors,
        float[] BaselineOutput,
        IDisposable? Resources = null,
        Action? EngineForward = null,
        Action? EngineBackward = null)
    {
        /// <summary>
        /// The CPU floors over the given buffers: a copy of the first, and output = first + second, each with ordinary
        /// and with non-temporal stores, in parallel and on one thread.
        /// </summary>
        public static Measured WithCpuFloors(Action forward, Action backward, float[] first, float[] second, float[] output) =>
            new(forward, backward, Baselines.ForwardFloors(first, output), Baselines.BackwardFloors(first, second, output), output);
    }
}
