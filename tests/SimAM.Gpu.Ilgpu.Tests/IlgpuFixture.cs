using System;
using System.Collections.Generic;
using SimAM.Gpu.Ilgpu.Tests;
using Xunit;

[assembly: AssemblyFixture(typeof(IlgpuFixture))]

namespace SimAM.Gpu.Ilgpu.Tests;

/// <summary>
/// The backends the tests share, each created once per run (creating one compiles the kernels): by default ILGPU's CPU
/// accelerator with its default groups of 4 threads, with 16-thread groups (a deeper reduction tree), and through the
/// split kernels. SIMAM_ILGPU_DEVICE names another device (<c>default</c> for the backend's own choice, CUDA first):
/// benchmarks/gpu/device-check.sh runs the same suite on a GPU that way.
/// </summary>
public sealed class IlgpuFixture : IDisposable
{
    /// <summary>The variable that names the device the tests run on; unset, ILGPU's CPU accelerator.</summary>
    public const string DeviceVariable = "SIMAM_ILGPU_DEVICE";

    /// <summary>The default: one group per plane (4 threads on the CPU accelerator, up to 256 on a GPU).</summary>
    public const string Cpu = "cpu";

    /// <summary>Groups of up to 16 threads: four levels of the reduction tree instead of two.</summary>
    public const string Groups16 = "cpu-groups16";

    /// <summary>The split kernels: every plane cut into 3 chunks of one group each.</summary>
    public const string Split = "cpu-split3";

    private readonly Dictionary<string, IlgpuBackend> _backends = [];
    private readonly object _sync = new();

    /// <summary>Gets every variant: each kernel of Kernels/PlaneKernels.cs is reachable from one of them.</summary>
    public static string[] All => [Cpu, Groups16, Split];

    public static TheoryData<string> Variants => [.. All];

    /// <summary>Gets a backend, creating it on first use; skips (or, when required, fails) the test without ILGPU.</summary>
    public IlgpuBackend this[string variant]
    {
        get
        {
            IlgpuEnvironment.Require();
            lock (_sync)
            {
                if (!_backends.TryGetValue(variant, out var backend))
                {
                    backend = IlgpuBackend.Create(Options(variant));
                    _backends.Add(variant, backend);
                }

                return backend;
            }
        }
    }

    /// <summary>Gets the device the tests run on: <see cref="IlgpuBackend.CpuDeviceName"/> unless <see cref="DeviceVariable"/> says otherwise.</summary>
    public static string? DeviceName => Environment.GetEnvironmentVariable(DeviceVariable) switch
    {
        null or "" => IlgpuBackend.CpuDeviceName,
        "default" => null,
        var name => name,
    };

    /// <summary>Gets a value indicating whether the tests run on ILGPU's CPU accelerator (some checks are specific to it).</summary>
    public static bool OnCpuAccelerator => DeviceName == IlgpuBackend.CpuDeviceName;

    public static IlgpuBackendOptions Options(string variant) => variant switch
    {
        Cpu => new IlgpuBackendOptions { DeviceName = DeviceName },
        Groups16 => new IlgpuBackendOptions { DeviceName = DeviceName, GroupSize = 16 },
        Split => new IlgpuBackendOptions { DeviceName = DeviceName, GroupsPerPlane = 3 },
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "unknown backend variant"),
    };

    public void Dispose()
    {
        foreach (var backend in _backends.Values)
        {
            backend.Dispose();
        }
    }
}
