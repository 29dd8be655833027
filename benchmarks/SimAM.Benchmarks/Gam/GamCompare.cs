using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using SimAM.Benchmarks.Infrastructure;
using SimAM.Cli.Benchmarking;
using SimAM.Cli.Benchmarking.Gam;
using SimAM.Cli.Commands;
using SimAM.Cli.Npy;
using SimAM.Gam;
using static SimAM.Benchmarks.Infrastructure.Differences;
using static SimAM.Benchmarks.Infrastructure.CommandArguments;
using static SimAM.Benchmarks.Infrastructure.Reporting;

namespace SimAM.Benchmarks.Gam;

/// <summary>
/// <c>gam-compare</c>: the GAM module's eval forward against ONNX Runtime on the same exported module, weights and
/// input, measured in one process in interleaved rounds (medians), with the two outputs checked against each other
/// and against the module's float64 forward.
/// </summary>
/// <remarks>
/// benchmarks/torch/compare_gam.py prepares the model directory (weights from <c>simam gam init</c>, the .onnx from
/// export_gam_onnx.py, the input) and runs this; run by hand:
/// <c>dotnet run -c Release --project benchmarks/SimAM.Benchmarks -- gam-compare --models DIR [--quick] [--json FILE]</c>.
/// </remarks>
internal static class GamCompare
{
    public const string CommandName = "gam-compare";

    private const string Usage =
        "usage: gam-compare --models DIR [--quick] [--json FILE] [--save-outputs] [--ort-spinning] [--case NAME]...\n" +
        "       gam-compare --list [--json FILE]\n" +
        "  --models DIR     holds <case>.safetensors and <case>.onnx for every case (and optionally <case>.input.npy)\n" +
        "  --quick          fewer repetitions\n" +
        "  --json FILE      also write the results (or, with --list, the cases) as JSON\n" +
        "  --save-outputs   write <case>.gam-eval.npy and <case>.gam-train.npy into DIR (for the PyTorch check), and\n" +
        "                   <case>.input.npy when it is not there (the input used: uniform in [-1, 1), seed 7)\n" +
        "  --ort-spinning   let ORT's idle threads spin (its default; off here, so that they do not take the cores\n" +
        "                   from the GAM module's next call in the interleaved rounds)\n" +
        "  --case NAME      only this case (repeatable)\n" +
        "  --list           print the cases and their file names, measure nothing";

