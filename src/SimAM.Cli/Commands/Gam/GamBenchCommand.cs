using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Text.Json;
using SimAM.Cli.Benchmarking;
using SimAM.Cli.Benchmarking.Gam;
using SimAM.Gam;

namespace SimAM.Cli.Commands.Gam;

/// <summary><c>simam gam bench</c>: GAM forward times per shape and mode, in GFLOP/s and as a share of this machine's FMA peak.</summary>
internal static class GamBenchCommand
{
    /// <summary>Creates the command.</summary>
    /// <param name="context">Where it writes.</param>
    /// <returns>The command.</returns>
    public static Command Create(CliContext context)
    {
        var quick = new Option<bool>("--quick") { Description = "Fewer repetitions (every shape and mode is still measured)." };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file: a list of {shape, variant, mode, forward_ms, gflops, of_peak}.", HelpName = "file" };
        var command = new Command(
            "bench",
            "Times the GAM forward pass on standard CNN shapes in eval and train mode, against a register-only FMA loop on all cores (the ceiling of any convolution).\n" +
            "Example: simam gam bench --quick --json gam-bench.json")
        {
            quick, json,
        };
        command.SetAction(parse => Run(context, parse.GetValue(quick), parse.GetValue(json)));
        return command;
    }

    private static int Run(CliContext context, bool quick, string? jsonPath)
    {
        TensorFiles.EnsureDirectoryExists(jsonPath);
        var environment = BenchEnvironment.Current();
        var (peak, width) = FmaPeak.Measure();
        var output = context.Out;
        output.WriteLine(Invariant($"GAM forward on {environment.Cpu}, {environment.LogicalProcessors} logical processors, kernel {environment.Kernel}, {environment.Runtime}"));
        output.WriteLine(Invariant($"FMA peak (register-only {width} loop, all cores): {peak:F0} GFLOP/s"));
        output.WriteLine();
        output.WriteLine(Invariant($"{"shape",-16} {"variant",-20} {"mode",-5} {"fwd ms",10} {"GFLOP/s",9} {"of peak",8}"));
        var results = GamBenchRunner.Run(
            GamBenchCase.Standard,
            quick ? Timing.Quick : Timing.Standard,
            peak,
            r => output.WriteLine(Invariant(
                $"{BenchShapes.Format(r.Case.Shape),-16} {r.Case.Variant,-20} {Mode(r.Mode),-5} {r.ForwardMs,10:F2} {r.GigaFlops,9:F1} {r.OfPeak * 100,7:F0}%")));
        var (peakAfter, _) = FmaPeak.Measure();
        output.WriteLine();
        output.WriteLine(Invariant($"FMA peak again after the runs: {peakAfter:F0} GFLOP/s (the table divides by the first: {peak:F0})."));
        output.WriteLine("GFLOP/s counts the channel MLP and both 7x7 convolutions, 2 FLOPs per multiply-add; medians of timed rounds after warm-up, all cores.");
        if (jsonPath is not null)
        {
            TensorFiles.Write(jsonPath, stream => WriteJson(stream, results, peak));
            output.WriteLine($"wrote {jsonPath}");
        }

        return ExitCodes.Success;
    }

    /// <summary>Writes the rows as a JSON list of {shape, groups, shuffle_groups, mode, forward_ms, gflops, fma_peak_gflops, of_peak}.</summary>
    /// <param name="stream">The target.</param>
    /// <param name="results">The rows.</param>
    /// <param name="peak">The FMA peak of the run.</param>
    internal static void WriteJson(Stream stream, IReadOnlyList<GamBenchResult> results, double peak)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartArray();
        foreach (var r in results)
        {
            json.WriteStartObject();
            json.WriteStartArray("shape");
            foreach (var d in r.Case.Shape)
            {
                json.WriteNumberValue(d);
            }

            json.WriteEndArray();
            json.WriteNumber("groups", r.Case.Groups);
            json.WriteNumber("shuffle_groups", r.Case.ShuffleGroups);
            json.WriteString("mode", Mode(r.Mode));
            json.WriteNumber("forward_ms", r.ForwardMs);
            json.WriteNumber("gflops", r.GigaFlops);
            json.WriteNumber("fma_peak_gflops", peak);
            json.WriteNumber("of_peak", r.OfPeak);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static string Mode(GamMode mode) => mode == GamMode.Eval ? "eval" : "train";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
