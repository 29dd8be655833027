using System.Runtime.InteropServices;

namespace SimAM.Gpu.Interop;

/// <summary>Owns one reference to an OpenCL command queue; releasing the handle calls clReleaseCommandQueue.</summary>
internal sealed class CommandQueueHandle : SafeHandle
{
    /// <summary>Initializes a new instance of the <see cref="CommandQueueHandle"/> class (used by the interop stubs).</summary>
    public CommandQueueHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == nint.Zero;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => OpenClNative.clReleaseCommandQueue(handle) == OpenClConstants.Success;
}
