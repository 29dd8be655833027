using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using SimAM.Cli.Benchmarking;
using SimAM.Cli.Benchmarking.Gam;

namespace SimAM.Cli.Commands.Gam;

/// <summary>
/// <c>simam gam bench</c>: GAM forward times per shape and mode, and in train mode the training step (forward keeping
/// activations, backward), in GFLOP/s and as a share of this machine's FMA peak.
/// </summary>
internal static class GamBenchCommand
{
    /// <summary>Creates the command.</summary>
    /// <param name="context">Where it writes.</param>
    /// <returns>The command.</returns>
    public static Command Create(CliContext context)
    {
        var quick = new Option<bool>("--quick") { Description = "One warm-up call and at least 5 rounds instead of 3 and 9 (every shape and mode is still measured)." };
        var json = CommonOptions.OptionalPath(
            "--json",
            "Also write the results as JSON to this file: a list of {shape, groups, shuffle_groups, mode, forward_ms, gflops, fma_peak_gflops, of_peak, " +
                "convolution_gflops, convolution_of_peak, forward_activations_ms, backward_ms, backward_gflops, backward_of_peak, train_step_ms, backward_split_ms}; " +
                "the convolution pair is null where the convolutions run spectrally, the last six for eval rows.");
        var command = new Command(
            "bench",
            "Times the GAM forward pass on standard CNN shapes in eval and train mode, and in train mode a training step (the forward pass keeping " +
            "its activations, then the backward pass), against a register-only FMA loop on all cores (the ceiling of any convolution).\n" +
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
        output.WriteLine(Invariant($"GAM on {environment.Cpu}, {environment.LogicalProcessors} logical processors, kernel {environment.Kernel}, {environment.Runtime}"));
        var measured = GamBenchRunner.Run(GamBenchCase.Standard, quick ? QuickTiming : Timing.Standard, peak);
        var (peakAfter, _) = FmaPeak.Measure();

        // A busy moment lowers a measured peak, never raises it: the shares are taken of the higher of the two, so that they
        // are never flattered by a peak measured while another process held the cores.
        var best = Math.Max(peak, peakAfter);
        var results = measured.Select(r => r with { PeakGigaFlops = best }).ToList();
        output.WriteLine(Invariant($"FMA peak (register-only {width} loop, all cores): {best:F0} GFLOP/s ({peak:F0} before the runs, {peakAfter:F0} after; the shares below are of the higher)"));
        output.WriteLine();
        output.WriteLine(Invariant(
            $"{"shape",-16} {"variant",-20} {"mode",-5} {"fwd ms",10} {"GFLOP/s",9} {"of peak",8} {"conv",6} {"bwd ms",10} {"GFLOP/s",9} {"of peak",8} {"step ms",10}"));
        foreach (var r in results)
        {
            output.WriteLine(Row(r));
        }

        output.WriteLine();
        output.WriteLine("GFLOP/s counts the channel MLP and both 7x7 convolutions, 2 FLOPs per multiply-add; the backward pass counts twice the forward's");
        output.WriteLine("(a data and a weight gradient per product). bwd: GamModule.Backward (dx and every parameter's gradient) after a train-mode forward");
        output.WriteLine("pass keeping its activations; step: that forward pass + bwd. The parameters count as changed after every bwd, as after an");
        output.WriteLine("optimizer step, so train forward passes include taking in the weights. Medians of timed rounds after warm-up, all cores.");
        output.WriteLine("conv: the forward pass's two direct (or packed) convolutions alone, their fused epilogues included: their multiply-adds over");
        output.WriteLine("the time each worker spent in them (further calls after the timed rounds), as a share of the peak; - where they run spectrally.");
        output.WriteLine("Passes on small maps (eval, and training steps of enough samples) convolve through the discrete Fourier transform, with");
        output.WriteLine("far fewer multiply-adds than the direct convolution counted here: their GFLOP/s are direct-convolution equivalents and may");
        output.WriteLine("exceed the peak.");
        output.WriteLine();
        output.WriteLine("Where the backward pass's time goes, ms per call (means of further training steps after the timed rounds):");
        output.WriteLine(Invariant($"{"shape",-16} {"variant",-20} {"recompute",10} {"gate+BN",10} {"weight grads",13} {"data grads",11} {"channel MLP",12}"));
        foreach (var r in results)
        {
            if (r.Step?.Split is { } split)
            {
                output.WriteLine(Invariant(
                    $"{BenchShapes.Format(r.Case.Shape),-16} {r.Case.Variant,-20} {split.RecomputeMs,10:F2} {split.GateAndNormsMs,10:F2} {split.WeightGradientsMs,13:F2} {split.DataGradientsMs,11:F2} {split.ChannelMlpMs,12:F2}"));
            }
        }

        if (jsonPath is not null)
        {
            TensorFiles.Write(jsonPath, stream => WriteJson(stream, results));
            output.WriteLine($"wrote {jsonPath}");
        }

        return ExitCodes.Success;
    }

    /// <summary>
    /// Writes the rows as a JSON list of {shape, groups, shuffle_groups, mode, forward_ms, gflops, fma_peak_gflops, of_peak,
    /// convolution_gflops, convolution_of_peak, forward_activations_ms, backward_ms, backward_gflops, backward_of_peak, train_step_ms,
    /// backward_split_ms}; the convolution pair is null where the convolutions run spectrally, the training step's six in eval rows.
    /// backward_split_ms is an object {recompute, gate_and_batchnorm, weight_gradients, data_gradients, channel_mlp}.
    /// </summary>
    /// <param name="stream">The target.</param>
    /// <param name="results">The rows.</param>
    internal static void WriteJson(Stream stream, IReadOnlyList<GamBenchResult> results)
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
            json.WriteString("mode", GamOptionParsing.Name(r.Mode));
            json.WriteNumber("forward_ms", r.ForwardMs);
            json.WriteNumber("gflops", r.GigaFlops);
            json.WriteNumber("fma_peak_gflops", r.PeakGigaFlops);
            json.WriteNumber("of_peak", r.OfPeak);
            WriteNumberOrNull(json, "convolution_gflops", r.ConvolutionGigaFlops);
            WriteNumberOrNull(json, "convolution_of_peak", r.ConvolutionOfPeak);
            WriteNumberOrNull(json, "forward_activations_ms", r.Step?.ForwardMs);
            WriteNumberOrNull(json, "backward_ms", r.Step?.BackwardMs);
            WriteNumberOrNull(json, "backward_gflops", r.Step?.BackwardGigaFlops);
            WriteNumberOrNull(json, "backward_of_peak", r.BackwardOfPeak);
            WriteNumberOrNull(json, "train_step_ms", r.Step?.StepMs);
            if (r.Step?.Split is { } split)
            {
                json.WriteStartObject("backward_split_ms");
                json.WriteNumber("recompute", split.RecomputeMs);
                json.WriteNumber("gate_and_batchnorm", split.GateAndNormsMs);
                json.WriteNumber("weight_gradients", split.WeightGradientsMs);
                json.WriteNumber("data_gradients", split.DataGradientsMs);
                json.WriteNumber("channel_mlp", split.ChannelMlpMs);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("backward_split_ms");
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>
    /// Gets the settings of <c>--quick</c>: those of <c>simam bench --quick</c> with one warm-up call (a GAM call takes milliseconds
    /// to a second, and the first one builds the plan and workspace) and at least 5 rounds instead of 9, so that the training step's
    /// backward pass, several times the forward's work, keeps the run short.
    /// </summary>
    private static Timing QuickTiming { get; } = Timing.Quick with { Warmup = 1, MinRepetitions = 5 };

    private static string Row(GamBenchResult r)
    {
        var convolution = r.ConvolutionOfPeak is { } share ? Invariant($"{share * 100,5:F0}%") : Invariant($"{"-",6}");
        var row = Invariant(
            $"{BenchShapes.Format(r.Case.Shape),-16} {r.Case.Variant,-20} {GamOptionParsing.Name(r.Mode),-5} {r.ForwardMs,10:F2} {r.GigaFlops,9:F1} {r.OfPeak * 100,7:F0}% {convolution}");
        return r.Step is { } step
            ? row + Invariant($" {step.BackwardMs,10:F2} {step.BackwardGigaFlops,9:F1} {r.BackwardOfPeak * 100,7:F0}% {step.StepMs,10:F2}")
            : row + Invariant($" {"-",10} {"-",9} {"-",8} {"-",10}");
    }

    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
