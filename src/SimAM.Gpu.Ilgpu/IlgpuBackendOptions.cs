using System;

namespace SimAM.Gpu;

/// <summary>How <see cref="IlgpuBackend"/> picks its accelerator and launches its kernels. Options never change the formula, only the device and the last bits.</summary>
public sealed class IlgpuBackendOptions
{
    /// <summary>The most groups one plane is split into.</summary>
    public const int MaxGroupsPerPlane = 1024;

    private readonly int _groupSize;
    private readonly int _groupsPerPlane;

    /// <summary>Gets the default options: the first CUDA device, else the first OpenCL device ILGPU accepts; automatic group size and split.</summary>
    public static IlgpuBackendOptions Default { get; } = new();

    /// <summary>
    /// Gets which device to use: <see langword="null"/> (the default) for the first CUDA device, else the first OpenCL
    /// device ILGPU accepts; <see cref="IlgpuBackend.CpuDeviceName"/> (<c>cpu</c>, exactly, in any case) for ILGPU's CPU
    /// accelerator; any other text picks the first CUDA or OpenCL device whose name contains it (case-insensitive).
    /// </summary>
    public string? DeviceName { get; init; }

    /// <summary>
    /// Gets the largest group size the kernels use: 0 (the default) for 256 on a GPU and 4 on ILGPU's CPU accelerator
    /// (where every barrier is a hand-off between threads), or a power of two from 1 to 1024. It is
    /// lowered to what the device allows, and small planes get smaller groups; <see cref="IlgpuBackend.MaxGroupSize"/>
    /// says what the backend uses.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is neither 0 nor a power of two from 1 to 1024.</exception>
    public int GroupSize
    {
        get => _groupSize;
        init
        {
            if (value != 0 && (value < 1 || value > 1024 || !int.IsPow2(value)))
            {
                throw new ArgumentOutOfRangeException(nameof(GroupSize), value, "GroupSize must be 0 (automatic) or a power of two from 1 to 1024.");
            }

            _groupSize = value;
        }
    }

    /// <summary>
    /// Gets how many groups share one plane: 0 (the default) decides per call (several only when there are too few
    /// planes to fill the device and the planes are large), 1 always uses one group per plane, and a larger value
    /// splits every plane into that many chunks (at most one per value).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or above <see cref="MaxGroupsPerPlane"/>.</exception>
    public int GroupsPerPlane
    {
        get => _groupsPerPlane;
        init
        {
            if (value < 0 || value > MaxGroupsPerPlane)
            {
                throw new ArgumentOutOfRangeException(nameof(GroupsPerPlane), value, "GroupsPerPlane must be 0 (automatic) or from 1 to 1024.");
            }

            _groupsPerPlane = value;
        }
    }
}
