using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SimAM.Cli.Benchmarking;

/// <summary>Presents benchmark results: a console table, and JSON for tools.</summary>
internal static class BenchReport
{
    /// <summary>Gets the lines under the table that say what each column means, for <paramref name="setup"/>.</summary>
    /// <param name="setup">What fwd and bwd measured.</param>
    /// <returns>The lines.</returns>
    public static IReadOnlyList<string> Legend(BenchSetup setup)
    {
        var lines = new List<string>
        {
            "Medians of interleaved rounds after warm-up (every call once per round, so all share the same machine conditions); the floors, the chain and the scalar port run in float32 on the CPU (the chain and the port on every logical processor).",
        };
        if (setup.Backend is null)
        {
            lines.Add($"fwd/bwd: SimAm.Forward/Backward on {setup.DTypeName} {setup.LayoutName} tensors, every logical processor; bwd uses the statistics fwd saved.");
        }
        else if (setup.DeviceBench is not null)
        {
            lines.Add($"fwd/bwd: the backend named above on {setup.DTypeName} {setup.LayoutName} tensors that stay on the device (no transfers); bwd uses the statistics fwd kept on the device.");
            lines.Add("x floor, x memcpy and x 3-stream are measured on the same device: a device-to-device copy of x, and a dx = x + g kernel.");
            lines.Add("vs CPU fwd/bwd: time of the SimAM.Cpu engine (every logical processor, bwd with saved statistics) / the device's time.");
        }
        else
        {
            lines.Add($"fwd/bwd: ISimAmBackend.Forward/Backward of the backend named above on {setup.DTypeName} {setup.LayoutName} host buffers:");
            lines.Add("upload, kernels and download are timed; bwd recomputes the statistics (the interface takes none).");
        }

        lines.Add($"Bytes: forward moves 2x the tensor (read x, write y), backward 3x (read x and g, write dx); {setup.DTypeName}: {setup.ElementSize} bytes per value (GB/s in --json and --svg).");
        if (setup.DeviceBench is null)
        {
            lines.Add("x floor: forward time / the streaming floor, the fastest of a copy with ordinary stores (CopyTo) and a read + non-temporal write, each serial and parallel.");
            lines.Add("x memcpy: forward time / parallel CopyTo time. x 3-stream: backward time / the fastest dx = x + g (TensorPrimitives.Add or non-temporal stores, serial or parallel).");
        }

        if (setup.DType == BenchDType.Float16)
        {
            lines.Add("float16: both floors move exactly the bytes of the float16 tensors (as float32 values, half as many).");
        }

        lines.Add("vs TP chain: time of the TensorPrimitives one-call-per-step chain (float32, nchw) / SimAM forward time.");
        return lines;
    }

    /// <summary>Prints the results table, then <see cref="Legend"/>.</summary>
    /// <param name="console">Where to print.</param>
    /// <param name="results">One row per shape.</param>
    /// <param name="markdown">Draw the table as Markdown (for redirected output: paste it into a README as it is).</param>
    /// <param name="setup">What fwd and bwd measured, for the legend.</param>
    public static void WriteTable(IAnsiConsole console, IReadOnlyList<BenchResult> results, bool markdown, BenchSetup setup)
    {
        var table = new Table().Border(markdown ? TableBorder.Markdown : TableBorder.Rounded);
        table.AddColumn(new TableColumn("shape").NoWrap());
        var engine = results.Count > 0 && results.All(r => r.HasEngineTimes);
        string[] columns = ["MB", "fwd ms", "x floor", "x memcpy", "bwd ms", "x 3-stream", "vs TP chain"];
        foreach (var column in engine ? [.. columns, "vs CPU fwd", "vs CPU bwd"] : columns)
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var r in results)
        {
            string[] cells =
            [
                BenchShapes.Format(r.Shape),
                F(r.Megabytes, 1),
                F(r.ForwardMs, 3),
                F(r.ForwardOverFloor, 2) + "x",
                F(r.ForwardOverMemcpy, 2) + "x",
                F(r.BackwardMs, 3),
                F(r.BackwardOverThreeStream, 2) + "x",
                F(r.SpeedupOverChain, 1) + "x",
            ];
            if (engine)
            {
                cells = [.. cells, F(r.SpeedupOverEngineForward, 1) + "x", F(r.SpeedupOverEngineBackward, 1) + "x"];
            }

            // Plain text cells: a shape like [1,64,56,56] would otherwise be parsed as Spectre markup.
            table.AddRow(cells.Select(cell => (IRenderable)new Text(cell)));
        }

