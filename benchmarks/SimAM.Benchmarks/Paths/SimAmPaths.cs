using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics.Tensors;
using System.Text.Json;
using SimAM.Benchmarks.Infrastructure;
using SimAM.Cli.Benchmarking;
using SimAM.Cli.Commands;
using static SimAM.Benchmarks.Infrastructure.CommandArguments;
using static SimAM.Benchmarks.Infrastructure.Reporting;

namespace SimAM.Benchmarks.Paths;

/// <summary>
/// <c>simam-paths</c>: every performance target of SimAM in one process. Per shape, the four candidates of the streaming
/// floor, the four of the 3-stream floor and every path of the engine (float NCHW forward, backward with saved and with
/// recomputed statistics, NHWC, Half and the exact variant, forward and backward with saved statistics) are timed
/// together in interleaved rounds (medians), so that every ratio of the table compares times taken in the same windows
/// of a noisy host.
/// </summary>
/// <remarks>
/// Each path is checked against float NCHW fast before anything is timed (the exact variant, a different formula,
/// against the engine's float64 exact variant). Run by hand:
/// <c>dotnet run -c Release --project benchmarks/SimAM.Benchmarks -- simam-paths [--quick] [--shape N,C,...]... [--json FILE]</c>.
/// </remarks>
internal static class SimAmPaths
{
    public const string CommandName = "simam-paths";

    /// <summary>The bound of the targets that compare two paths of the engine (recompute/saved, NHWC, Half, exact over float NCHW fast).</summary>
    public const double RelativeLimit = 1.3;

    private const string Usage =
        "usage: simam-paths [--quick] [--shape N,C,d1[,d2[,d3]]]... [--json FILE] [--warmup SECONDS]\n" +
        "  --shape S          a shape to measure (repeatable; default: the shapes of simam bench)\n" +
        "  --quick            fewer repetitions (the shapes stay as given)\n" +
        "  --json FILE        also write every median and ratio as JSON\n" +
        "  --warmup SECONDS   calls of each path for this long before timing (default: 0.25 with tiered compilation\n" +
        "                     on, so that the hot loops reach their final code; 0 with DOTNET_TieredCompilation=0)";

    // Every path is checked against float NCHW fast on the same values (which are float16 numbers, see MeasureShape),
    // as max |difference| / max |expected|: float32 paths agree to a few ulps of the largest value, a float16 result is
    // rounded once (2^-11 of it at most) from a float32 computation.
    private const double Float32Tolerance = 1e-4;
    private const double Float16Tolerance = 1e-3;

    private const float Lambda = SimAm.DefaultLambda;

    /// <summary>The timed calls of one shape, in the order of <see cref="Result.Medians"/>: the JSON's names.</summary>
    private static readonly string[] s_paths =
    [
        "memcpy_parallel",
        "memcpy_serial",
        "streaming_copy_parallel",
        "streaming_copy_serial",
        "three_stream_parallel",
        "three_stream_serial",
        "streaming_three_stream_parallel",
        "streaming_three_stream_serial",
        "forward",
        "backward_saved",
        "backward_recompute",
        "nhwc_forward",
        "nhwc_backward_saved",
        "half_forward",
        "half_backward_saved",
        "exact_forward",
        "exact_backward_saved",
    ];

    /// <summary>Runs the command.</summary>
    /// <param name="args">The arguments after <c>simam-paths</c>.</param>
    /// <param name="output">Where the table goes.</param>
    /// <returns>The exit code: 0, 1 when a path disagrees with float NCHW fast, 2 for bad arguments.</returns>
    public static int Run(string[] args, TextWriter output)
    {
        if (Start(CommandName, Usage, args, output, out Arguments parsed) is { } exit)
        {
            return exit;
        }

        var shapes = parsed.Shapes.Count > 0 ? parsed.Shapes : BenchShapes.Standard;
        foreach (var shape in shapes)
        {
            if (Validate(shape) is { } problem)
            {
                Console.Error.WriteLine($"{CommandName}: {BenchShapes.Format(shape)}: {problem}");
                return 2;
            }
        }

        try
        {
            return Measure(shapes, parsed, output);
        }
        catch (InvalidOperationException exception)
        {
            // A path that computes something else would make its ratio meaningless: no table for it.
            Console.Error.WriteLine($"{CommandName}: {exception.Message}");
            return 1;
        }
    }

