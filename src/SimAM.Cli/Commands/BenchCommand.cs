using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using SimAM.Backends;
using SimAM.Cli.Benchmarking;
using Spectre.Console;

namespace SimAM.Cli.Commands;

/// <summary>
/// <c>simam bench</c>: times SimAM forward and backward on standard shapes against the memory floors
/// and the TensorPrimitives chain, prints a table, and optionally writes JSON and an SVG chart.
/// </summary>
internal static class BenchCommand
{
    private const string Float32 = "float32";
    private const string Float16 = "float16";

    /// <summary>Creates the command.</summary>
    /// <param name="context">Where it writes.</param>
    /// <returns>The command.</returns>
    public static Command Create(CliContext context)
    {
        var quick = new Option<bool>("--quick")
        {
            Description = $"Run {BenchShapes.Quick.Count} smaller shapes with fewer repetitions (well under a minute on 2 cores).",
        };
        var json = CommonOptions.OptionalPath("--json", "Also write the results as JSON to this file.");
        var svg = CommonOptions.OptionalPath("--svg", "Also write a bar chart of the throughputs as SVG to this file.");
        var shapes = new Option<string[]>("--shape")
        {
            Description = "Benchmark this shape instead of the built-in set, e.g. 8,256,56,56 (repeat the option for several). " +
                "Always given as [N, C, spatial...]; --layout nhwc runs it as [N, spatial..., C].",
            HelpName = "N,C,d1,...",
        };
        var layout = new Option<string>("--layout")
        {
            Description = "Lay SimAM's tensors out as nchw, or as nhwc: each shape [N, C, spatial...] then runs as [N, spatial..., C].",
            DefaultValueFactory = _ => EngineChoice.Nchw,
            HelpName = "nchw|nhwc",
        };
        var dtype = new Option<string>("--dtype")
        {
            Description = "SimAM's element type: float32 or float16 (Half). The floors move the same bytes; the chain stays float32.",
            DefaultValueFactory = _ => Float32,
            HelpName = "float32|float16",
        };
        var backend = CommonOptions.Backend();
        var device = CommonOptions.Device();
        var command = new Command(
            "bench",
            "Times SimAM forward and backward against a parallel memcpy, a 3-stream (dx = x + g) floor and the " +
            "straightforward TensorPrimitives chain, on standard CNN shapes.\n" +
            "Example: simam bench --quick --json bench.json --svg bench.svg")
        {
            quick, json, svg, shapes, layout, dtype, backend, device,
        };
        command.SetAction(parse => Run(
            context,
            parse.GetValue(quick),
            parse.GetValue(json),
            parse.GetValue(svg),
            parse.GetValue(shapes) ?? [],
            new Choice(
                EngineChoice.ParseLayout(parse.GetRequiredValue(layout)),
                ParseDType(parse.GetRequiredValue(dtype)),
                EngineChoice.ParseBackend(parse.GetRequiredValue(backend)),
                parse.GetValue(device))));
        return command;
    }

    private static int Run(CliContext context, bool quick, string? jsonPath, string? svgPath, string[] shapeTexts, Choice choice)
    {
        CheckCombination(choice);
        var shapes = shapeTexts.Length > 0 ? shapeTexts.Select(ParseShape).ToList() : [.. quick ? BenchShapes.Quick : BenchShapes.Standard];
        TensorFiles.EnsureDirectoryExists(jsonPath);
        TensorFiles.EnsureDirectoryExists(svgPath);

        using var backend = choice.Backend == BackendKind.Cpu ? null : GpuBackends.Create(choice.Backend, choice.Device);
        var setup = new BenchSetup(choice.Layout, choice.DType, backend, DeviceBenchFor(backend));
        var environment = BenchEnvironment.Current();
        var console = context.CreateConsole();
        console.WriteLine($"simam bench {SimamCommandLine.Version}: {environment.Cpu}, {environment.LogicalProcessors} threads, kernel {environment.Kernel}, {environment.Runtime}");
        console.WriteLine($"instruction sets: {environment.InstructionSets}");
        console.WriteLine($"SimAM: {setup.Description}");
        console.WriteLine();

        var runner = new BenchRunner(quick ? Timing.Quick : Timing.Standard, setup);
        var results = Measure(context, console, runner, setup, shapes);

        BenchReport.WriteTable(console, results, markdown: !context.IsTerminal, setup);
        if (jsonPath is not null)
        {
            TensorFiles.Write(jsonPath, stream => BenchReport.WriteJson(stream, results, environment, setup, SimAm.DefaultLambda, SimamCommandLine.Version));
            console.WriteLine($"wrote {jsonPath}");
        }

        if (svgPath is not null)
        {
            TensorFiles.Write(svgPath, stream => BenchChart.Write(stream, results, environment, setup));
            console.WriteLine($"wrote {svgPath}");
        }

        return ExitCodes.Success;
    }

