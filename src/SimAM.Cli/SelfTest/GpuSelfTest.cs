using System;
using System.Collections.Generic;
using System.IO;
using SimAM.Backends;
using SimAM.Cli.Commands;
using SimAM.Gpu;

namespace SimAM.Cli.SelfTest;

/// <summary>
/// The GPU part of <c>simam selftest</c>: lists the devices each GPU backend finds (OpenCL, then ILGPU) and checks each
/// one against the float64 reference with the engine's bounds. A backend without devices is reported with its reason.
/// </summary>
internal static class GpuSelfTest
{
    /// <summary>Lists and checks every GPU device, reporting each result right after the line that names its device.</summary>
    /// <param name="output">Where the device lines go.</param>
    /// <param name="cases">The test tensors.</param>
    /// <param name="report">Called with each device's result.</param>
    /// <returns>How many devices were checked.</returns>
    public static int Run(TextWriter output, IReadOnlyList<SelfTestCase> cases, Action<SelfTestResult> report)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(report);
        var checkedDevices = 0;
        output.WriteLine("GPU backends:");
        if (!OpenClBackend.IsAvailable(out var reason))
        {
            output.WriteLine($"  opencl: none ({reason})");
        }
        else
        {
            foreach (var device in OpenClBackend.GetDevices())
            {
                output.WriteLine($"  opencl: {device.Name} ({device.Platform}, {device.Kind})");
                checkedDevices++;
                report(Check($"opencl {device.Name}", () => OpenClBackend.TryCreate(out var backend, out var why, device.Name) ? backend : throw new CliException(why), cases));
            }
        }

        if (!IlgpuBackend.IsGpuAvailable(out var ilgpuReason))
        {
            output.WriteLine($"  ilgpu: no GPU ({ilgpuReason})");
        }

        foreach (var device in IlgpuBackend.GetDevices())
        {
            output.WriteLine($"  ilgpu: {device}");
            var name = device.Kind == IlgpuAcceleratorKind.Cpu ? IlgpuBackend.CpuDeviceName : device.Name;
            checkedDevices++;
            report(Check($"ilgpu {name}", () => GpuBackends.CreateIlgpu(name), cases));
        }

        return checkedDevices;
    }

    /// <summary>Starts a backend and checks it; a backend that fails to start or run counts as failed with infinite ratios.</summary>
    private static SelfTestResult Check(string path, Func<ISimAmBackend> create, IReadOnlyList<SelfTestCase> cases)
    {
        try
        {
            SelfTestResult? result = null;
            GpuBackends.Guard(() =>
            {
                using var backend = create();
                result = KernelSelfTest.CheckBackend(backend, path, cases);
            });
            return result!;
        }
        catch (CliException)
        {
            return SelfTestResult.Failed(path);
        }
    }
}
