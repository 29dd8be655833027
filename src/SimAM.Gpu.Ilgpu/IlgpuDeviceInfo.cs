namespace SimAM.Gpu;

/// <summary>A device ILGPU can run the SimAM kernels on, as <see cref="IlgpuBackend.GetDevices"/> reports it.</summary>
/// <param name="Name">The device name (for the CPU accelerator, <see cref="IlgpuBackend.CpuDeviceName"/>).</param>
/// <param name="Kind">CUDA, OpenCL or ILGPU's CPU accelerator.</param>
/// <param name="Details">Driver, architecture or platform, as the runtime reports them.</param>
/// <param name="MemoryBytes">The device memory in bytes.</param>
/// <param name="Multiprocessors">The number of multiprocessors (compute units).</param>
/// <param name="MaxGroupSize">The most threads one group may have.</param>
/// <param name="WarpSize">The warp (SIMD group) width.</param>
public sealed record IlgpuDeviceInfo(string Name, IlgpuAcceleratorKind Kind, string Details, long MemoryBytes, int Multiprocessors, int MaxGroupSize, int WarpSize)
{
    /// <summary>Gets a one-line description: kind, name and details.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => $"{Kind}: {Name} ({Details})";
}