    /// <summary>Says what is wrong with a shape, or <see langword="null"/> when every path can run it.</summary>
    /// <param name="shape">[N, C, d1, ..., dk].</param>
    /// <returns>The problem, or <see langword="null"/>.</returns>
    internal static string? Validate(IReadOnlyList<int> shape)
    {
        if (shape.Count is < 3 or > 5 || shape.Any(d => d < 1) || shape.Skip(2).Aggregate(1L, (a, d) => a * d) < 2)
        {
            return "need [N, C, d1, ..., dk] with k from 1 to 3 and at least 2 values per plane";
        }

        // The float64 reference of the exact variant takes 8 bytes a value, and every buffer is one array.
        return shape.Aggregate(1L, (a, d) => a * d) > Array.MaxLength / sizeof(double)
            ? Invariant($"more than {Array.MaxLength / sizeof(double)} values")
            : null;
    }

    private static int Measure(IReadOnlyList<int[]> shapes, Arguments parsed, TextWriter output)
    {
        var environment = BenchEnvironment.Current();
        var threads = Environment.ProcessorCount;
        var timing = parsed.Quick ? Timing.Quick : Timing.Standard;
        var tieredOn = Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") is not "0";
        var tiered = tieredOn ? "on" : "off";
        var warmup = parsed.WarmupSeconds ?? (tieredOn ? 0.25 : 0);
        var loadBefore = LoadAverage();
        output.WriteLine(Invariant($"SimAM's paths against the floors and float NCHW fast, same process, interleaved rounds, medians, lambda {Lambda}"));
        output.WriteLine(Invariant($"{environment.Cpu}, {threads} logical processors, kernel {environment.Kernel}, {environment.Runtime} (tiered compilation {tiered})"));
        output.WriteLine(Invariant($"every call on all {threads} cores (the floors also on one); {(parsed.Quick ? "quick" : "standard")} timing, {warmup:0.##} s warm-up per path; load average {loadBefore ?? "unknown"}"));
        output.WriteLine();
        output.WriteLine("| shape | MB | fwd ms | × floor | bwd ms | × 3-stream | recompute / saved | NHWC fwd / NCHW | NHWC bwd / NCHW | Half fwd / NCHW | Half bwd / NCHW | exact fwd / NCHW | exact bwd / NCHW |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");

        var results = new List<Result>();
        foreach (var shape in shapes)
        {
            var r = MeasureShape(shape, timing, warmup);
            results.Add(r);
            output.WriteLine(Invariant(
                $"| {BenchShapes.Format(shape)} | {r.Megabytes:F1} | {r.ForwardMs:F3} | {Ratio(r.ForwardOverFloor, "x")} | {r.BackwardMs:F3} | {Ratio(r.BackwardOverThreeStream, "x")} | {Ratio(r.RecomputeOverSaved)} | {Ratio(r.Relative("nhwc_forward", "forward"))} | {Ratio(r.Relative("nhwc_backward_saved", "backward_saved"))} | {Ratio(r.Relative("half_forward", "forward"))} | {Ratio(r.Relative("half_backward_saved", "backward_saved"))} | {Ratio(r.Relative("exact_forward", "forward"))} | {Ratio(r.Relative("exact_backward_saved", "backward_saved"))} |"));
        }

        var loadAfter = LoadAverage();
        var over = results.SelectMany(r => r.RelativeRatios()).Count(p => p.Value > RelativeLimit);
        var cells = results.Sum(r => r.RelativeRatios().Count());
        output.WriteLine();
        output.WriteLine("MB: the float32 tensor. × floor: forward over the fastest copy of the tensor (CopyTo or non-temporal stores, 2 threads or 1);");
        output.WriteLine("× 3-stream: backward with saved statistics over the fastest dx = x + g. The other columns divide a path by float NCHW fast:");
        output.WriteLine("backward recomputing the statistics by backward with saved ones; NHWC (the same tensor permuted), Half (float16 tensors,");
        output.WriteLine("time not bytes) and the exact variant by float NCHW fast forward, or backward with saved statistics.");
        output.WriteLine(Invariant($"{cells - over} of {cells} path ratios within {RelativeLimit}x; load average {loadAfter ?? "unknown"} at the end"));
        if (parsed.Json is { } jsonPath)
        {
            TensorFiles.Write(jsonPath, stream => WriteJson(stream, results, environment, parsed.Quick, warmup, tiered, loadBefore, loadAfter));
            output.WriteLine($"wrote {jsonPath}");
        }

        return 0;
    }

