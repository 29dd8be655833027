using System.Runtime.InteropServices;

namespace SimAM.Gpu.Interop;

/// <summary>Owns one reference to an OpenCL memory object (buffer); releasing the handle calls clReleaseMemObject.</summary>
internal sealed class MemObjectHandle : SafeHandle
{
    /// <summary>Initializes a new instance of the <see cref="MemObjectHandle"/> class (used by the interop stubs).</summary>
    public MemObjectHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == nint.Zero;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => OpenClNative.clReleaseMemObject(handle) == OpenClConstants.Success;
}
