using System.Runtime.InteropServices;

namespace SimAM.Gpu.Interop;

/// <summary>Owns one reference to an OpenCL program; releasing the handle calls clReleaseProgram.</summary>
internal sealed class ProgramHandle : SafeHandle
{
    /// <summary>Initializes a new instance of the <see cref="ProgramHandle"/> class (used by the interop stubs).</summary>
    public ProgramHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == nint.Zero;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => OpenClNative.clReleaseProgram(handle) == OpenClConstants.Success;
}
