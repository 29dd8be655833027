using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using SimAM.Benchmarks.Gam;
using SimAM.Benchmarks.Infrastructure;
using SimAM.Cli.Benchmarking;
using SimAM.Cli.Commands;
using static SimAM.Benchmarks.Infrastructure.Differences;
using static SimAM.Benchmarks.Infrastructure.CommandArguments;
using static SimAM.Benchmarks.Infrastructure.Reporting;

namespace SimAM.Benchmarks.Peers;

/// <summary>
/// <c>simam-compare</c>: SimAM's forward pass (SimAm.Forward, all cores) against ONNX Runtime on the reference PyTorch
/// module exported to ONNX, on the same input, measured in one process in interleaved rounds (medians), with the two
/// outputs checked against each other and against the engine's float64 forward.
/// </summary>
/// <remarks>
/// The models are the committed exports of benchmarks/torch/export_simam_onnx.py (copied to the build output), so
/// this needs no Python. benchmarks/torch/compare.py runs it for its ONNX Runtime column; run by hand:
/// <c>dotnet run -c Release --project benchmarks/SimAM.Benchmarks -- simam-compare [--quick] [--shape N,C,...]... [--json FILE]</c>.
/// </remarks>
internal static class SimAmCompare
{
    public const string CommandName = "simam-compare";

    private const string Usage =
        "usage: simam-compare [--quick] [--shape N,C,d1[,d2[,d3]]]... [--json FILE] [--ort-spinning] [--no-graph]\n" +
        "  --shape S        a shape to measure (repeatable; default: the shapes of simam bench)\n" +
        "  --quick          fewer repetitions (the shapes stay as given)\n" +
        "  --json FILE      also write the results as JSON\n" +
        "  --ort-spinning   let ORT's idle threads spin (its default; off here, so that they do not take the cores\n" +
        "                   from the engine's next call in the interleaved rounds)\n" +
        "  --no-graph       do not report the operators of ORT's optimised graph";

    /// <summary>Runs the command.</summary>
    /// <param name="args">The arguments after <c>simam-compare</c>.</param>
    /// <param name="output">Where the table goes.</param>
    /// <returns>The exit code.</returns>
    public static int Run(string[] args, TextWriter output)
    {
        if (Start("simam-compare", Usage, args, output, out Arguments parsed) is { } exit)
        {
            return exit;
        }

        var shapes = parsed.Shapes.Count > 0 ? parsed.Shapes : BenchShapes.Standard;
        foreach (var shape in shapes)
        {
            if (shape.Length is < 3 or > 5 || shape.Any(d => d < 1) || shape.Skip(2).Aggregate(1L, (a, d) => a * d) < 2)
            {
                Console.Error.WriteLine($"simam-compare: {BenchShapes.Format(shape)}: need [N, C, d1, ..., dk] with k from 1 to 3 and at least 2 values per plane");
                return 2;
            }
        }

        return Measure(shapes, parsed, output);
    }

    private static int Measure(IReadOnlyList<int[]> shapes, Arguments parsed, TextWriter output)
    {
        var environment = BenchEnvironment.Current();
        var threads = Environment.ProcessorCount;
        var timing = parsed.Quick ? Timing.Quick : Timing.Standard;
        var tiered = Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") is "0" ? "off" : "on";
        output.WriteLine(Invariant($"SimAM forward vs ONNX Runtime {OrtGamSession.Version}, same process, interleaved rounds, medians, float32, lambda {SimAm.DefaultLambda}"));
        output.WriteLine(Invariant($"{environment.Cpu}, {threads} logical processors, kernel {environment.Kernel}, {environment.Runtime} (tiered compilation {tiered})"));
        output.WriteLine(Invariant($"SimAm.Forward: all {threads} cores; ORT: ORT_ENABLE_ALL, intra-op {threads}, inter-op 1, sequential, spinning {(parsed.OrtSpinning ? "on" : "off")}, input and output bound once"));

        var graphs = new SortedDictionary<int, IReadOnlyList<string>>();
        if (!parsed.NoGraph)
        {
            foreach (var rank in shapes.Select(s => s.Length).Distinct().Order())
            {
                var operators = OrtSimAmSession.OptimizedOperators(rank, threads);
                graphs[rank] = operators;
                output.WriteLine(Invariant($"ORT's optimised graph, rank {rank}: {operators.Count} nodes ({Summarize(operators)})"));
            }
        }

        output.WriteLine();
        output.WriteLine(Invariant($"{"shape",-20} {"MB",7} {"SimAM ms",9} {"ORT ms",9} {"ORT/SimAM",9} {"|SimAM-ORT|",11} {"SimAM err",9} {"ORT err",9}"));

        var results = new List<Result>();
        foreach (var shape in shapes)
        {
            var result = MeasureShape(shape, parsed, timing, threads);
            results.Add(result);
            output.WriteLine(Invariant(
                $"{BenchShapes.Format(shape),-20} {result.Megabytes,7:F1} {result.EngineMs,9:F3} {result.OrtMs,9:F3} {result.OrtMs / result.EngineMs,8:F2}x {result.EngineVersusOrt,11:0.0e+0} {result.EngineError,9:0.0e+0} {result.OrtError,9:0.0e+0}"));
        }

        output.WriteLine();
        output.WriteLine("ORT/SimAM > 1: SimAM.Cpu is faster. |SimAM-ORT| = max |y_SimAM - y_ORT| / max |y_ORT|; SimAM err and ORT err:");
        output.WriteLine("the same against SimAm.Forward in float64 on the same input. MB: the input's size (float32).");
        if (parsed.Json is { } jsonPath)
        {
            TensorFiles.Write(jsonPath, stream => WriteJson(stream, results, graphs, environment, parsed.OrtSpinning, tiered));
            output.WriteLine($"wrote {jsonPath}");
        }

        return 0;
    }

