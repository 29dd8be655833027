using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Text;

namespace SimAM.Gpu.Interop;

/// <summary>
/// Finds the OpenCL devices of every installed platform, and says in words why there are none:
/// no runtime (the loader library is missing), no platform (the loader has no driver), or no device.
/// </summary>
internal static unsafe class OpenClDevices
{
    private const string InstallHint =
        "on Debian/Ubuntu: apt-get install -y ocl-icd-libopencl1 pocl-opencl-icd, or the GPU vendor's OpenCL driver";

    /// <summary>Lists the usable devices (available, with a compiler), GPUs first, then accelerators, then the rest.</summary>
    /// <param name="devices">The devices, in preference order.</param>
    /// <param name="reason">Why the list is empty, or a one-line summary of what was found.</param>
    /// <returns>Whether at least one device was found.</returns>
    public static bool TryList(out List<OpenClDeviceInfo> devices, out string reason)
    {
        devices = [];
        OpenClLibrary.EnsureResolver();
        try
        {
            return TryListDevices(devices, out reason);
        }
        catch (DllNotFoundException)
        {
            // The runtime's own message only repeats the library name and suggests strace.
            reason = $"no OpenCL runtime (could not load {string.Join(", ", OpenClLibrary.Candidates)}; {InstallHint})";
        }
        catch (EntryPointNotFoundException e)
        {
            reason = $"no OpenCL runtime (the OpenCL library lacks an entry point): {e.Message}";
        }
        catch (OpenClException e)
        {
            reason = "no OpenCL device (querying the platforms and devices failed: " + e.Message + ")";
        }

        devices.Clear();
        return false;
    }

    /// <summary>Picks the first GPU (then any device), or the first device whose name contains <paramref name="nameContains"/>.</summary>
    /// <param name="nameContains">A case-insensitive part of the device name, or <see langword="null"/> for the default choice.</param>
    /// <param name="device">The chosen device.</param>
    /// <param name="reason">Why none was chosen, or which one was.</param>
    /// <returns>Whether a device was chosen.</returns>
    public static bool TrySelect(string? nameContains, [NotNullWhen(true)] out OpenClDeviceInfo? device, out string reason)
    {
        device = null;
        if (!TryList(out var devices, out reason))
        {
            return false;
        }

        device = string.IsNullOrEmpty(nameContains)
            ? devices[0]
            : devices.FirstOrDefault(d => d.Name.Contains(nameContains, StringComparison.OrdinalIgnoreCase));
        if (device is null)
        {
            reason = $"no OpenCL device name contains '{nameContains}' (available: {string.Join("; ", devices.Select(d => d.Name))})";
            return false;
        }

        reason = "OpenCL device: " + device;
        return true;
    }

    private static bool TryListDevices(List<OpenClDeviceInfo> devices, out string reason)
    {
        var platforms = Platforms(out var status);
        if (status == OpenClConstants.PlatformNotFoundKhr || (status == OpenClConstants.Success && platforms.Length == 0))
        {
            reason = "no OpenCL platform (the OpenCL loader found no driver registered in /etc/OpenCL/vendors; " + InstallHint + ")";
            return false;
        }

        OpenClErrors.Check(status, "clGetPlatformIDs");
        var platformNames = new List<string>();
        foreach (var platform in platforms)
        {
            var platformName = PlatformString(platform, OpenClConstants.PlatformName);
            platformNames.Add(platformName);
            foreach (var device in Devices(platform))
            {
                if (DeviceValue<uint>(device, OpenClConstants.DeviceAvailable) != 0 && DeviceValue<uint>(device, OpenClConstants.DeviceCompilerAvailable) != 0)
                {
                    devices.Add(Describe(platform, platformName, device));
                }
            }
        }

        if (devices.Count == 0)
        {
            reason = $"no OpenCL device (platforms {string.Join(", ", platformNames)} report no available device with a compiler)";
            return false;
        }

        // Stable: GPUs first, then accelerators, then the rest, each in the drivers' order.
        var ordered = devices.OrderBy(d => Preference(d.Kind)).ToList();
        devices.Clear();
        devices.AddRange(ordered);
        reason = $"OpenCL devices: {string.Join("; ", devices)}";
        return true;
    }

