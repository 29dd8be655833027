using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SimAM.Gam.Compute.Spectral;

/// <summary>
/// Blocks transposed in AVX-512 registers, a 64-byte line per row: 16 × 16 floats for a data gradient's filter tiles
/// (<see cref="TransposedFilter{T}"/>), the spectral transforms' vectors of planes (a plane per lane, gathered from and
/// scattered to the planes a block of 16 pixels at a time instead of a value at a time) and a weight gradient's taps;
/// 8 × 8 doubles for the taps of a vector of filters (<see cref="SpectralFilter{T}"/>).
/// </summary>
internal static class BlockTranspose
{
    /// <summary>The side of one block: 16 rows of 16 floats, a 64-byte line each.</summary>
    public const int Side = 16;

    /// <summary>Gets whether blocks of <typeparamref name="T"/> go through <see cref="Floats16"/>: floats, where the processor has AVX-512.</summary>
    public static bool Applies<T>() => typeof(T) == typeof(float) && Avx512F.IsSupported;

    /// <summary>
    /// Transposes the 16 × 16 floats at <paramref name="source"/> (rows <paramref name="sourceStride"/> apart) into
    /// <paramref name="target"/> (rows <paramref name="targetStride"/> apart), negated with <paramref name="negate"/>,
    /// added to what the target holds with <paramref name="accumulate"/>: the usual four rounds of shuffles (pairs of
    /// floats, of doubles, then of 128-bit quarters twice), 64 shuffles for 256 values, all in registers (written out
    /// as sixteen locals: indexed vectors went through the stack at every round, and the transpose then cost more than
    /// the data gradient's GEMM on the values it moved).
    /// </summary>
    public static void Floats16(ref float source, int sourceStride, ref float target, int targetStride, bool negate = false, bool accumulate = false)
    {
        var stride = (nuint)sourceStride;
        var r0 = Vector512.LoadUnsafe(ref source);
        var r1 = Vector512.LoadUnsafe(ref source, stride);
        var r2 = Vector512.LoadUnsafe(ref source, 2 * stride);
        var r3 = Vector512.LoadUnsafe(ref source, 3 * stride);
        var r4 = Vector512.LoadUnsafe(ref source, 4 * stride);
        var r5 = Vector512.LoadUnsafe(ref source, 5 * stride);
        var r6 = Vector512.LoadUnsafe(ref source, 6 * stride);
        var r7 = Vector512.LoadUnsafe(ref source, 7 * stride);
        var r8 = Vector512.LoadUnsafe(ref source, 8 * stride);
        var r9 = Vector512.LoadUnsafe(ref source, 9 * stride);
        var r10 = Vector512.LoadUnsafe(ref source, 10 * stride);
        var r11 = Vector512.LoadUnsafe(ref source, 11 * stride);
        var r12 = Vector512.LoadUnsafe(ref source, 12 * stride);
        var r13 = Vector512.LoadUnsafe(ref source, 13 * stride);
        var r14 = Vector512.LoadUnsafe(ref source, 14 * stride);
        var r15 = Vector512.LoadUnsafe(ref source, 15 * stride);

        // Pairs of floats: quarter j of t(2k) holds a, b, a, b for columns 4j and 4j + 1 of rows 2k, 2k + 1; t(2k + 1) columns 4j + 2, 4j + 3.
        var t0 = Avx512F.UnpackLow(r0, r1);
        var t1 = Avx512F.UnpackHigh(r0, r1);
        var t2 = Avx512F.UnpackLow(r2, r3);
        var t3 = Avx512F.UnpackHigh(r2, r3);
        var t4 = Avx512F.UnpackLow(r4, r5);
        var t5 = Avx512F.UnpackHigh(r4, r5);
        var t6 = Avx512F.UnpackLow(r6, r7);
        var t7 = Avx512F.UnpackHigh(r6, r7);
        var t8 = Avx512F.UnpackLow(r8, r9);
        var t9 = Avx512F.UnpackHigh(r8, r9);
        var t10 = Avx512F.UnpackLow(r10, r11);
        var t11 = Avx512F.UnpackHigh(r10, r11);
        var t12 = Avx512F.UnpackLow(r12, r13);
        var t13 = Avx512F.UnpackHigh(r12, r13);
        var t14 = Avx512F.UnpackLow(r14, r15);
        var t15 = Avx512F.UnpackHigh(r14, r15);

        // Pairs of doubles: quarter j of r(4q + k) holds column 4j + k of rows 4q … 4q + 3.
        r0 = Pairs(t0, t2, low: true);
        r1 = Pairs(t0, t2, low: false);
        r2 = Pairs(t1, t3, low: true);
        r3 = Pairs(t1, t3, low: false);
        r4 = Pairs(t4, t6, low: true);
        r5 = Pairs(t4, t6, low: false);
        r6 = Pairs(t5, t7, low: true);
        r7 = Pairs(t5, t7, low: false);
        r8 = Pairs(t8, t10, low: true);
        r9 = Pairs(t8, t10, low: false);
        r10 = Pairs(t9, t11, low: true);
        r11 = Pairs(t9, t11, low: false);
        r12 = Pairs(t12, t14, low: true);
        r13 = Pairs(t12, t14, low: false);
        r14 = Pairs(t13, t15, low: true);
        r15 = Pairs(t13, t15, low: false);

        // Quarters, twice: 0x88 takes quarters 0 and 2 of each operand, 0xDD quarters 1 and 3.
        t0 = Avx512F.Shuffle4x128(r0, r4, 0x88);
        t1 = Avx512F.Shuffle4x128(r1, r5, 0x88);
        t2 = Avx512F.Shuffle4x128(r2, r6, 0x88);
        t3 = Avx512F.Shuffle4x128(r3, r7, 0x88);
        t4 = Avx512F.Shuffle4x128(r0, r4, 0xDD);
        t5 = Avx512F.Shuffle4x128(r1, r5, 0xDD);
        t6 = Avx512F.Shuffle4x128(r2, r6, 0xDD);
        t7 = Avx512F.Shuffle4x128(r3, r7, 0xDD);
        t8 = Avx512F.Shuffle4x128(r8, r12, 0x88);
        t9 = Avx512F.Shuffle4x128(r9, r13, 0x88);
        t10 = Avx512F.Shuffle4x128(r10, r14, 0x88);
        t11 = Avx512F.Shuffle4x128(r11, r15, 0x88);
        t12 = Avx512F.Shuffle4x128(r8, r12, 0xDD);
        t13 = Avx512F.Shuffle4x128(r9, r13, 0xDD);
        t14 = Avx512F.Shuffle4x128(r10, r14, 0xDD);
        t15 = Avx512F.Shuffle4x128(r11, r15, 0xDD);

        var sign = negate ? Vector512.Create(-0.0f) : Vector512<float>.Zero;
        var at = (nuint)targetStride;
        Store(Avx512F.Shuffle4x128(t0, t8, 0x88), sign, ref target, 0, accumulate);
        Store(Avx512F.Shuffle4x128(t1, t9, 0x88), sign, ref target, at, accumulate);
        Store(Avx512F.Shuffle4x128(t2, t10, 0x88), sign, ref target, 2 * at, accumulate);
        Store(Avx512F.Shuffle4x128(t3, t11, 0x88), sign, ref target, 3 * at, accumulate);
        Store(Avx512F.Shuffle4x128(t4, t12, 0x88), sign, ref target, 4 * at, accumulate);
        Store(Avx512F.Shuffle4x128(t5, t13, 0x88), sign, ref target, 5 * at, accumulate);
        Store(Avx512F.Shuffle4x128(t6, t14, 0x88), sign, ref target, 6 * at, accumulate);
        Store(Avx512F.Shuffle4x128(t7, t15, 0x88), sign, ref target, 7 * at, accumulate);
        Store(Avx512F.Shuffle4x128(t0, t8, 0xDD), sign, ref target, 8 * at, accumulate);
        Store(Avx512F.Shuffle4x128(t1, t9, 0xDD), sign, ref target, 9 * at, accumulate);
        Store(Avx512F.Shuffle4x128(t2, t10, 0xDD), sign, ref target, 10 * at, accumulate);
        Store(Avx512F.Shuffle4x128(t3, t11, 0xDD), sign, ref target, 11 * at, accumulate);
        Store(Avx512F.Shuffle4x128(t4, t12, 0xDD), sign, ref target, 12 * at, accumulate);
        Store(Avx512F.Shuffle4x128(t5, t13, 0xDD), sign, ref target, 13 * at, accumulate);
        Store(Avx512F.Shuffle4x128(t6, t14, 0xDD), sign, ref target, 14 * at, accumulate);
        Store(Avx512F.Shuffle4x128(t7, t15, 0xDD), sign, ref target, 15 * at, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pairs(Vector512<float> left, Vector512<float> right, bool low) => low
        ? Avx512F.UnpackLow(left.AsDouble(), right.AsDouble()).AsSingle()
        : Avx512F.UnpackHigh(left.AsDouble(), right.AsDouble()).AsSingle();

    /// <summary>Stores a column with its sign bits flipped where <paramref name="sign"/> has them (negation is exact), or adds it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> column, Vector512<float> sign, ref float target, nuint offset, bool accumulate)
    {
        column = Vector512.Xor(column, sign);
        (accumulate ? column + Vector512.LoadUnsafe(ref target, offset) : column).StoreUnsafe(ref target, offset);
    }

    /// <summary>
    /// Transposes the 8 × 8 doubles at <paramref name="source"/> (rows <paramref name="sourceStride"/> apart) into
    /// <paramref name="target"/> (rows <paramref name="targetStride"/> apart), where the processor has AVX-512: pairs of
    /// doubles, then 128-bit quarters twice, 24 shuffles for 64 values (the kernels' transform gathers a vector of filters'
    /// taps this way, eight filters' runs of 49 taps a block of eight taps at a time).
    /// </summary>
    public static void Doubles8(ref double source, int sourceStride, ref double target, int targetStride)
    {
        var stride = (nuint)sourceStride;
        var r0 = Vector512.LoadUnsafe(ref source);
        var r1 = Vector512.LoadUnsafe(ref source, stride);
        var r2 = Vector512.LoadUnsafe(ref source, 2 * stride);
        var r3 = Vector512.LoadUnsafe(ref source, 3 * stride);
        var r4 = Vector512.LoadUnsafe(ref source, 4 * stride);
        var r5 = Vector512.LoadUnsafe(ref source, 5 * stride);
        var r6 = Vector512.LoadUnsafe(ref source, 6 * stride);
        var r7 = Vector512.LoadUnsafe(ref source, 7 * stride);

        // Pairs: quarter j of t(2k) holds column 2j of rows 2k, 2k + 1; t(2k + 1) column 2j + 1.
        var t0 = Avx512F.UnpackLow(r0, r1);
        var t1 = Avx512F.UnpackHigh(r0, r1);
        var t2 = Avx512F.UnpackLow(r2, r3);
        var t3 = Avx512F.UnpackHigh(r2, r3);
        var t4 = Avx512F.UnpackLow(r4, r5);
        var t5 = Avx512F.UnpackHigh(r4, r5);
        var t6 = Avx512F.UnpackLow(r6, r7);
        var t7 = Avx512F.UnpackHigh(r6, r7);

        // Quarters, twice: 0x88 takes quarters 0 and 2 of each operand, 0xDD quarters 1 and 3.
        var u0 = Avx512F.Shuffle4x128(t0, t2, 0x88);
        var u1 = Avx512F.Shuffle4x128(t0, t2, 0xDD);
        var u2 = Avx512F.Shuffle4x128(t1, t3, 0x88);
        var u3 = Avx512F.Shuffle4x128(t1, t3, 0xDD);
        var u4 = Avx512F.Shuffle4x128(t4, t6, 0x88);
        var u5 = Avx512F.Shuffle4x128(t4, t6, 0xDD);
        var u6 = Avx512F.Shuffle4x128(t5, t7, 0x88);
        var u7 = Avx512F.Shuffle4x128(t5, t7, 0xDD);

        var at = (nuint)targetStride;
        Avx512F.Shuffle4x128(u0, u4, 0x88).StoreUnsafe(ref target);
        Avx512F.Shuffle4x128(u2, u6, 0x88).StoreUnsafe(ref target, at);
        Avx512F.Shuffle4x128(u1, u5, 0x88).StoreUnsafe(ref target, 2 * at);
        Avx512F.Shuffle4x128(u3, u7, 0x88).StoreUnsafe(ref target, 3 * at);
        Avx512F.Shuffle4x128(u0, u4, 0xDD).StoreUnsafe(ref target, 4 * at);
        Avx512F.Shuffle4x128(u2, u6, 0xDD).StoreUnsafe(ref target, 5 * at);
        Avx512F.Shuffle4x128(u1, u5, 0xDD).StoreUnsafe(ref target, 6 * at);
        Avx512F.Shuffle4x128(u3, u7, 0xDD).StoreUnsafe(ref target, 7 * at);
    }
}
