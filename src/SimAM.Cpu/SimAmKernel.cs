namespace SimAM;

/// <summary>
/// The instruction-width strategy a SimAM call runs with. <see cref="Auto"/> picks the widest one the
/// processor accelerates; the others exist so that every path can be tested and compared on one machine.
/// </summary>
public enum SimAmKernel
{
    /// <summary>The widest accelerated path of this processor (<see cref="SimAmKernels.Best"/>).</summary>
    Auto = 0,

    /// <summary>Plain scalar code with no SIMD: the portable fallback.</summary>
    Scalar = 1,

    /// <summary>128-bit vectors (SSE / AdvSIMD), 4 floats at a time.</summary>
    Vector128 = 2,

    /// <summary>256-bit vectors (AVX2), 8 floats at a time.</summary>
    Vector256 = 3,

    /// <summary>512-bit vectors (AVX-512), 16 floats at a time.</summary>
    Vector512 = 4,
}
