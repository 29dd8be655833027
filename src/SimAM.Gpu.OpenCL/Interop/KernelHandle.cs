using System.Runtime.InteropServices;

namespace SimAM.Gpu.Interop;

/// <summary>Owns one reference to an OpenCL kernel; releasing the handle calls clReleaseKernel.</summary>
internal sealed class KernelHandle : SafeHandle
{
    /// <summary>Initializes a new instance of the <see cref="KernelHandle"/> class (used by the interop stubs).</summary>
    public KernelHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == nint.Zero;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => OpenClNative.clReleaseKernel(handle) == OpenClConstants.Success;
}