    private static Result MeasureShape(int[] shape, Arguments parsed, Timing timing, int threads)
    {
        // The input of simam bench: uniform in [-1, 1), seed 1.
        var elements = shape.Aggregate(1, (a, d) => checked(a * d));
        var x = new float[elements];
        var random = new Random(1);
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (random.NextSingle() * 2f) - 1f;
        }

        var ours = new float[elements];
        var theirs = new float[elements];
        using var session = new OrtSimAmSession(x, theirs, shape, threads, parsed.OrtSpinning);

        Action engine = () => SimAm.Forward(x, ours, shape);
        Action ort = session.Run;

        // Half a second of each first (beyond the timing's own warm-up): with tiered compilation on, the hot loops
        // reach their final code only after some calls and the background JIT's delay.
        WarmUp(engine, 0.5);
        WarmUp(ort, 0.5);
        var ms = timing.MedianMilliseconds([engine, ort]);

        // Fresh outputs for the check, so that neither keeps a value of an earlier run.
        Array.Clear(ours);
        Array.Clear(theirs);
        SimAm.Forward(x, ours, shape);
        session.Run();

        // The float64 reference with the engine's float32 lambda, the value the exported graph holds too.
        var reference = new double[elements];
        SimAm.Forward(Array.ConvertAll(x, v => (double)v), reference, shape, (double)SimAm.DefaultLambda);

        var scale = MaxAbs(theirs);
        return new Result(
            shape,
            elements * sizeof(float) / 1e6,
            ms[0],
            ms[1],
            scale,
            MaxAbsDifference(ours, theirs) / scale,
            MaxAbsDifference(ours, reference) / MaxAbs(reference),
            MaxAbsDifference(theirs, reference) / MaxAbs(reference));
    }

    /// <summary>"12: Mul 3, Sub 2, ..." as operator counts, most frequent first.</summary>
    private static string Summarize(IReadOnlyList<string> operators) =>
        string.Join(", ", operators.GroupBy(o => o, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Count() == 1 ? g.Key : Invariant($"{g.Key} {g.Count()}")));

    private static void WarmUp(Action action, double seconds)
    {
        var start = Stopwatch.GetTimestamp();
        do
        {
            action();
        }
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < seconds);
    }

    private static void WriteJson(Stream stream, IReadOnlyList<Result> results, SortedDictionary<int, IReadOnlyList<string>> graphs, BenchEnvironment environment, bool spinning, string tiered)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartObject("environment");
        json.WriteString("cpu", environment.Cpu);
        json.WriteNumber("logical_processors", environment.LogicalProcessors);
        json.WriteString("kernel", environment.Kernel);
        json.WriteString("runtime", environment.Runtime);
        json.WriteString("tiered_compilation", tiered);
        json.WriteString("onnxruntime", OrtGamSession.Version);
        json.WriteBoolean("ort_spinning", spinning);
        json.WriteEndObject();
        json.WriteStartObject("ort_optimized_graphs");
        foreach (var (rank, operators) in graphs)
        {
            json.WriteStartArray(rank.ToString(CultureInfo.InvariantCulture));
            foreach (var o in operators)
            {
                json.WriteStringValue(o);
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
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
            json.WriteNumber("simam_forward_ms", r.EngineMs);
            json.WriteNumber("ort_ms", r.OrtMs);
            WriteNumberOrNull(json, "ort_over_simam", r.OrtMs / r.EngineMs);
            json.WriteNumber("max_abs_y", r.MaxAbsY);
            WriteNumberOrNull(json, "simam_vs_ort", r.EngineVersusOrt);
            WriteNumberOrNull(json, "simam_vs_float64", r.EngineError);
            WriteNumberOrNull(json, "ort_vs_float64", r.OrtError);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private sealed record Result(int[] Shape, double Megabytes, double EngineMs, double OrtMs, double MaxAbsY, double EngineVersusOrt, double EngineError, double OrtError);

    private sealed class Arguments : ICommandArguments<Arguments>
    {
        public string? Json { get; private set; }

        public bool Quick { get; private set; }

        public bool OrtSpinning { get; private set; }

        public bool NoGraph { get; private set; }

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
                    case "--ort-spinning":
                        parsed.OrtSpinning = true;
                        break;
                    case "--no-graph":
                        parsed.NoGraph = true;
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
