using System.Collections.Generic;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace SimAM.Cli.Platform;

/// <summary>
/// The SIMD instruction sets and vector widths the runtime reports for this process. Under the JIT that is what
/// the processor has (less what DOTNET_EnableAVX512=0 and similar switches turn off); in a NativeAOT binary it is
/// what the binary was compiled for, so a binary built for the default x86-64-v2 baseline reports no AVX2 and no
/// AVX-512 on any processor, and runs without the Vector256 and Vector512 kernels.
/// </summary>
/// <remarks>
/// Kept free of the rest of the tool, so that samples/SimAM.AotSample compiles the same file and prints the same line.
/// </remarks>
internal static class InstructionSets
{
    /// <summary>Gets the instruction sets the runtime reports as supported, by their usual names, oldest first.</summary>
    /// <returns>The names; empty on an architecture with no hardware intrinsics in .NET.</returns>
    public static IReadOnlyList<string> Supported()
    {
        var names = new List<string>();
        void Add(string name, bool isSupported)
        {
            if (isSupported)
            {
                names.Add(name);
            }
        }

        Add("SSE", Sse.IsSupported);
        Add("SSE2", Sse2.IsSupported);
        Add("SSE3", Sse3.IsSupported);
        Add("SSSE3", Ssse3.IsSupported);
        Add("SSE4.1", Sse41.IsSupported);
        Add("SSE4.2", Sse42.IsSupported);
        Add("POPCNT", Popcnt.IsSupported);
        Add("AVX", Avx.IsSupported);
        Add("AVX2", Avx2.IsSupported);
        Add("FMA", Fma.IsSupported);
        Add("BMI1", Bmi1.IsSupported);
        Add("BMI2", Bmi2.IsSupported);
        Add("LZCNT", Lzcnt.IsSupported);
        Add("AVX-512F", Avx512F.IsSupported);
        Add("AVX-512BW", Avx512BW.IsSupported);
        Add("AVX-512CD", Avx512CD.IsSupported);
        Add("AVX-512DQ", Avx512DQ.IsSupported);
        Add("AVX-512VL", Avx512F.VL.IsSupported);

        Add("AdvSIMD", AdvSimd.IsSupported);
        Add("AdvSIMD-Arm64", AdvSimd.Arm64.IsSupported);
        Add("AES", System.Runtime.Intrinsics.Arm.Aes.IsSupported);
        Add("CRC32", Crc32.IsSupported);
        Add("DotProd", Dp.IsSupported);
        Add("RDM", Rdm.IsSupported);
        Add("SHA1", Sha1.IsSupported);
        Add("SHA256", Sha256.IsSupported);
        return names;
    }

    /// <summary>Gets the vector widths the runtime accelerates, in bits (what SimAmKernels.Supported is built from).</summary>
    /// <returns>For example "128 256 512 bits", or "none".</returns>
    public static string AcceleratedVectorWidths()
    {
        var widths = new List<string>();
        if (Vector128.IsHardwareAccelerated)
        {
            widths.Add("128");
        }

        if (Vector256.IsHardwareAccelerated)
        {
            widths.Add("256");
        }

        if (Vector512.IsHardwareAccelerated)
        {
            widths.Add("512");
        }

        return widths.Count == 0 ? "none" : $"{string.Join(' ', widths)} bits";
    }

    /// <summary>
    /// Gets the x86-64 microarchitecture level (the psABI's v1 to v4, the names NativeAOT's IlcInstructionSet takes)
    /// that the reported instruction sets reach, or <see langword="null"/> on other architectures.
    /// </summary>
    /// <returns>"x86-64-v1" to "x86-64-v4", or <see langword="null"/>.</returns>
    public static string? X64Level()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return null;
        }

        var v2 = Sse3.IsSupported && Ssse3.IsSupported && Sse41.IsSupported && Sse42.IsSupported && Popcnt.IsSupported;
        var v3 = v2 && Avx.IsSupported && Avx2.IsSupported && Fma.IsSupported && Bmi1.IsSupported && Bmi2.IsSupported && Lzcnt.IsSupported;
        var v4 = v3 && Avx512F.IsSupported && Avx512BW.IsSupported && Avx512CD.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported;
        return v4 ? "x86-64-v4" : v3 ? "x86-64-v3" : v2 ? "x86-64-v2" : "x86-64-v1";
    }

    /// <summary>Describes this process's SIMD support on one line.</summary>
    /// <returns>For example "X64 (x86-64-v4): SSE ... AVX-512VL; vectors accelerated: 128 256 512 bits (Vector&lt;T&gt;: 256 bits)".</returns>
    public static string Describe()
    {
        var supported = Supported();
        var level = X64Level();
        return $"{RuntimeInformation.ProcessArchitecture}{(level is null ? "" : $" ({level})")}: " +
            $"{(supported.Count == 0 ? "no SIMD instruction sets" : string.Join(' ', supported))}; " +
            $"vectors accelerated: {AcceleratedVectorWidths()} (Vector<T>: {(Vector.IsHardwareAccelerated ? $"{Vector<byte>.Count * 8} bits" : "not accelerated")})";
    }
}
