using System;
using SimAM.Gpu.Kernels;

namespace SimAM.Gpu;

/// <summary>How <see cref="OpenClBackend"/> picks its device and runs its kernels. Options never change the formula, only the device and the last bits.</summary>
public sealed class OpenClBackendOptions
{
    private readonly OpenClAccumulation _accumulation;
    private readonly int _workGroupSize;
    private readonly int _groupsPerPlane;

    /// <summary>Gets the default options: first GPU (else any device), automatic accumulation, work-group size and split.</summary>
    public static OpenClBackendOptions Default { get; } = new();

    /// <summary>
    /// Gets a case-insensitive part of the device name to select (as listed by <see cref="OpenClBackend.GetDevices"/>),
    /// or <see langword="null"/> (the default) for the first GPU, else the first device of any kind.
    /// </summary>
    public string? DeviceName { get; init; }

    /// <summary>Gets how the per-plane sums accumulate; <see cref="OpenClAccumulation.Auto"/> (the default) uses double where the device has it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="OpenClAccumulation"/>.</exception>
    public OpenClAccumulation Accumulation
    {
        get => _accumulation;
        init
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(Accumulation), value, "Accumulation must be Auto, DoublePrecision or CompensatedSinglePrecision.");
            }

            _accumulation = value;
        }
    }

    /// <summary>
    /// Gets the largest work-group size to build the kernels for: 0 (the default) for 256, or a power of two from 1 to 1024.
    /// The backend lowers it to what the device accepts; <see cref="OpenClBackend.WorkGroupSize"/> says what it used.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is neither 0 nor a power of two from 1 to 1024.</exception>
    public int WorkGroupSize
    {
        get => _workGroupSize;
        init
        {
            if (value != 0 && (value < 1 || value > 1024 || !int.IsPow2(value)))
            {
                throw new ArgumentOutOfRangeException(nameof(WorkGroupSize), value, "WorkGroupSize must be 0 (automatic) or a power of two from 1 to 1024.");
            }

            _workGroupSize = value;
        }
    }

    /// <summary>
    /// Gets how many work-groups share one plane: 0 (the default) decides per call (several only when there are too
    /// few planes to fill the device and the planes are large), 1 always uses one work-group per plane, and a larger
    /// value splits every plane into that many chunks (at most one per value).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or above 1024.</exception>
    public int GroupsPerPlane
    {
        get => _groupsPerPlane;
        init
        {
            if (value < 0 || value > PlaneLaunches.MaxGroupsPerPlane)
            {
                throw new ArgumentOutOfRangeException(nameof(GroupsPerPlane), value, "GroupsPerPlane must be 0 (automatic) or from 1 to 1024.");
            }

            _groupsPerPlane = value;
        }
    }
}
