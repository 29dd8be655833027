using System;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;

namespace SimAM.Gpu.Interop;

/// <summary>
/// Maps the bindings' library name "OpenCL" to the ICD loader that is actually installed. Debian and
/// Ubuntu ship only <c>libOpenCL.so.1</c> in ocl-icd-libopencl1 (the unversioned <c>libOpenCL.so</c>
/// comes with the -dev package), so the runtime's default probing would not find it.
/// </summary>
internal static class OpenClLibrary
{
    private static int s_registered;

    /// <summary>Gets the file names tried, in order, on this operating system.</summary>
    public static string[] Candidates { get; } =
        OperatingSystem.IsWindows() ? ["OpenCL.dll", "OpenCL"]
        : OperatingSystem.IsMacOS() ? ["/System/Library/Frameworks/OpenCL.framework/OpenCL", "OpenCL"]
        : ["libOpenCL.so.1", "libOpenCL.so", "OpenCL"];

    /// <summary>Registers the resolver once per process; safe to call from any thread, any number of times.</summary>
    public static void EnsureResolver()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
        {
            NativeLibrary.SetDllImportResolver(typeof(OpenClLibrary).Assembly, Resolve);
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != OpenClNative.Library)
        {
            return nint.Zero;
        }

        foreach (var candidate in Candidates)
        {
            if (NativeLibrary.TryLoad(candidate, assembly, searchPath, out var handle))
            {
                return handle;
            }
        }

        // Falling back to the default probing makes the first call throw DllNotFoundException,
        // which OpenClDevices turns into "no OpenCL runtime".
        return nint.Zero;
    }
}