    private static int Preference(OpenClDeviceKind kind) => kind switch
    {
        OpenClDeviceKind.Gpu => 0,
        OpenClDeviceKind.Accelerator => 1,
        _ => 2,
    };

    private static nint[] Platforms(out int status)
    {
        uint count;
        status = OpenClNative.clGetPlatformIDs(0, null, &count);
        if (status != OpenClConstants.Success || count == 0)
        {
            return [];
        }

        var platforms = new nint[count];
        fixed (nint* p = platforms)
        {
            status = OpenClNative.clGetPlatformIDs(count, p, null);
        }

        return platforms;
    }

    private static nint[] Devices(nint platform)
    {
        uint count;
        var status = OpenClNative.clGetDeviceIDs(platform, OpenClConstants.DeviceTypeAll, 0, null, &count);
        if (status == OpenClConstants.DeviceNotFound || count == 0)
        {
            return [];
        }

        OpenClErrors.Check(status, "clGetDeviceIDs");
        var devices = new nint[count];
        fixed (nint* p = devices)
        {
            OpenClErrors.Check(OpenClNative.clGetDeviceIDs(platform, OpenClConstants.DeviceTypeAll, count, p, null), "clGetDeviceIDs");
        }

        return devices;
    }

    private static OpenClDeviceInfo Describe(nint platform, string platformName, nint device)
    {
        var type = DeviceValue<ulong>(device, OpenClConstants.DeviceType);
        var kind = (type & OpenClConstants.DeviceTypeGpu) != 0 ? OpenClDeviceKind.Gpu
            : (type & OpenClConstants.DeviceTypeAccelerator) != 0 ? OpenClDeviceKind.Accelerator
            : (type & OpenClConstants.DeviceTypeCpu) != 0 ? OpenClDeviceKind.Cpu
            : OpenClDeviceKind.Other;
        var extensions = DeviceString(device, OpenClConstants.DeviceExtensions);
        return new OpenClDeviceInfo(
            DeviceString(device, OpenClConstants.DeviceName),
            platformName,
            kind,
            DeviceString(device, OpenClConstants.DeviceVendor),
            DeviceString(device, OpenClConstants.DeviceVersion),
            DeviceString(device, OpenClConstants.DriverVersion),
            (int)DeviceValue<uint>(device, OpenClConstants.DeviceMaxComputeUnits),
            (int)Math.Min(DeviceValue<nuint>(device, OpenClConstants.DeviceMaxWorkGroupSize), int.MaxValue),
            (long)DeviceValue<ulong>(device, OpenClConstants.DeviceGlobalMemSize),
            (long)DeviceValue<ulong>(device, OpenClConstants.DeviceMaxMemAllocSize),
            extensions.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("cl_khr_fp64"))
        {
            PlatformId = platform,
            DeviceId = device,
        };
    }

    private static T DeviceValue<T>(nint device, uint parameter)
        where T : unmanaged
    {
        T value = default;
        OpenClErrors.Check(OpenClNative.clGetDeviceInfo(device, parameter, (nuint)sizeof(T), &value, null), "clGetDeviceInfo");
        return value;
    }

    private static string DeviceString(nint device, uint parameter) =>
        InfoString(&OpenClNative.clGetDeviceInfo, "clGetDeviceInfo", device, parameter);

    private static string PlatformString(nint platform, uint parameter) =>
        InfoString(&OpenClNative.clGetPlatformInfo, "clGetPlatformInfo", platform, parameter);

    /// <summary>
    /// Reads a string property through one of the clGet*Info calls, which all take (object, parameter, size, value,
    /// size returned): first its size, then its bytes.
    /// </summary>
    private static string InfoString(delegate*<nint, uint, nuint, void*, nuint*, int> getInfo, string function, nint handle, uint parameter)
    {
        nuint size;
        OpenClErrors.Check(getInfo(handle, parameter, 0, null, &size), function);
        var bytes = new byte[(int)size];
        fixed (byte* p = bytes)
        {
            OpenClErrors.Check(getInfo(handle, parameter, size, p, null), function);
        }

        return Decode(bytes);
    }

    /// <summary>OpenCL strings are NUL-terminated; some drivers pad them with spaces.</summary>
    internal static string Decode(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end >= 0 ? bytes[..end] : bytes).Trim();
    }
}
