using SimAM.Gpu;

namespace SimAM.Cli.Commands;

/// <summary>The device a command runs SimAM on.</summary>
internal enum BackendKind
{
    /// <summary>The SimAM.Cpu SIMD engine (<see cref="SimAm"/>).</summary>
    Cpu,

    /// <summary>The OpenCL backend (<see cref="OpenClBackend"/>).</summary>
    OpenCl,

    /// <summary>The ILGPU backend (<see cref="IlgpuBackend"/>): CUDA, OpenCL 2.0+, or ILGPU's CPU accelerator with <c>--device cpu</c>.</summary>
    Ilgpu,
}