    /// <summary>Runs the command.</summary>
    /// <param name="args">The arguments after <c>gam-compare</c>.</param>
    /// <param name="output">Where the table goes.</param>
    /// <returns>The exit code.</returns>
    public static int Run(string[] args, TextWriter output)
    {
        if (Start("gam-compare", Usage, args, output, out Arguments parsed) is { } exit)
        {
            return exit;
        }

        var cases = GamBenchCase.Standard.Where(c => parsed.Cases.Count == 0 || parsed.Cases.Contains(GamCaseFiles.Name(c))).ToArray();
        if (cases.Length == 0)
        {
            Console.Error.WriteLine($"gam-compare: no case is named {string.Join(", ", parsed.Cases)}; the cases: {string.Join(", ", GamBenchCase.Standard.Select(GamCaseFiles.Name))}");
            return 2;
        }

        if (parsed.List)
        {
            return List(cases, parsed.Json, output);
        }

        if (parsed.Models is not { } directory)
        {
            Console.Error.WriteLine("gam-compare: --models DIR is required");
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var missing = cases.SelectMany(c => new[] { GamCaseFiles.Weights(directory, c), GamCaseFiles.Model(directory, c) }).Where(p => !File.Exists(p)).ToArray();
        if (missing.Length > 0)
        {
            Console.Error.WriteLine($"gam-compare: missing {string.Join(", ", missing)} (benchmarks/torch/compare_gam.py creates them)");
            return 2;
        }

        return Measure(cases, directory, parsed, output);
    }

    private static int List(IReadOnlyList<GamBenchCase> cases, string? jsonPath, TextWriter output)
    {
        foreach (var c in cases)
        {
            output.WriteLine(Invariant($"{GamCaseFiles.Name(c),-24} {BenchShapes.Format(c.Shape),-16} rate {c.Rate}, groups {c.Groups}, shuffle {c.ShuffleGroups}, {c.Flops / 1e9:F2} GFLOP"));
        }

        if (jsonPath is not null)
        {
            TensorFiles.Write(jsonPath, stream =>
            {
                using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
                json.WriteStartArray();
                foreach (var c in cases)
                {
                    json.WriteStartObject();
                    WriteCase(json, c);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            });
        }

        return 0;
    }

    private static int Measure(IReadOnlyList<GamBenchCase> cases, string directory, Arguments parsed, TextWriter output)
    {
        var environment = BenchEnvironment.Current();
        var threads = Environment.ProcessorCount;
        var timing = parsed.Quick ? Timing.Quick : Timing.Standard;
        var tiered = Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") is "0" ? "off" : "on";
        output.WriteLine(Invariant($"GAM eval forward vs ONNX Runtime {OrtGamSession.Version}, same process, interleaved rounds, medians, float32"));
        output.WriteLine(Invariant($"{environment.Cpu}, {threads} logical processors, kernel {environment.Kernel}, {environment.Runtime} (tiered compilation {tiered})"));
        output.WriteLine(Invariant($"GamModule: all {threads} cores; ORT: ORT_ENABLE_ALL, intra-op {threads}, inter-op 1, sequential, spinning {(parsed.OrtSpinning ? "on" : "off")}"));
        output.WriteLine();
        output.WriteLine(Invariant($"{"case",-24} {"variant",-18} {"GAM ms",9} {"ORT ms",9} {"ORT/GAM",8} {"|GAM-ORT|",10} {"GAM err",9} {"ORT err",9}"));

        var results = new List<Result>();
        foreach (var c in cases)
        {
            var result = MeasureCase(c, directory, parsed, timing, threads);
            results.Add(result);
            output.WriteLine(Invariant(
                $"{GamCaseFiles.Name(c),-24} {c.Variant,-18} {result.GamMs,9:F2} {result.OrtMs,9:F2} {result.OrtMs / result.GamMs,7:F2}x {result.GamVersusOrt,10:0.0e+0} {result.GamError,9:0.0e+0} {result.OrtError,9:0.0e+0}"));
        }

        output.WriteLine();
        output.WriteLine("ORT/GAM > 1: the GAM module is faster. |GAM-ORT| = max |y_GAM - y_ORT| / max |y_ORT|; GAM err and ORT err: the same");
        output.WriteLine("against the GAM module's float64 forward on the same weights and input.");
        if (parsed.Json is { } jsonPath)
        {
            TensorFiles.Write(jsonPath, stream => WriteJson(stream, results, environment, parsed.OrtSpinning, tiered));
            output.WriteLine($"wrote {jsonPath}");
        }

        return 0;
    }

    private static Result MeasureCase(GamBenchCase c, string directory, Arguments parsed, Timing timing, int threads)
    {
        var x = ReadInput(directory, c);
        var weights = GamWeights.Load(GamCaseFiles.Weights(directory, c));
        var options = new GamOptions { ShuffleGroups = c.ShuffleGroups };
        var module = new GamModule(weights, options);
        var ours = new float[x.Length];
        var theirs = new float[x.Length];
        using var session = new OrtGamSession(GamCaseFiles.Model(directory, c), x, theirs, c.Shape, threads, parsed.OrtSpinning);

        Action gam = () => module.Forward(x, ours, c.Shape);
        Action ort = session.Run;

        // Half a second of each first (beyond the timing's own warm-up): with tiered compilation on, the hot loops
        // reach their final code only after some calls and the background JIT's delay.
        WarmUp(gam, 0.5);
        WarmUp(ort, 0.5);
        var ms = timing.MedianMilliseconds([gam, ort]);

        // Fresh outputs for the check, so that neither keeps a value of an earlier run.
        Array.Clear(ours);
        Array.Clear(theirs);
        module.Forward(x, ours, c.Shape);
        session.Run();
        var reference = new double[x.Length];
        module.Forward(Array.ConvertAll(x, v => (double)v), reference, c.Shape);

        if (parsed.SaveOutputs)
        {
            if (!File.Exists(GamCaseFiles.Input(directory, c)))
            {
                TensorFiles.WriteNpy(GamCaseFiles.Input(directory, c), NpyArray.FromFloat32(x, c.Shape));
            }

            TensorFiles.WriteNpy(GamCaseFiles.EvalOutput(directory, c), NpyArray.FromFloat32(ours, c.Shape));

            // Train mode on weights of their own: the running statistics it updates are not the timed module's.
            var train = new float[x.Length];
            new GamModule(GamWeights.Load(GamCaseFiles.Weights(directory, c)), options).Forward(x, train, c.Shape, GamMode.Train);
            TensorFiles.WriteNpy(GamCaseFiles.TrainOutput(directory, c), NpyArray.FromFloat32(train, c.Shape));
        }

        var scale = MaxAbs(theirs);
        return new Result(
            c,
            ms[0],
            ms[1],
            scale,
            MaxAbsDifference(ours, theirs) / scale,
            MaxAbsDifference(ours, reference) / MaxAbs(reference),
            MaxAbsDifference(theirs, reference) / MaxAbs(reference));
    }

    private static void WarmUp(Action action, double seconds)
    {
        var start = Stopwatch.GetTimestamp();
        do
        {
            action();
        }
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < seconds);
    }

    private static float[] ReadInput(string directory, GamBenchCase c)
    {
        var path = GamCaseFiles.Input(directory, c);
        if (File.Exists(path))
        {
            var array = TensorFiles.ReadTensor(path, rank: 4);
            if (!array.Shape.SequenceEqual(c.Shape))
            {
                throw new InvalidDataException($"{path}: shape {NpyHeader.FormatShape(array.Shape)}, the case needs {BenchShapes.Format(c.Shape)}");
            }

            return array.DType == NpyDType.Float32 ? array.Float32 : Array.ConvertAll(array.Float64, v => (float)v);
        }

        // The input of simam gam bench: uniform in [-1, 1), seed 7.
        var x = new float[c.Shape[0] * c.Shape[1] * c.Shape[2] * c.Shape[3]];
        var random = new Random(7);
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return x;
    }

    private static void WriteCase(Utf8JsonWriter json, GamBenchCase c)
    {
        json.WriteString("name", GamCaseFiles.Name(c));
        json.WriteStartArray("shape");
        foreach (var d in c.Shape)
        {
            json.WriteNumberValue(d);
        }

        json.WriteEndArray();
        json.WriteNumber("rate", c.Rate);
        json.WriteNumber("groups", c.Groups);
        json.WriteNumber("shuffle_groups", c.ShuffleGroups);
        json.WriteString("variant", c.Variant);
        json.WriteNumber("flops", c.Flops);
    }

    private static void WriteJson(Stream stream, IReadOnlyList<Result> results, BenchEnvironment environment, bool spinning, string tiered)
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
        json.WriteStartArray("results");
        foreach (var r in results)
        {
            json.WriteStartObject();
            WriteCase(json, r.Case);
            json.WriteNumber("gam_eval_ms", r.GamMs);
            json.WriteNumber("ort_ms", r.OrtMs);
            WriteNumberOrNull(json, "ort_over_gam", r.OrtMs / r.GamMs);
            json.WriteNumber("max_abs_y", r.MaxAbsY);
            WriteNumberOrNull(json, "gam_vs_ort", r.GamVersusOrt);
            WriteNumberOrNull(json, "gam_vs_float64", r.GamError);
            WriteNumberOrNull(json, "ort_vs_float64", r.OrtError);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private sealed record Result(GamBenchCase Case, double GamMs, double OrtMs, double MaxAbsY, double GamVersusOrt, double GamError, double OrtError);

    private sealed class Arguments : ICommandArguments<Arguments>
    {
        public string? Models { get; private set; }

        public string? Json { get; private set; }

        public bool Quick { get; private set; }

        public bool SaveOutputs { get; private set; }

        public bool OrtSpinning { get; private set; }

        public bool List { get; private set; }

        public bool Help { get; private set; }

        public HashSet<string> Cases { get; } = new(StringComparer.Ordinal);

        public static Arguments Parse(string[] args)
        {
            var parsed = new Arguments();
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--models":
                        parsed.Models = Value(args, ref i);
                        break;
                    case "--json":
                        parsed.Json = Value(args, ref i);
                        break;
                    case "--case":
                        parsed.Cases.Add(Value(args, ref i));
                        break;
                    case "--quick":
                        parsed.Quick = true;
                        break;
                    case "--save-outputs":
                        parsed.SaveOutputs = true;
                        break;
                    case "--ort-spinning":
                        parsed.OrtSpinning = true;
                        break;
                    case "--list":
                        parsed.List = true;
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