    private static Result MeasureShape(int[] shape, Timing timing, double warmup)
    {
        var elements = shape.Aggregate(1, (a, d) => a * d);
        var (n, c) = (shape[0], shape[1]);
        int[] channelsLast = [n, .. shape[2..], c];
        var channelsLastOptions = new SimAmOptions { Layout = SimAmLayout.ChannelsLast };
        var exactOptions = new SimAmOptions { Variant = SimAmVariant.Exact };

        // The input of simam bench (uniform in [-1, 1), seeds 1 and 2), rounded to float16 as its --dtype float16 does:
        // then the float32 and float16 paths compute on the very same numbers, and only the output's rounding differs.
        var x = BenchTensors.Random(elements, seed: 1);
        var g = BenchTensors.Random(elements, seed: 2);
        BenchTensors.RoundToHalf(x);
        BenchTensors.RoundToHalf(g);
        var xLast = BenchTensors.ToChannelsLast(x, n, c);
        var gLast = BenchTensors.ToChannelsLast(g, n, c);
        var xHalf = BenchTensors.ToHalf(x);
        var gHalf = BenchTensors.ToHalf(g);

        // One output per path, so that no check reads another path's values, and the floors write their own.
        var floorOutput = new float[elements];
        var y = new float[elements];
        var dx = new float[elements];
        var dxRecomputed = new float[elements];
        var yLast = new float[elements];
        var dxLast = new float[elements];
        var yHalf = new Half[elements];
        var dxHalf = new Half[elements];
        var yExact = new float[elements];
        var dxExact = new float[elements];

        // Each backward takes the statistics of its own forward call (layout, element type and variant).
        var planes = n * c;
        var statistics = new PlaneStatistics[planes];
        var statisticsLast = new PlaneStatistics[planes];
        var statisticsHalf = new PlaneStatistics[planes];
        var statisticsExact = new PlaneStatistics[planes];
        SimAm.Forward(x, y, shape, statistics, Lambda);
        SimAm.Forward(xLast, yLast, channelsLast, statisticsLast, Lambda, channelsLastOptions);
        SimAm.Forward((ReadOnlySpan<Half>)xHalf, (Span<Half>)yHalf, shape, statisticsHalf, Lambda);
        SimAm.Forward(x, yExact, shape, statisticsExact, Lambda, exactOptions);

        Action[] actions =
        [
            .. Baselines.ForwardFloors(x, floorOutput),
            .. Baselines.BackwardFloors(x, g, floorOutput),
            () => SimAm.Forward(x, y, shape, Lambda),
            () => SimAm.Backward(x, g, dx, shape, statistics, Lambda),
            () => SimAm.Backward(x, g, dxRecomputed, shape, Lambda),
            () => SimAm.Forward(xLast, yLast, channelsLast, Lambda, channelsLastOptions),
            () => SimAm.Backward(xLast, gLast, dxLast, channelsLast, statisticsLast, Lambda, channelsLastOptions),
            () => SimAm.Forward((ReadOnlySpan<Half>)xHalf, (Span<Half>)yHalf, shape, Lambda),
            () => SimAm.Backward((ReadOnlySpan<Half>)xHalf, (ReadOnlySpan<Half>)gHalf, (Span<Half>)dxHalf, shape, statisticsHalf, Lambda),
            () => SimAm.Forward(x, yExact, shape, Lambda, exactOptions),
            () => SimAm.Backward(x, g, dxExact, shape, statisticsExact, Lambda, exactOptions),
        ];
        Debug.Assert(actions.Length == s_paths.Length, "one name per timed call");

        // Every engine call once more into cleared outputs, then checked: the timed calls write the same values.
        foreach (var buffer in new[] { y, dx, dxRecomputed, yLast, dxLast, yExact, dxExact })
        {
            Array.Clear(buffer);
        }

        Array.Clear(yHalf);
        Array.Clear(dxHalf);
        foreach (var k in Enumerable.Range(8, actions.Length - 8))
        {
            actions[k]();
        }

        var errors = Check(shape, x, g, y, dx, dxRecomputed, yLast, dxLast, yHalf, dxHalf, yExact, dxExact, exactOptions);

        // With tiered compilation on, the hot loops reach their final code only after some calls and the background
        // JIT's delay, beyond the timing's own three warm-up calls.
        foreach (var action in actions)
        {
            WarmUp(action, warmup);
        }

        var medians = timing.MedianMilliseconds(actions);
        return new Result(shape, elements * sizeof(float) / 1e6, [.. medians], errors);
    }

