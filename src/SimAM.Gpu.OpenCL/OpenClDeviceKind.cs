namespace SimAM.Gpu;

/// <summary>What kind of processor an OpenCL device is (its CL_DEVICE_TYPE).</summary>
public enum OpenClDeviceKind
{
    /// <summary>A type this library does not distinguish (for example a custom device).</summary>
    Other,

    /// <summary>A graphics processor (CL_DEVICE_TYPE_GPU).</summary>
    Gpu,

    /// <summary>A dedicated accelerator (CL_DEVICE_TYPE_ACCELERATOR).</summary>
    Accelerator,

    /// <summary>A CPU, for example through POCL (CL_DEVICE_TYPE_CPU).</summary>
    Cpu,
}
