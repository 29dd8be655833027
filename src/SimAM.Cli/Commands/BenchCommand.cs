using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using SimAM.Cli.Benchmarking;
using Spectre.Console;

namespace SimAM.Cli.Commands;

/// <summary>
/// <c>simam bench</c>: times SimAM forward and backward on standard shapes against the memory floors
/// and the TensorPrimitives chain, prints a table, and optionally writes JSON and an SVG chart.
/// </summary>
internal static class BenchCommand
{
    /// <summary>Creates the command.</summary>
    /// <param name="context">Where it writes.</param>
    /// <returns>The command.</returns>
    public static Command Create(CliContext context)
    {
        var quick = new Option<bool>("--quick")
        {
            Description = $"Run {BenchShapes.Quick.Count} smaller shapes with fewer repetitions (well under a minute on 2 cores).",
        };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file.", HelpName = "file" };
        var svg = new Option<string?>("--svg") { Description = "Also write a bar chart of the throughputs as SVG to this file.", HelpName = "file" };
        var shapes = new Option<string[]>("--shape")
        {
            Description = "Benchmark this shape instead of the built-in set, e.g. 8,256,56,56 (repeat the option for several).",
            HelpName = "N,C,d1,...",
        };
        var command = new Command(
            "bench",
            "Times SimAM forward and backward against a parallel memcpy, a 3-stream (dx = x + g) floor and the " +
            "straightforward TensorPrimitives chain, on standard CNN shapes.\n" +
            "Example: simam bench --quick --json bench.json --svg bench.svg")
        {
            quick, json, svg, shapes,
        };
        command.SetAction(parse => Run(
            context,
            parse.GetValue(quick),
            parse.GetValue(json),
            parse.GetValue(svg),
            parse.GetValue(shapes) ?? []));
        return command;
    }

    private static int Run(CliContext context, bool quick, string? jsonPath, string? svgPath, string[] shapeTexts)
    {
        var shapes = shapeTexts.Length > 0 ? shapeTexts.Select(ParseShape).ToList() : [.. quick ? BenchShapes.Quick : BenchShapes.Standard];
        foreach (var path in new[] { jsonPath, svgPath })
        {
            // Fail before minutes of measuring, not after.
            if (path is not null && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(path))))
            {
                throw new CliException($"{path}: no such directory");
            }
        }

        var environment = BenchEnvironment.Current();
        var console = context.CreateConsole();
        console.WriteLine($"simam bench {SimamCommandLine.Version}: {environment.Cpu}, {environment.LogicalProcessors} threads, kernel {environment.Kernel}, {environment.Runtime}");
        console.WriteLine();

        var runner = new BenchRunner(quick ? Timing.Quick : Timing.Standard);
        var results = context.IsTerminal ? RunWithLiveProgress(console, runner, shapes) : RunWithPlainProgress(context.Error, runner, shapes);

        BenchReport.WriteTable(console, results, markdown: !context.IsTerminal);
        if (jsonPath is not null)
        {
            TensorFiles.Write(jsonPath, stream => BenchReport.WriteJson(stream, results, environment, SimAm.DefaultLambda, SimamCommandLine.Version));
            console.WriteLine($"wrote {jsonPath}");
        }

        if (svgPath is not null)
        {
            TensorFiles.Write(svgPath, stream => BenchChart.Write(stream, results, environment));
            console.WriteLine($"wrote {svgPath}");
        }

        return ExitCodes.Success;
    }

    private static List<BenchResult> RunWithLiveProgress(IAnsiConsole console, BenchRunner runner, List<int[]> shapes)
    {
        var results = new List<BenchResult>();
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(progress =>
            {
                // Task descriptions are Spectre markup, where a shape's brackets would be tags: escape them.
                var names = shapes.Select(s => Markup.Escape(BenchShapes.Format(s))).ToList();
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

    private static List<BenchResult> RunWithPlainProgress(TextWriter log, BenchRunner runner, List<int[]> shapes)
    {
        var results = new List<BenchResult>();
        for (var i = 0; i < shapes.Count; i++)
        {
            log.Write($"[{i + 1}/{shapes.Count}] {BenchShapes.Format(shapes[i])}:");
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
}
