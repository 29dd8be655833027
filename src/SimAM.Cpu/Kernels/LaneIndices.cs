using System.Runtime.Intrinsics;

namespace SimAM.Kernels;

/// <summary>Lane numbers, for masking the lanes of an overlapped tail vector that an earlier vector already counted.</summary>
internal static class LaneIndices
{
    public static readonly Vector128<float> Single128 = Vector128.Create(0f, 1, 2, 3);
    public static readonly Vector256<float> Single256 = Vector256.Create(0f, 1, 2, 3, 4, 5, 6, 7);
    public static readonly Vector512<float> Single512 = Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

    // Lower* hold lanes [0, n/2) and Upper* lanes [n/2, n) of an n-float vector, as doubles.
    public static readonly Vector128<double> Lower128 = Vector128.Create(0d, 1);
    public static readonly Vector128<double> Upper128 = Vector128.Create(2d, 3);
    public static readonly Vector256<double> Lower256 = Vector256.Create(0d, 1, 2, 3);
    public static readonly Vector256<double> Upper256 = Vector256.Create(4d, 5, 6, 7);
    public static readonly Vector512<double> Lower512 = Vector512.Create(0d, 1, 2, 3, 4, 5, 6, 7);
    public static readonly Vector512<double> Upper512 = Vector512.Create(8d, 9, 10, 11, 12, 13, 14, 15);
}
