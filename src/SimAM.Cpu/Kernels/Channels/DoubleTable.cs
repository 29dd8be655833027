using System.Runtime.CompilerServices;

namespace SimAM.Kernels.Channels;

/// <summary>
/// A table of double sums, one per lane of a channels-last period, read and written a vector of doubles at a time from
/// any lane (the vectors of a period's sums start at every multiple of half a float vector, so the reads are unaligned).
/// </summary>
internal static class DoubleTable
{
    /// <summary>Reads the vector of doubles that starts at <paramref name="lane"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TD Read<TD>(ref double table, int lane)
        where TD : struct =>
        Unsafe.ReadUnaligned<TD>(ref Unsafe.As<double, byte>(ref Unsafe.Add(ref table, lane)));

    /// <summary>Writes <paramref name="value"/> from <paramref name="lane"/> on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write<TD>(ref double table, int lane, TD value)
        where TD : struct =>
        Unsafe.WriteUnaligned(ref Unsafe.As<double, byte>(ref Unsafe.Add(ref table, lane)), value);
}
