using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace SimAM.Gpu.Ilgpu.Runtime;

/// <summary>
/// Creates ILGPU contexts with every accelerator this backend can use, lists their devices and picks one: CUDA first,
/// then OpenCL devices ILGPU accepts, and ILGPU's CPU accelerator only when asked for by name.
/// </summary>
internal static class IlgpuDevices
{
    /// <summary>
    /// The CPU accelerator emulates a GPU with 4-wide warps, 64 warps per multiprocessor (groups of up to 256 threads,
    /// as the GPU default; ILGPU's own default device allows only 16) and one multiprocessor per core.
    /// </summary>
    public static CPUDevice CreateCpuDevice() => new(4, 64, Math.Max(1, Environment.ProcessorCount));

    /// <summary>Creates a context with CUDA, OpenCL and the CPU accelerator enabled, and ILGPU.Algorithms' math for the GPU backends.</summary>
    public static Context CreateContext()
    {
        NativeLibraries.EnsureResolver();
        return Context.Create(builder => builder
            .Cuda()
            .OpenCL()
            .CPU(CreateCpuDevice())
            .Optimize(OptimizationLevel.O2)
            .EnableAlgorithms());
    }

    /// <summary>The devices of <paramref name="context"/> in the order the default choice prefers them, the CPU accelerator last.</summary>
    public static List<Device> Ordered(Context context) =>
    [
        .. context.Devices.Where(d => d.AcceleratorType == AcceleratorType.Cuda),
        .. context.Devices.Where(d => d.AcceleratorType == AcceleratorType.OpenCL),
        .. context.Devices.Where(d => d.AcceleratorType == AcceleratorType.CPU),
    ];

    /// <summary>Lists the devices (GPUs first, the CPU accelerator last); false with the reason when ILGPU cannot start.</summary>
    public static bool TryList(out IReadOnlyList<IlgpuDeviceInfo> devices, out string reason)
    {
        try
        {
            using var context = CreateContext();
            devices = [.. Ordered(context).Select(Describe)];
            reason = Summary(devices);
            return true;
        }
#pragma warning disable CA1031 // Discovery reports every failure as a reason instead of throwing.
        catch (Exception e)
#pragma warning restore CA1031
        {
            devices = [];
            reason = $"ILGPU could not start ({e.GetType().Name}: {e.Message})";
            return false;
        }
    }

    /// <summary>Picks the device <paramref name="name"/> asks for (see <see cref="IlgpuBackendOptions.DeviceName"/>).</summary>
    public static bool TrySelect(Context context, string? name, [NotNullWhen(true)] out Device? device, out string reason)
    {
        var ordered = Ordered(context);
        var gpus = ordered.Where(d => d.AcceleratorType != AcceleratorType.CPU).ToList();
        if (string.Equals(name, IlgpuBackend.CpuDeviceName, StringComparison.OrdinalIgnoreCase))
        {
            device = ordered.First(d => d.AcceleratorType == AcceleratorType.CPU);
            reason = $"selected {Describe(device)}";
            return true;
        }

        if (name is null)
        {
            device = gpus.FirstOrDefault();
            reason = device is null
                ? $"no CUDA or OpenCL device that ILGPU accepts ({MissingGpuReason()}); ILGPU's CPU accelerator runs only when asked for by name (device '{IlgpuBackend.CpuDeviceName}')"
                : $"selected {Describe(device)}";
            return device is not null;
        }

        device = gpus.FirstOrDefault(d => d.Name.Contains(name, StringComparison.OrdinalIgnoreCase));
        reason = device is null
            ? $"no ILGPU device name contains '{name}'; devices: {Summary([.. ordered.Select(Describe)])}"
            : $"selected {Describe(device)}";
        return device is not null;
    }

    /// <summary>What the backend reports about a device.</summary>
    public static IlgpuDeviceInfo Describe(Device device) => device switch
    {
        CudaDevice cuda => new IlgpuDeviceInfo(
            cuda.Name,
            IlgpuAcceleratorKind.Cuda,
            string.Create(CultureInfo.InvariantCulture, $"{cuda.Architecture}, PTX {cuda.InstructionSet}, CUDA driver {cuda.DriverVersion}"),
            cuda.MemorySize,
            cuda.NumMultiprocessors,
            cuda.MaxNumThreadsPerGroup,
            cuda.WarpSize),
        CLDevice cl => new IlgpuDeviceInfo(
            cl.Name,
            IlgpuAcceleratorKind.OpenCL,
            $"{cl.PlatformName}, {cl.DeviceVersion}",
            cl.MemorySize,
            cl.NumMultiprocessors,
            cl.MaxNumThreadsPerGroup,
            cl.WarpSize),
        _ => new IlgpuDeviceInfo(
            IlgpuBackend.CpuDeviceName,
            IlgpuAcceleratorKind.Cpu,
            string.Create(CultureInfo.InvariantCulture, $"ILGPU's CPU accelerator: an emulated GPU for tests, {device.NumMultiprocessors} multiprocessors"),
            device.MemorySize,
            device.NumMultiprocessors,
            device.MaxNumThreadsPerGroup,
            device.WarpSize),
    };

    private static string Summary(IReadOnlyList<IlgpuDeviceInfo> devices) =>
        devices.Count == 0 ? "none" : string.Join("; ", devices.Select(d => d.ToString()));

    /// <summary>Why no GPU is listed: which driver library could not be loaded.</summary>
    private static string MissingGpuReason()
    {
        var cuda = NativeLibraries.CudaCandidates.Any(CanLoad) ? "the CUDA driver reports no device" : $"no CUDA driver ({string.Join(", ", NativeLibraries.CudaCandidates)} not found)";
        var openCl = NativeLibraries.OpenClCandidates.Any(CanLoad)
            ? "no OpenCL device ILGPU accepts (it needs OpenCL 2.0's generic address space; POCL 3.1, for one, lacks it)"
            : $"no OpenCL runtime ({string.Join(", ", NativeLibraries.OpenClCandidates)} not found)";
        return $"{cuda}; {openCl}";
    }

    private static bool CanLoad(string library)
    {
        if (System.Runtime.InteropServices.NativeLibrary.TryLoad(library, out var handle))
        {
            System.Runtime.InteropServices.NativeLibrary.Free(handle);
            return true;
        }

        return false;
    }
}
