namespace SimAM.Gpu;

/// <summary>One OpenCL device as the runtime reports it.</summary>
/// <param name="Name">The device name (CL_DEVICE_NAME), for example "NVIDIA GeForce RTX 4090" or "cpu-haswell-AMD EPYC 7B13".</param>
/// <param name="Platform">The platform (driver) name (CL_PLATFORM_NAME), for example "Portable Computing Language".</param>
/// <param name="Kind">GPU, CPU, accelerator or other.</param>
/// <param name="Vendor">The device vendor (CL_DEVICE_VENDOR).</param>
/// <param name="Version">The OpenCL version the device supports (CL_DEVICE_VERSION).</param>
/// <param name="DriverVersion">The driver version (CL_DRIVER_VERSION).</param>
/// <param name="ComputeUnits">The number of compute units (CL_DEVICE_MAX_COMPUTE_UNITS).</param>
/// <param name="MaxWorkGroupSize">The largest work-group the device runs (CL_DEVICE_MAX_WORK_GROUP_SIZE).</param>
/// <param name="GlobalMemoryBytes">The device memory in bytes (CL_DEVICE_GLOBAL_MEM_SIZE).</param>
/// <param name="MaxAllocationBytes">The largest single buffer in bytes (CL_DEVICE_MAX_MEM_ALLOC_SIZE).</param>
/// <param name="SupportsDouble">Whether the device has cl_khr_fp64 (double precision).</param>
public sealed record OpenClDeviceInfo(
    string Name,
    string Platform,
    OpenClDeviceKind Kind,
    string Vendor,
    string Version,
    string DriverVersion,
    int ComputeUnits,
    int MaxWorkGroupSize,
    long GlobalMemoryBytes,
    long MaxAllocationBytes,
    bool SupportsDouble)
{
    internal nint PlatformId { get; init; }

    internal nint DeviceId { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Platform}, {Kind}, {ComputeUnits} compute units{(SupportsDouble ? ", fp64" : string.Empty)})";
}
