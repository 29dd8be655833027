using System.Runtime.CompilerServices;

namespace SimAM.Kernels.Channels;

/// <summary>
/// The channel-vector moments over whole periods (rows in row mode), down the columns: a tile of vector
/// columns accumulates Σd and Σd², d = x − c about each lane's origin c, over all the periods of a chunk in
/// registers and adds them to its table lanes once. Accumulating into the tables vector by vector instead
/// waits on the store of the previous period's update (about ten cycles a vector measured on Zen 4) and ran
/// at half the memory speed.
/// </summary>
/// <remarks>
/// A column holds four double accumulators (Σd and Σd² of each half) and its two origin vectors: tiles are four
/// columns wide with AVX-512 (24 of its 32 registers), two otherwise (12 of 16), so nothing spills. A tile
/// reads 2 to 4 consecutive vectors of each period (128 to 256 contiguous bytes); the next tile finds the rest
/// of each row in L2.
/// </remarks>
internal static class ChannelColumns<TF, TD, TOps>
    where TF : struct
    where TD : struct
    where TOps : ISimdOps<TF, TD>
{
    /// <summary>
    /// Σd and Σd² per lane over <paramref name="periods"/> whole periods, in double (see
    /// <see cref="ChannelVectorKernel{TF, TD, TOps, TNarrower}.AddDeviations"/>); row mode's overlapped last column
    /// drops the lanes the column before counted.
    /// </summary>
    public static void Deviations(ref float x, int periods, int period, ref double origins, ref double sums, ref double squares)
    {
        var width = TOps.Count;
        var columns = period / width;
        var column = 0;
        if (width >= 16)
        {
            for (; column + 4 <= columns; column += 4)
            {
                var at = column * width;
                Tile4(ref Unsafe.Add(ref x, at), periods, period, ref Unsafe.Add(ref origins, at), ref Unsafe.Add(ref sums, at), ref Unsafe.Add(ref squares, at));
            }
        }

        for (; column + 2 <= columns; column += 2)
        {
            var at = column * width;
            Tile2(ref Unsafe.Add(ref x, at), periods, period, ref Unsafe.Add(ref origins, at), ref Unsafe.Add(ref sums, at), ref Unsafe.Add(ref squares, at));
        }

        for (; column < columns; column++)
        {
            var at = column * width;
            Tile1(ref Unsafe.Add(ref x, at), periods, period, ref Unsafe.Add(ref origins, at), ref Unsafe.Add(ref sums, at), ref Unsafe.Add(ref squares, at), 0);
        }

        if (period % width != 0)
        {
            var at = period - width;
            Tile1(ref Unsafe.Add(ref x, at), periods, period, ref Unsafe.Add(ref origins, at), ref Unsafe.Add(ref sums, at), ref Unsafe.Add(ref squares, at), width - (period % width));
        }
    }

    /// <summary>Adds d = x − origin and d² of one vector into its lanes, vector by vector (the last, partial period of a run).</summary>
    /// <remarks>Lanes below <paramref name="firstLane"/> (an overlapped tail) are dropped.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddVector(TF value, ref double origins, ref double sums, ref double squares, int firstLane)
    {
        TOps.Widen(value, out var lower, out var upper);
        TD s = default, t = default, q = default, r = default;
        ShiftedSums<TF, TD, TOps>.Add(lower, upper, DoubleTable.Read<TD>(ref origins, 0), DoubleTable.Read<TD>(ref origins, TOps.Count / 2), ref s, ref t, ref q, ref r);
        if (firstLane != 0)
        {
            Keep(firstLane, ref s, ref t);
            Keep(firstLane, ref q, ref r);
        }

        Store(ref sums, ref squares, 0, s, t, q, r);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Tile4(ref float x, int periods, int period, ref double origins, ref double sums, ref double squares)
    {
        var w = (nuint)TOps.Count;
        var half = (int)w / 2;
        var lanes = (int)w;
        var c0 = DoubleTable.Read<TD>(ref origins, 0);
        var e0 = DoubleTable.Read<TD>(ref origins, half);
        var c1 = DoubleTable.Read<TD>(ref origins, lanes);
        var e1 = DoubleTable.Read<TD>(ref origins, lanes + half);
        var c2 = DoubleTable.Read<TD>(ref origins, 2 * lanes);
        var e2 = DoubleTable.Read<TD>(ref origins, (2 * lanes) + half);
        var c3 = DoubleTable.Read<TD>(ref origins, 3 * lanes);
        var e3 = DoubleTable.Read<TD>(ref origins, (3 * lanes) + half);
        TD s0 = default, t0 = default, q0 = default, r0 = default, s1 = default, t1 = default, q1 = default, r1 = default;
        TD s2 = default, t2 = default, q2 = default, r2 = default, s3 = default, t3 = default, q3 = default, r3 = default;
        nuint at = 0;
        for (var p = 0; p < periods; p++, at += (nuint)period)
        {
            Add(ref x, at, c0, e0, ref s0, ref t0, ref q0, ref r0);
            Add(ref x, at + w, c1, e1, ref s1, ref t1, ref q1, ref r1);
            Add(ref x, at + (2 * w), c2, e2, ref s2, ref t2, ref q2, ref r2);
            Add(ref x, at + (3 * w), c3, e3, ref s3, ref t3, ref q3, ref r3);
        }

        Store(ref sums, ref squares, 0, s0, t0, q0, r0);
        Store(ref sums, ref squares, lanes, s1, t1, q1, r1);
        Store(ref sums, ref squares, 2 * lanes, s2, t2, q2, r2);
        Store(ref sums, ref squares, 3 * lanes, s3, t3, q3, r3);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Tile2(ref float x, int periods, int period, ref double origins, ref double sums, ref double squares)
    {
        var w = (nuint)TOps.Count;
        var half = (int)w / 2;
        var lanes = (int)w;
        var c0 = DoubleTable.Read<TD>(ref origins, 0);
        var e0 = DoubleTable.Read<TD>(ref origins, half);
        var c1 = DoubleTable.Read<TD>(ref origins, lanes);
        var e1 = DoubleTable.Read<TD>(ref origins, lanes + half);
        TD s0 = default, t0 = default, q0 = default, r0 = default, s1 = default, t1 = default, q1 = default, r1 = default;
        nuint at = 0;
        for (var p = 0; p < periods; p++, at += (nuint)period)
        {
            Add(ref x, at, c0, e0, ref s0, ref t0, ref q0, ref r0);
            Add(ref x, at + w, c1, e1, ref s1, ref t1, ref q1, ref r1);
        }

        Store(ref sums, ref squares, 0, s0, t0, q0, r0);
        Store(ref sums, ref squares, lanes, s1, t1, q1, r1);
    }

    /// <summary>One column, two periods at a time (two independent chains of each sum).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Tile1(ref float x, int periods, int period, ref double origins, ref double sums, ref double squares, int firstLane)
    {
        var c = DoubleTable.Read<TD>(ref origins, 0);
        var e = DoubleTable.Read<TD>(ref origins, TOps.Count / 2);
        TD s0 = default, t0 = default, q0 = default, r0 = default, s1 = default, t1 = default, q1 = default, r1 = default;
        nuint at = 0;
        var p = 0;
        for (; p + 2 <= periods; p += 2, at += 2 * (nuint)period)
        {
            Add(ref x, at, c, e, ref s0, ref t0, ref q0, ref r0);
            Add(ref x, at + (nuint)period, c, e, ref s1, ref t1, ref q1, ref r1);
        }

        if (p < periods)
        {
            Add(ref x, at, c, e, ref s0, ref t0, ref q0, ref r0);
        }

        s0 = TOps.AddDouble(s0, s1);
        t0 = TOps.AddDouble(t0, t1);
        q0 = TOps.AddDouble(q0, q1);
        r0 = TOps.AddDouble(r0, r1);
        if (firstLane != 0)
        {
            // Row mode's overlapped last column: the lanes the column before counted are dropped.
            Keep(firstLane, ref s0, ref t0);
            Keep(firstLane, ref q0, ref r0);
        }

        Store(ref sums, ref squares, 0, s0, t0, q0, r0);
    }

    /// <summary>Loads one vector and adds its d = x − c and d², both halves, d formed in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(ref float x, nuint index, TD originLower, TD originUpper, ref TD sumLower, ref TD sumUpper, ref TD squaresLower, ref TD squaresUpper)
    {
        TOps.LoadWidened(ref x, index, out var lower, out var upper);
        ShiftedSums<TF, TD, TOps>.Add(lower, upper, originLower, originUpper, ref sumLower, ref sumUpper, ref squaresLower, ref squaresUpper);
    }

    /// <summary>Zeroes the lanes below <paramref name="firstLane"/> of a widened pair (a multiplication by 0 or 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Keep(int firstLane, ref TD lower, ref TD upper)
    {
        TOps.Widen(TOps.KeepLanesFrom(TOps.Create(1f), firstLane), out var keepLower, out var keepUpper);
        lower = TOps.MultiplyDouble(lower, keepLower);
        upper = TOps.MultiplyDouble(upper, keepUpper);
    }

    /// <summary>Adds a column's sums and sums of squares, two halves each, into its table lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref double sums, ref double squares, int lane, TD sumLower, TD sumUpper, TD squaresLower, TD squaresUpper)
    {
        var half = TOps.Count / 2;
        DoubleTable.Write<TD>(ref sums, lane, TOps.AddDouble(DoubleTable.Read<TD>(ref sums, lane), sumLower));
        DoubleTable.Write<TD>(ref sums, lane + half, TOps.AddDouble(DoubleTable.Read<TD>(ref sums, lane + half), sumUpper));
        DoubleTable.Write<TD>(ref squares, lane, TOps.AddDouble(DoubleTable.Read<TD>(ref squares, lane), squaresLower));
        DoubleTable.Write<TD>(ref squares, lane + half, TOps.AddDouble(DoubleTable.Read<TD>(ref squares, lane + half), squaresUpper));
    }
}