    /// <summary>
    /// Checks every path's forward and backward against float NCHW fast (NHWC permuted back, Half widened), the backward
    /// that recomputes the statistics against the one with saved statistics, and the exact variant, whose gate is a
    /// different formula, against the engine's float64 exact variant (there is no separate reference of it outside the
    /// tests); every result must be finite.
    /// </summary>
    /// <returns>Each check's max |difference| / max |expected|, by name.</returns>
    /// <exception cref="InvalidOperationException">A result is not finite or is off by more than its tolerance.</exception>
    private static SortedDictionary<string, double> Check(
        int[] shape, float[] x, float[] g, float[] y, float[] dx, float[] dxRecomputed, float[] yLast, float[] dxLast, Half[] yHalf, Half[] dxHalf, float[] yExact, float[] dxExact, SimAmOptions exactOptions)
    {
        var (n, c) = (shape[0], shape[1]);
        var x64 = Array.ConvertAll(x, v => (double)v);
        var g64 = Array.ConvertAll(g, v => (double)v);
        var yExact64 = new double[x.Length];
        var dxExact64 = new double[x.Length];
        SimAm.Forward(x64, yExact64, shape, (double)Lambda, exactOptions);
        SimAm.Backward(x64, g64, dxExact64, shape, (double)Lambda, exactOptions);

        var errors = new SortedDictionary<string, double>(StringComparer.Ordinal);
        void Expect(string name, float[] actual, ReadOnlySpan<float> expected, double tolerance)
        {
            var error = RelativeError(actual, expected);
            errors[name] = error;
            if (!(error <= tolerance))
            {
                throw new InvalidOperationException(Invariant(
                    $"{name} on {BenchShapes.Format(shape)}: max |difference| / max |expected| = {error:0.0e+0}, more than {tolerance:0.0e+0}"));
            }
        }

        // The reference itself first: a NaN there would make every comparison below fail with a misleading name.
        if (RelativeError(y, y) is not 0 || RelativeError(dx, dx) is not 0)
        {
            throw new InvalidOperationException($"float NCHW fast on {BenchShapes.Format(shape)} gave values that are not finite");
        }

        Expect("backward_recompute", dxRecomputed, dx, Float32Tolerance);
        Expect("nhwc_forward", BenchTensors.ToChannelsFirst(yLast, n, c), y, Float32Tolerance);
        Expect("nhwc_backward_saved", BenchTensors.ToChannelsFirst(dxLast, n, c), dx, Float32Tolerance);
        Expect("half_forward", ToSingle(yHalf), y, Float16Tolerance);
        Expect("half_backward_saved", ToSingle(dxHalf), dx, Float16Tolerance);
        Expect("exact_forward", yExact, Array.ConvertAll(yExact64, v => (float)v), Float32Tolerance);
        Expect("exact_backward_saved", dxExact, Array.ConvertAll(dxExact64, v => (float)v), Float32Tolerance);
        return errors;
    }

    /// <summary>max |actual − expected| / max |expected|; NaN when either holds a value that is not finite.</summary>
    private static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        double difference = 0, scale = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            if (!float.IsFinite(actual[i]) || !float.IsFinite(expected[i]))
            {
                return double.NaN;
            }

            difference = Math.Max(difference, Math.Abs((double)actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }

        return difference == 0 ? 0 : difference / scale;
    }

