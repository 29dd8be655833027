namespace SimAM.Gpu;

/// <summary>The kind of ILGPU accelerator a device is.</summary>
public enum IlgpuAcceleratorKind
{
    /// <summary>An NVIDIA GPU through the CUDA driver API (ILGPU emits PTX, which the driver compiles).</summary>
    Cuda,

    /// <summary>An OpenCL 2.0+ device that ILGPU accepts (it needs the generic address space, which POCL 3.1 lacks).</summary>
    OpenCL,

    /// <summary>
    /// ILGPU's CPU accelerator: it emulates a GPU with one thread per work item and is hundreds to thousands of times slower than
    /// the SimAM.Cpu engine. It exists to test the kernels without a GPU and is used only when asked for by name.
    /// </summary>
    Cpu,
}
