using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SimAM.Kernels;

/// <summary>
/// Lane numbers, for masking the lanes of an overlapped tail vector that an earlier vector already counted.
/// </summary>
/// <remarks>
/// Properties of constants, not static readonly fields: reading a static field from a kernel emits a
/// class-initialisation check, a call, and around a call the JIT spills every vector accumulator that is
/// live across it — which it did inside the reduction loops.
/// </remarks>
internal static class LaneIndices
{
    public static Vector128<float> Single128
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector128.Create(0f, 1, 2, 3);
    }

    public static Vector256<float> Single256
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(0f, 1, 2, 3, 4, 5, 6, 7);
    }

    public static Vector512<float> Single512
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    }

    // Lower* hold lanes [0, n/2) and Upper* lanes [n/2, n) of an n-float vector, as doubles.
    public static Vector128<double> Lower128
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector128.Create(0d, 1);
    }

    public static Vector128<double> Upper128
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector128.Create(2d, 3);
    }

    public static Vector256<double> Lower256
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(0d, 1, 2, 3);
    }

    public static Vector256<double> Upper256
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(4d, 5, 6, 7);
    }

    public static Vector512<double> Lower512
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(0d, 1, 2, 3, 4, 5, 6, 7);
    }

    public static Vector512<double> Upper512
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(8d, 9, 10, 11, 12, 13, 14, 15);
    }
}
