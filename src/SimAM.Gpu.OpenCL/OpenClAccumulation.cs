namespace SimAM.Gpu;

/// <summary>How the kernels accumulate the per-plane sums (Σ x, Σ (x − μ)², and the backward's Σ a·u, Σ a·u²).</summary>
public enum OpenClAccumulation
{
    /// <summary><see cref="DoublePrecision"/> when the device has cl_khr_fp64, else <see cref="CompensatedSinglePrecision"/>.</summary>
    Auto,

    /// <summary>Sums in double precision (needs cl_khr_fp64; NVIDIA, AMD, most desktop drivers and POCL have it).</summary>
    DoublePrecision,

    /// <summary>
    /// Compensated (Neumaier) float sums over values pre-scaled by a power of two, for devices without
    /// double precision (many Intel integrated and ARM Mali GPUs). Same accuracy bounds; one more pass
    /// over each plane (for max|x|).
    /// </summary>
    CompensatedSinglePrecision,
}
