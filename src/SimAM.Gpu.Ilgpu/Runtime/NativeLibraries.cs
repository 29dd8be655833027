using System;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;
using ILGPU;

namespace SimAM.Gpu.Ilgpu.Runtime;

/// <summary>
/// Maps the library names ILGPU imports ("cuda", "nvcuda", "OpenCL", "opencl") to the files that are actually
/// installed. ILGPU 1.5.3 probes only <c>libcuda.so</c> and <c>libOpenCL.so</c> on Linux, but Debian's
/// ocl-icd-libopencl1 and many NVIDIA driver installs ship only the runtime names <c>libcuda.so.1</c> and
/// <c>libOpenCL.so.1</c> (the unversioned links come with -dev packages), so without this no device is found.
/// </summary>
internal static class NativeLibraries
{
    private static int s_registered;

    /// <summary>Gets the files tried for the CUDA driver API, in order, on this operating system.</summary>
    public static string[] CudaCandidates { get; } =
        OperatingSystem.IsWindows() ? ["nvcuda.dll", "nvcuda"]
        : OperatingSystem.IsMacOS() ? ["libcuda.dylib", "cuda"]
        : ["libcuda.so.1", "libcuda.so", "cuda"];

    /// <summary>Gets the files tried for the OpenCL ICD loader, in order, on this operating system.</summary>
    public static string[] OpenClCandidates { get; } =
        OperatingSystem.IsWindows() ? ["OpenCL.dll", "OpenCL"]
        : OperatingSystem.IsMacOS() ? ["/System/Library/Frameworks/OpenCL.framework/OpenCL", "OpenCL"]
        : ["libOpenCL.so.1", "libOpenCL.so", "OpenCL"];

    /// <summary>
    /// Registers the resolver for the ILGPU assembly once per process. An application that registered its own
    /// resolver for ILGPU first keeps it (the runtime allows one per assembly).
    /// </summary>
    public static void EnsureResolver()
    {
        if (Interlocked.Exchange(ref s_registered, 1) != 0)
        {
            return;
        }

        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Context).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // Someone else resolves ILGPU's imports; theirs wins.
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        var candidates = libraryName.ToUpperInvariant() switch
        {
            "CUDA" or "NVCUDA" => CudaCandidates,
            "OPENCL" => OpenClCandidates,
            _ => [],
        };
        foreach (var candidate in candidates)
        {
            if (NativeLibrary.TryLoad(candidate, assembly, searchPath, out var handle))
            {
                return handle;
            }
        }

        // The default probing then fails as before, and ILGPU reports the API as unavailable (no devices).
        return nint.Zero;
    }
}
