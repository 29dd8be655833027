using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using SimAM.Gam.Tests.Infrastructure;
using Xunit;

namespace SimAM.Gam.Tests.ModuleTests;

/// <summary>
/// Concurrent eval-mode calls on one module share nothing observable: 16 threads calling <c>Forward</c> (float and
/// double, each on its own input and shape) get, every time, the bits of serial calls. The shapes change from thread to
/// thread, so the module's cached plan and its pool of workspaces are replaced and reshaped under the callers' feet,
/// and half of them are large enough for each call to run on threads of its own.
/// </summary>
public class GamModuleThreadSafetyTests
{
    private const int ThreadCount = 16;
    private const int Iterations = 6;

    /// <summary>Serial sizes (maps under 7×7 among them) and threaded ones (whole samples per worker, phases split across workers).</summary>
    private static readonly int[][] s_shapes = [[2, 16, 8, 9], [1, 16, 13, 14], [3, 16, 9, 11], [5, 16, 2, 3], [4, 16, 7, 7], [1, 16, 3, 5]];

    public static TheoryData<ConvolutionPath> Paths => ModulePaths.AllPaths;

    [Theory]
    [MemberData(nameof(Paths))]
    public void Sixteen_threads_calling_forward_on_one_module_get_the_serial_results(ConvolutionPath path)
    {
        var sample = new RandomModule(1, 16, 1, 1, 4, 16, 1, GamChannelGate.Sigmoid, 4, 31);
        var module = new GamModule(sample.CreateWeights(), sample.Options(SimAmKernel.Auto, path, -1));
        var serial = new GamModule(sample.CreateWeights(), sample.Options(SimAmKernel.Auto, path, 1));
        var workers = Enumerable.Range(0, ThreadCount).Select(i => new Worker(i, module, serial, path)).ToArray();
        var version = module.Weights.Version;

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
        Assert.Equal(version, module.Weights.Version);
        Bits.AssertIdentical(sample.CreateWeights(), module.Weights, "concurrent eval calls changed the weights");
    }

    /// <summary>One caller: its shape, input and precision (every fourth thread double), and the serial module's bits.</summary>
    private sealed class Worker
    {
        private readonly GamModule _module;
        private readonly int[] _shape;
        private readonly bool _wide;
        private readonly float[] _x;
        private readonly double[] _x64;
        private readonly float[] _expected;
        private readonly double[] _expected64;
        private readonly float[] _y;
        private readonly double[] _y64;
        private readonly string _context;

        public Worker(int index, GamModule module, GamModule serial, ConvolutionPath path)
        {
            _module = module;
            _shape = s_shapes[index % s_shapes.Length];
            _wide = index % 4 == 3;
            var random = new Random(index);
            var count = _shape.Aggregate(1, (a, b) => a * b);
            _x = Enumerable.Range(0, count).Select(_ => (float)((4 * random.NextDouble()) - 2)).ToArray();
            _x64 = Accuracy.Widen(_x);
            _expected = new float[count];
            _expected64 = new double[count];
            _y = new float[count];
            _y64 = new double[count];
            _context = $"thread {index}, {path}, {(_wide ? "double" : "float")}, shape [{string.Join(", ", _shape)}]";

            // The serial run, before any thread starts.
            if (_wide)
            {
                serial.Forward(_x64, _expected64, _shape);
            }
            else
            {
                serial.Forward(_x, _expected, _shape);
            }
        }

        public void RunAndCompare(int iteration)
        {
            if (_wide)
            {
                Array.Clear(_y64);
                _module.Forward(_x64, _y64, _shape);
                Bits.AssertIdentical(_expected64, _y64, $"{_context}, iteration {iteration}");
            }
            else
            {
                Array.Clear(_y);
                _module.Forward(_x, _y, _shape);
                Bits.AssertIdentical(_expected, _y, $"{_context}, iteration {iteration}");
            }
        }
    }
}
