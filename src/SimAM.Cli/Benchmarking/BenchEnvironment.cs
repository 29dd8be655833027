using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace SimAM.Cli.Benchmarking;

/// <summary>The machine a benchmark ran on: what a reader needs to compare numbers.</summary>
/// <param name="Cpu">The processor model, or the architecture when unknown.</param>
/// <param name="LogicalProcessors">Environment.ProcessorCount: the threads the engine and the floors use.</param>
/// <param name="Kernel">The SIMD path SimAm uses here (SimAmKernels.Best).</param>
/// <param name="InstructionSets">The instruction sets and vector widths the runtime reports (<see cref="Platform.InstructionSets.Describe"/>).</param>
/// <param name="Runtime">The .NET runtime.</param>
/// <param name="OperatingSystem">The OS description.</param>
internal sealed record BenchEnvironment(string Cpu, int LogicalProcessors, string Kernel, string InstructionSets, string Runtime, string OperatingSystem)
{
    /// <summary>Describes this process's machine.</summary>
    /// <returns>The description.</returns>
    public static BenchEnvironment Current() => new(
        CpuModel() ?? RuntimeInformation.ProcessArchitecture.ToString(),
        Environment.ProcessorCount,
        SimAmKernels.Best.ToString(),
        Platform.InstructionSets.Describe(),
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.OSDescription);

    private static string? CpuModel()
    {
        try
        {
            return File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo")
                    .Where(line => line.StartsWith("model name", StringComparison.Ordinal))
                    .Select(line => line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
                    .FirstOrDefault()
                : null;
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
}
