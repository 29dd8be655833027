using System.Runtime.InteropServices;

namespace SimAM.Gpu.Interop;

/// <summary>
/// Owns one reference to an OpenCL object; releasing the handle calls that object's clRelease function. The interop
/// stubs create the sealed kinds below through their implicit parameterless constructors.
/// </summary>
internal abstract class OpenClHandle : SafeHandle
{
    /// <summary>Initializes a new instance of the <see cref="OpenClHandle"/> class, invalid until the stub sets it.</summary>
    protected OpenClHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == nint.Zero;
}

/// <summary>An OpenCL context (clReleaseContext).</summary>
internal sealed class ContextHandle : OpenClHandle
{
    /// <inheritdoc/>
    protected override bool ReleaseHandle() => OpenClNative.clReleaseContext(handle) == OpenClConstants.Success;
}

/// <summary>An OpenCL command queue (clReleaseCommandQueue).</summary>
internal sealed class CommandQueueHandle : OpenClHandle
{
    /// <inheritdoc/>
    protected override bool ReleaseHandle() => OpenClNative.clReleaseCommandQueue(handle) == OpenClConstants.Success;
}

/// <summary>An OpenCL program (clReleaseProgram).</summary>
internal sealed class ProgramHandle : OpenClHandle
{
    /// <inheritdoc/>
    protected override bool ReleaseHandle() => OpenClNative.clReleaseProgram(handle) == OpenClConstants.Success;
}

/// <summary>An OpenCL kernel (clReleaseKernel).</summary>
internal sealed class KernelHandle : OpenClHandle
{
    /// <inheritdoc/>
    protected override bool ReleaseHandle() => OpenClNative.clReleaseKernel(handle) == OpenClConstants.Success;
}

/// <summary>An OpenCL memory object, a buffer (clReleaseMemObject).</summary>
internal sealed class MemObjectHandle : OpenClHandle
{
    /// <inheritdoc/>
    protected override bool ReleaseHandle() => OpenClNative.clReleaseMemObject(handle) == OpenClConstants.Success;
}
