using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using SimAM.Tests.Kernels;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Tests.Concurrency;

/// <summary>
/// Concurrent calls share nothing observable: 16 threads calling forward and backward on their own
/// buffers get, every time, the bits of a serial run.
/// </summary>
public class ThreadSafetyTests
{
    private const int ThreadCount = 16;
    private const int Iterations = 50;

    /// <summary>Tails of every vector width, several chunks per plane, and (3 × 128×256) chunk-split scheduling.</summary>
    private static readonly int[][] s_shapes = [[2, 3, 37], [1, 1, 2], [4, 8, 14, 14], [1, 2, 9000], [2, 3, 5, 7], [1, 3, 128, 256]];

    [Fact]
    public void Sixteen_threads_calling_forward_and_backward_get_the_serial_results()
    {
        var workers = Enumerable.Range(0, ThreadCount).Select(CreateWorker).ToArray();
        var failures = new ConcurrentQueue<Exception>();
        using var barrier = new Barrier(ThreadCount);
        var threads = workers.Select(worker => new Thread(() =>
        {
            try
            {
                barrier.SignalAndWait();
                for (var i = 0; i < Iterations; i++)
                {
                    worker.RunAndCompare(i);
                }
            }
#pragma warning disable CA1031 // Any exception on a worker thread must reach the test thread.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures.Enqueue(e);
            }
        })).ToArray();

        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        Assert.Empty(failures);
    }

    private static Worker CreateWorker(int index)
    {
        var shape = s_shapes[index % s_shapes.Length];
        var count = shape.Aggregate(1, (a, b) => a * b);
        var kernel = SimAmKernels.Supported[index % SimAmKernels.Supported.Count];
        var context = $"thread {index}, shape [{string.Join(", ", shape)}]";

        // Every fourth thread uses the double-precision path.
        return index % 4 == 3
            ? new DoubleWorker(shape, TestData.NormalDouble(count, seed: index), TestData.NormalDouble(count, seed: index + 100), context)
            : new FloatWorker(shape, TestData.Normal(count, seed: index), TestData.Normal(count, seed: index + 100), KernelPaths.Options(kernel), $"{context}, {kernel}");
    }

    private abstract class Worker
    {
        public abstract void RunAndCompare(int iteration);
    }

    private sealed class FloatWorker : Worker
    {
        private readonly int[] _shape;
        private readonly float[] _x;
        private readonly float[] _g;
        private readonly SimAmOptions _options;
        private readonly string _context;
        private readonly float[] _expectedY;
        private readonly float[] _expectedDx;
        private readonly PlaneStatistics[] _expectedStatistics;
        private readonly float[] _y;
        private readonly float[] _dx;
        private readonly PlaneStatistics[] _statistics;

        public FloatWorker(int[] shape, float[] x, float[] g, SimAmOptions options, string context)
        {
            (_shape, _x, _g, _options, _context) = (shape, x, g, options, context);
            _expectedY = new float[x.Length];
            _expectedDx = new float[x.Length];
            _expectedStatistics = new PlaneStatistics[SimAm.PlaneCount(shape)];
            _y = new float[x.Length];
            _dx = new float[x.Length];
            _statistics = new PlaneStatistics[_expectedStatistics.Length];

            // The serial run, before any thread starts.
            SimAm.Forward(x, _expectedY, shape, _expectedStatistics, SimAm.DefaultLambda, options);
            SimAm.Backward(x, g, _expectedDx, shape, SimAm.DefaultLambda, options);
        }

        public override void RunAndCompare(int iteration)
        {
            Array.Clear(_y);
            Array.Clear(_dx);
            SimAm.Forward(_x, _y, _shape, _statistics, SimAm.DefaultLambda, _options);
            Bits.AssertIdentical(_expectedY, _y, $"{_context}, iteration {iteration}, forward");
            Bits.AssertIdentical(_expectedStatistics, _statistics, $"{_context}, iteration {iteration}, statistics");

            // Alternate the backward pass that recomputes the statistics and the one that is given them.
            if (iteration % 2 == 0)
            {
                SimAm.Backward(_x, _g, _dx, _shape, SimAm.DefaultLambda, _options);
            }
            else
            {
                SimAm.Backward(_x, _g, _dx, _shape, _statistics, SimAm.DefaultLambda, _options);
            }

            Bits.AssertIdentical(_expectedDx, _dx, $"{_context}, iteration {iteration}, backward");
        }
    }

    private sealed class DoubleWorker : Worker
    {
        private readonly int[] _shape;
        private readonly double[] _x;
        private readonly double[] _g;
        private readonly string _context;
        private readonly double[] _expectedY;
        private readonly double[] _expectedDx;
        private readonly double[] _y;
        private readonly double[] _dx;
        private readonly PlaneStatistics[] _statistics;

        public DoubleWorker(int[] shape, double[] x, double[] g, string context)
        {
            (_shape, _x, _g, _context) = (shape, x, g, context);
            _expectedY = new double[x.Length];
            _expectedDx = new double[x.Length];
            _y = new double[x.Length];
            _dx = new double[x.Length];
            _statistics = new PlaneStatistics[SimAm.PlaneCount(shape)];
            SimAm.Forward(x, _expectedY, shape, 0.1);
            SimAm.Backward(x, g, _expectedDx, shape, 0.1);
        }

        public override void RunAndCompare(int iteration)
        {
            Array.Clear(_y);
            Array.Clear(_dx);
            SimAm.Forward(_x, _y, _shape, _statistics, 0.1);
            Bits.AssertIdentical(_expectedY, _y, $"{_context}, iteration {iteration}, double forward");
            SimAm.Backward(_x, _g, _dx, _shape, _statistics, 0.1);
            Bits.AssertIdentical(_expectedDx, _dx, $"{_context}, iteration {iteration}, double backward");
        }
    }
}