        if (markdown)
        {
            WriteTrimmed(console, table);
        }
        else
        {
            console.Write(table);
        }

        foreach (var line in Legend(setup))
        {
            console.WriteLine(line);
        }
    }

    /// <summary>Writes the results as JSON: the machine, what was measured, λ, and every time and ratio per shape.</summary>
    /// <param name="stream">The target.</param>
    /// <param name="results">One entry per shape.</param>
    /// <param name="environment">The machine.</param>
    /// <param name="setup">What fwd and bwd measured.</param>
    /// <param name="lambda">λ of the SimAM calls.</param>
    /// <param name="version">The tool's version.</param>
    public static void WriteJson(Stream stream, IReadOnlyList<BenchResult> results, BenchEnvironment environment, BenchSetup setup, double lambda, string version)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("tool", "simam bench");
        json.WriteString("version", version);
        json.WriteStartObject("environment");
        json.WriteString("cpu", environment.Cpu);
        json.WriteNumber("logicalProcessors", environment.LogicalProcessors);
        json.WriteString("kernel", environment.Kernel);
        json.WriteString("instructionSets", environment.InstructionSets);
        json.WriteString("runtime", environment.Runtime);
        json.WriteString("os", environment.OperatingSystem);
        json.WriteEndObject();
        json.WriteString("backend", setup.BackendName);
        json.WriteString("layout", setup.LayoutName);
        json.WriteString("dtype", setup.DTypeName);
        json.WriteString("baselineDtype", "float32");
        json.WriteString("floors", setup.DeviceBench is null ? "cpu" : "device");
        json.WriteNumber("lambda", lambda);
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
            json.WriteNumber("elements", r.Elements);
            json.WriteNumber("megabytes", r.Megabytes);
            json.WriteNumber("forwardMs", r.ForwardMs);
            json.WriteNumber("forwardGBps", r.ForwardGBps);
            json.WriteNumber("backwardMs", r.BackwardMs);
            json.WriteNumber("backwardGBps", r.BackwardGBps);
            json.WriteNumber("memcpyMs", r.MemcpyMs);
            json.WriteNumber("memcpyGBps", r.MemcpyGBps);
            json.WriteNumber("floorMs", r.FloorMs);
            json.WriteNumber("floorGBps", r.FloorGBps);
            json.WriteNumber("threeStreamMs", r.ThreeStreamMs);
            json.WriteNumber("threeStreamGBps", r.ThreeStreamGBps);
            json.WriteNumber("tensorPrimitivesChainMs", r.ChainMs);
            json.WriteNumber("forwardOverFloor", r.ForwardOverFloor);
            json.WriteNumber("forwardOverMemcpy", r.ForwardOverMemcpy);
            json.WriteNumber("backwardOverThreeStream", r.BackwardOverThreeStream);
            json.WriteNumber("speedupOverTensorPrimitivesChain", r.SpeedupOverChain);
            json.WriteNumber("scalarPortMs", r.ScalarMs);
            json.WriteNumber("speedupOverScalarPort", r.SpeedupOverScalar);
            if (r.HasEngineTimes)
            {
                json.WriteNumber("engineForwardMs", r.EngineForwardMs);
                json.WriteNumber("engineBackwardMs", r.EngineBackwardMs);
                json.WriteNumber("speedupOverEngineForward", r.SpeedupOverEngineForward);
                json.WriteNumber("speedupOverEngineBackward", r.SpeedupOverEngineBackward);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>
    /// Writes a Markdown table without the whitespace-only lines Spectre draws for its (invisible) top and
    /// bottom borders, and with the blank line after it that ends a Markdown table.
    /// </summary>
    private static void WriteTrimmed(IAnsiConsole console, Table table)
    {
        using var text = new StringWriter();
        var plain = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(text),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        plain.Profile.Width = console.Profile.Width;
        plain.Write(table);
        foreach (var line in text.ToString().Split('\n'))
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                console.WriteLine(line.TrimEnd());
            }
        }

        console.WriteLine();
    }

    private static string F(double value, int decimals) =>
        value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