    /// <summary>Refuses what the chosen backend cannot measure, before any device is started.</summary>
    private static void CheckCombination(Choice choice)
    {
        EngineChoice.EnsureBackendSupports(choice.Backend, choice.Device, choice.Layout);

        if (choice.Backend != BackendKind.Cpu && choice.DType != BenchDType.Float32)
        {
            throw new CliException($"--backend {EngineChoice.Spelling(choice.Backend)} supports --dtype {Float32} only; use --backend {EngineChoice.Cpu} for --dtype {Float16}");
        }
    }

    /// <summary>The ILGPU backend is timed on device-resident tensors against its device's floors; the others on host buffers.</summary>
    private static IlgpuDeviceBench? DeviceBenchFor(ISimAmBackend? backend) =>
        backend is SimAM.Gpu.IlgpuBackend ilgpu ? new IlgpuDeviceBench(ilgpu) : null;

    /// <summary>Runs the shapes with the progress display that fits the output; device failures become one-line errors.</summary>
    private static List<BenchResult> Measure(CliContext context, IAnsiConsole console, BenchRunner runner, BenchSetup setup, List<int[]> shapes)
    {
        if (setup.Backend is null)
        {
            return context.IsTerminal ? RunWithLiveProgress(console, runner, setup, shapes) : RunWithPlainProgress(context.Error, runner, setup, shapes);
        }

        List<BenchResult>? results = null;
        GpuBackends.Guard(() => results = context.IsTerminal ? RunWithLiveProgress(console, runner, setup, shapes) : RunWithPlainProgress(context.Error, runner, setup, shapes));
        return results!;
    }

    private static BenchDType ParseDType(string value) => value.ToUpperInvariant() switch
    {
        "FLOAT32" => BenchDType.Float32,
        "FLOAT16" => BenchDType.Float16,
        _ => throw new CliException($"--dtype '{value}': expected {Float32} or {Float16}"),
    };

    private static List<BenchResult> RunWithLiveProgress(IAnsiConsole console, BenchRunner runner, BenchSetup setup, List<int[]> shapes)
    {
        var results = new List<BenchResult>();
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(progress =>
            {
                // Task descriptions are Spectre markup, where a shape's brackets would be tags: escape them.
                var names = shapes.Select(s => Markup.Escape(BenchShapes.Format(setup.EngineShape(s)))).ToList();
                var tasks = names.Select(name => progress.AddTask(name, autoStart: false, maxValue: BenchRunner.Steps.Count)).ToList();
                for (var i = 0; i < shapes.Count; i++)
                {
                    var task = tasks[i];
                    var name = names[i];
                    task.StartTask();
                    task.Description = $"{name} {BenchRunner.Steps[0]}";
                    var done = 0;
                    results.Add(runner.Run(shapes[i], _ =>
                    {
                        task.Increment(1);
                        done++;
                        task.Description = done < BenchRunner.Steps.Count ? $"{name} {BenchRunner.Steps[done]}" : name;
                    }));
                    task.StopTask();
                }
            });
        return results;
    }

    private static List<BenchResult> RunWithPlainProgress(TextWriter log, BenchRunner runner, BenchSetup setup, List<int[]> shapes)
    {
        var results = new List<BenchResult>();
        for (var i = 0; i < shapes.Count; i++)
        {
            log.Write($"[{i + 1}/{shapes.Count}] {BenchShapes.Format(setup.EngineShape(shapes[i]))}:");
            var result = runner.Run(shapes[i], step => log.Write($" {step}"));
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $" - forward {result.ForwardMs:F3} ms, backward {result.BackwardMs:F3} ms"));
            results.Add(result);
        }

        return results;
    }

    private static int[] ParseShape(string text)
    {
        var parts = text.Trim('[', ']', '(', ')', ' ').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var shape = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]) || shape[i] < 1)
            {
                throw new CliException($"--shape '{text}': expected positive integers separated by commas, like 8,256,56,56");
            }
        }

        try
        {
            _ = SimAm.PlaneCount(shape);
        }
        catch (ArgumentException exception)
        {
            throw CliException.FromEngine($"--shape '{text}'", exception);
        }

        return shape;
    }

    /// <summary>What <c>--layout</c>, <c>--dtype</c>, <c>--backend</c> and <c>--device</c> asked for.</summary>
    private sealed record Choice(SimAmLayout Layout, BenchDType DType, BackendKind Backend, string? Device);
}
