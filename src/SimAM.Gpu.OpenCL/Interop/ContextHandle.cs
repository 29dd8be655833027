using System.Runtime.InteropServices;

namespace SimAM.Gpu.Interop;

/// <summary>Owns one reference to an OpenCL context; releasing the handle calls clReleaseContext.</summary>
internal sealed class ContextHandle : SafeHandle
{
    /// <summary>Initializes a new instance of the <see cref="ContextHandle"/> class (used by the interop stubs).</summary>
    public ContextHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == nint.Zero;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => OpenClNative.clReleaseContext(handle) == OpenClConstants.Success;
}
