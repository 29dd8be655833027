using System.Collections.Generic;
using System.Runtime.Intrinsics;

namespace SimAM;

/// <summary>
/// Which <see cref="SimAmKernel"/> paths this process can run, and which one <see cref="SimAmKernel.Auto"/> uses.
/// </summary>
public static class SimAmKernels
{
    private static readonly SimAmKernel[] s_supported = DetectSupported();

    /// <summary>
    /// Gets the fastest path on this processor: the widest vector width that the runtime accelerates
    /// (respecting <c>DOTNET_PreferredVectorBitWidth</c>, <c>DOTNET_EnableAVX512</c> and
    /// <c>DOTNET_EnableHWIntrinsic</c>).
    /// </summary>
    public static SimAmKernel Best { get; } = s_supported[^1];

    /// <summary>
    /// Gets every path this process can run, from <see cref="SimAmKernel.Scalar"/> up to <see cref="Best"/>.
    /// Tests and the self-test iterate this list so that every path is checked on every machine.
    /// </summary>
    public static IReadOnlyList<SimAmKernel> Supported => s_supported;

    /// <summary>Tells whether <paramref name="kernel"/> can run in this process.</summary>
    /// <param name="kernel">The path to ask about; <see cref="SimAmKernel.Auto"/> is always supported.</param>
    /// <returns><see langword="true"/> when a call with this kernel will run accelerated (or scalar).</returns>
    public static bool IsSupported(SimAmKernel kernel) =>
        kernel == SimAmKernel.Auto || System.Array.IndexOf(s_supported, kernel) >= 0;

    internal static SimAmKernel Resolve(SimAmKernel kernel)
    {
        if (kernel == SimAmKernel.Auto)
        {
            return Best;
        }

        if (!IsSupported(kernel))
        {
            Validation.ThrowHelper.ThrowKernelNotSupported(kernel);
        }

        return kernel;
    }

    private static SimAmKernel[] DetectSupported()
    {
        // A width counts only when the runtime accelerates it: a software-emulated Vector512 is far
        // slower than the scalar path and would only make a misleading test subject.
        var list = new List<SimAmKernel> { SimAmKernel.Scalar };
        if (Vector128.IsHardwareAccelerated)
        {
            list.Add(SimAmKernel.Vector128);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            list.Add(SimAmKernel.Vector256);
        }

        if (Vector512.IsHardwareAccelerated)
        {
            list.Add(SimAmKernel.Vector512);
        }

        return [.. list];
    }
}