    private static void WarmUp(Action action, double seconds)
    {
        var start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < seconds)
        {
            action();
        }
    }

    private static float[] ToSingle(Half[] values)
    {
        var result = new float[values.Length];
        TensorPrimitives.ConvertToSingle(values, result);
        return result;
    }

    /// <summary>The 1-, 5- and 15-minute load averages from /proc/loadavg, or <see langword="null"/> where there is none.</summary>
    private static string? LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void WriteJson(Stream stream, IReadOnlyList<Result> results, BenchEnvironment environment, bool quick, double warmup, string tiered, string? loadBefore, string? loadAfter)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartObject("environment");
        json.WriteString("cpu", environment.Cpu);
        json.WriteNumber("logical_processors", environment.LogicalProcessors);
        json.WriteString("kernel", environment.Kernel);
        json.WriteString("instruction_sets", environment.InstructionSets);
        json.WriteString("runtime", environment.Runtime);
        json.WriteString("tiered_compilation", tiered);
        json.WriteString("load_average_before", loadBefore);
        json.WriteString("load_average_after", loadAfter);
        json.WriteEndObject();
        json.WriteString("timing", quick ? "quick" : "standard");
        json.WriteNumber("warmup_seconds", warmup);
        json.WriteNumber("lambda", Lambda);
        json.WriteNumber("relative_limit", RelativeLimit);
        json.WriteStartArray("results");
        foreach (var r in results)
        {
            json.WriteStartObject();
            json.WriteStartArray("shape");
            foreach (var d in r.Shape)
            {
                json.WriteNumberValue(d);
            }

            json.WriteEndArray();
            json.WriteNumber("megabytes", r.Megabytes);
            json.WriteStartObject("medians_ms");
            for (var k = 0; k < s_paths.Length; k++)
            {
                json.WriteNumber(s_paths[k], r.Medians[k]);
            }

            json.WriteEndObject();
            json.WriteNumber("streaming_floor_ms", r.FloorMs);
            json.WriteNumber("three_stream_floor_ms", r.ThreeStreamFloorMs);
            json.WriteStartObject("ratios");
            WriteNumberOrNull(json, "forward_over_floor", r.ForwardOverFloor);
            WriteNumberOrNull(json, "backward_saved_over_three_stream", r.BackwardOverThreeStream);
            foreach (var (name, value) in r.RelativeRatios())
            {
                WriteNumberOrNull(json, name, value);
            }

            json.WriteEndObject();
            json.WriteStartObject("check_errors");
            foreach (var (name, value) in r.Errors)
            {
                json.WriteNumber(name, value);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>One shape's medians (in the order of <see cref="s_paths"/>) and check errors, and the ratios of the table.</summary>
    private sealed record Result(int[] Shape, double Megabytes, double[] Medians, SortedDictionary<string, double> Errors)
    {
        public double FloorMs => Medians[..4].Min();

        public double ThreeStreamFloorMs => Medians[4..8].Min();

        public double ForwardMs => Median("forward");

        public double BackwardMs => Median("backward_saved");

        public double ForwardOverFloor => ForwardMs / FloorMs;

        public double BackwardOverThreeStream => BackwardMs / ThreeStreamFloorMs;

        public double RecomputeOverSaved => Relative("backward_recompute", "backward_saved");

        public double Relative(string path, string baseline) => Median(path) / Median(baseline);

        /// <summary>The ratios the 1.3× targets bound, by their JSON names.</summary>
        public IEnumerable<KeyValuePair<string, double>> RelativeRatios()
        {
            yield return new("recompute_over_saved", RecomputeOverSaved);
            foreach (var path in new[] { "nhwc", "half", "exact" })
            {
                yield return new($"{path}_forward_over_nchw", Relative($"{path}_forward", "forward"));
                yield return new($"{path}_backward_saved_over_nchw", Relative($"{path}_backward_saved", "backward_saved"));
            }
        }

        private double Median(string path) => Medians[Array.IndexOf(s_paths, path)];
    }

    private sealed class Arguments : ICommandArguments<Arguments>
    {
        public string? Json { get; private set; }

        public bool Quick { get; private set; }

        public double? WarmupSeconds { get; private set; }

        public bool Help { get; private set; }

        public List<int[]> Shapes { get; } = [];

        public static Arguments Parse(string[] args)
        {
            var parsed = new Arguments();
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--shape":
                        parsed.Shapes.Add(ParseShape(Value(args, ref i)));
                        break;
                    case "--json":
                        parsed.Json = Value(args, ref i);
                        break;
                    case "--quick":
                        parsed.Quick = true;
                        break;
                    case "--warmup":
                        var text = Value(args, ref i);
                        parsed.WarmupSeconds = double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds <= 60
                            ? seconds
                            : throw new ArgumentException($"--warmup {text}: expected seconds from 0 to 60, as 0.5");
                        break;
                    case "--help" or "-h":
                        parsed.Help = true;
                        break;
                    default:
                        throw new ArgumentException($"unknown argument {args[i]}");
                }
            }

            return parsed;
        }
    }
}
