using System.Runtime.CompilerServices;

namespace SimAM.Kernels.Channels;

/// <summary>
/// The channel-vector reductions over whole periods (rows in row mode), down the columns: a tile of up to
/// eight vector columns is summed over all the periods of a chunk in registers and added to its table
/// lanes once. Accumulating into the tables vector by vector instead waits on the store of the previous
/// period's update (about ten cycles a vector measured on Zen 4) and ran at half the memory speed.
/// </summary>
/// <remarks>
/// A tile reads 4 to 8 consecutive vectors of each period (256 to 512 contiguous bytes), so the first pass
/// over a chunk still streams; the next tile finds the rest of each row in L2. Tiles are eight vectors
/// wide with AVX-512 (16 accumulators of its 32 registers), four otherwise.
/// </remarks>
internal static class ChannelColumns<TF, TD, TOps>
    where TF : struct
    where TD : struct
    where TOps : ISimdOps<TF, TD>
{
    /// <summary>Σx per lane over <paramref name="periods"/> whole periods; row mode's overlapped last column is masked.</summary>
    public static void Sum(ref float x, int periods, int period, ref double table)
    {
        var width = TOps.Count;
        var columns = period / width;
        var column = 0;
        if (width >= 16)
        {
            for (; column + 8 <= columns; column += 8)
            {
                SumTile8(ref Unsafe.Add(ref x, column * width), periods, period, ref Unsafe.Add(ref table, column * width));
            }
        }

        for (; column + 4 <= columns; column += 4)
        {
            SumTile4(ref Unsafe.Add(ref x, column * width), periods, period, ref Unsafe.Add(ref table, column * width));
        }

        for (; column < columns; column++)
        {
            SumTile1(ref Unsafe.Add(ref x, column * width), periods, period, ref Unsafe.Add(ref table, column * width), 0);
        }

        if (period % width != 0)
        {
            SumTile1(ref Unsafe.Add(ref x, period - width), periods, period, ref Unsafe.Add(ref table, period - width), width - (period % width));
        }
    }

    /// <summary>Σ(x − mean)² per lane over whole periods, in double; row mode's overlapped last column is masked.</summary>
    public static void Squares(ref float x, int periods, int period, ref double means, ref double table)
    {
        var width = TOps.Count;
        var columns = period / width;
        var column = 0;
        for (; column + 4 <= columns; column += 4)
        {
            var at = column * width;
            SquareTile4(ref Unsafe.Add(ref x, at), periods, period, ref Unsafe.Add(ref means, at), ref Unsafe.Add(ref table, at));
        }

        for (; column < columns; column++)
        {
            var at = column * width;
            SquareTile1(ref Unsafe.Add(ref x, at), periods, period, ref Unsafe.Add(ref means, at), ref Unsafe.Add(ref table, at), 0);
        }

        if (period % width != 0)
        {
            var at = period - width;
            SquareTile1(ref Unsafe.Add(ref x, at), periods, period, ref Unsafe.Add(ref means, at), ref Unsafe.Add(ref table, at), width - (period % width));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SumTile8(ref float x, int periods, int period, ref double table)
    {
        var w = (nuint)TOps.Count;
        TD l0 = default, u0 = default, l1 = default, u1 = default, l2 = default, u2 = default, l3 = default, u3 = default;
        TD l4 = default, u4 = default, l5 = default, u5 = default, l6 = default, u6 = default, l7 = default, u7 = default;
        nuint at = 0;
        for (var p = 0; p < periods; p++, at += (nuint)period)
        {
            Add(TOps.Load(ref x, at), ref l0, ref u0);
            Add(TOps.Load(ref x, at + w), ref l1, ref u1);
            Add(TOps.Load(ref x, at + (2 * w)), ref l2, ref u2);
            Add(TOps.Load(ref x, at + (3 * w)), ref l3, ref u3);
            Add(TOps.Load(ref x, at + (4 * w)), ref l4, ref u4);
            Add(TOps.Load(ref x, at + (5 * w)), ref l5, ref u5);
            Add(TOps.Load(ref x, at + (6 * w)), ref l6, ref u6);
            Add(TOps.Load(ref x, at + (7 * w)), ref l7, ref u7);
        }

        var half = (int)w / 2;
        var lanes = (int)w;
        Store(ref table, 0, half, l0, u0);
        Store(ref table, lanes, half, l1, u1);
        Store(ref table, 2 * lanes, half, l2, u2);
        Store(ref table, 3 * lanes, half, l3, u3);
        Store(ref table, 4 * lanes, half, l4, u4);
        Store(ref table, 5 * lanes, half, l5, u5);
        Store(ref table, 6 * lanes, half, l6, u6);
        Store(ref table, 7 * lanes, half, l7, u7);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SumTile4(ref float x, int periods, int period, ref double table)
    {
        var w = (nuint)TOps.Count;
        TD l0 = default, u0 = default, l1 = default, u1 = default, l2 = default, u2 = default, l3 = default, u3 = default;
        nuint at = 0;
        for (var p = 0; p < periods; p++, at += (nuint)period)
        {
            Add(TOps.Load(ref x, at), ref l0, ref u0);
            Add(TOps.Load(ref x, at + w), ref l1, ref u1);
            Add(TOps.Load(ref x, at + (2 * w)), ref l2, ref u2);
            Add(TOps.Load(ref x, at + (3 * w)), ref l3, ref u3);
        }

        var half = (int)w / 2;
        var lanes = (int)w;
        Store(ref table, 0, half, l0, u0);
        Store(ref table, lanes, half, l1, u1);
        Store(ref table, 2 * lanes, half, l2, u2);
        Store(ref table, 3 * lanes, half, l3, u3);
    }

    /// <summary>One column, two periods at a time (four independent accumulators).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SumTile1(ref float x, int periods, int period, ref double table, int firstLane)
    {
        TD l0 = default, u0 = default, l1 = default, u1 = default;
        nuint at = 0;
        var p = 0;
        for (; p + 2 <= periods; p += 2, at += 2 * (nuint)period)
        {
            Add(Masked(TOps.Load(ref x, at), firstLane), ref l0, ref u0);
            Add(Masked(TOps.Load(ref x, at + (nuint)period), firstLane), ref l1, ref u1);
        }

        if (p < periods)
        {
            Add(Masked(TOps.Load(ref x, at), firstLane), ref l0, ref u0);
        }

        Store(ref table, 0, TOps.Count / 2, TOps.AddDouble(l0, l1), TOps.AddDouble(u0, u1));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SquareTile4(ref float x, int periods, int period, ref double means, ref double table)
    {
        var w = (nuint)TOps.Count;
        var half = (int)w / 2;
        var lanes = (int)w;
        var m0 = Read(ref means, 0);
        var n0 = Read(ref means, half);
        var m1 = Read(ref means, lanes);
        var n1 = Read(ref means, lanes + half);
        var m2 = Read(ref means, 2 * lanes);
        var n2 = Read(ref means, (2 * lanes) + half);
        var m3 = Read(ref means, 3 * lanes);
        var n3 = Read(ref means, (3 * lanes) + half);
        TD l0 = default, u0 = default, l1 = default, u1 = default, l2 = default, u2 = default, l3 = default, u3 = default;
        nuint at = 0;
        for (var p = 0; p < periods; p++, at += (nuint)period)
        {
            AddSquare(TOps.Load(ref x, at), m0, n0, ref l0, ref u0);
            AddSquare(TOps.Load(ref x, at + w), m1, n1, ref l1, ref u1);
            AddSquare(TOps.Load(ref x, at + (2 * w)), m2, n2, ref l2, ref u2);
            AddSquare(TOps.Load(ref x, at + (3 * w)), m3, n3, ref l3, ref u3);
        }

        Store(ref table, 0, half, l0, u0);
        Store(ref table, lanes, half, l1, u1);
        Store(ref table, 2 * lanes, half, l2, u2);
        Store(ref table, 3 * lanes, half, l3, u3);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SquareTile1(ref float x, int periods, int period, ref double means, ref double table, int firstLane)
    {
        var half = TOps.Count / 2;
        var mean = Read(ref means, 0);
        var meanUpper = Read(ref means, half);
        TD l0 = default, u0 = default, l1 = default, u1 = default;
        nuint at = 0;
        var p = 0;
        for (; p + 2 <= periods; p += 2, at += 2 * (nuint)period)
        {
            AddSquare(TOps.Load(ref x, at), mean, meanUpper, ref l0, ref u0);
            AddSquare(TOps.Load(ref x, at + (nuint)period), mean, meanUpper, ref l1, ref u1);
        }

        if (p < periods)
        {
            AddSquare(TOps.Load(ref x, at), mean, meanUpper, ref l0, ref u0);
        }

        var lower = TOps.AddDouble(l0, l1);
        var upper = TOps.AddDouble(u0, u1);
        if (firstLane != 0)
        {
            // Row mode's overlapped last column: the lanes the column before counted are dropped.
            TOps.Widen(TOps.KeepLanesFrom(TOps.Create(1f), firstLane), out var keepLower, out var keepUpper);
            var zero = TOps.CreateDouble(0);
            lower = TOps.MultiplyAddDouble(lower, keepLower, zero);
            upper = TOps.MultiplyAddDouble(upper, keepUpper, zero);
        }

        Store(ref table, 0, half, lower, upper);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(TF value, ref TD lower, ref TD upper)
    {
        TOps.Widen(value, out var l, out var u);
        lower = TOps.AddDouble(lower, l);
        upper = TOps.AddDouble(upper, u);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddSquare(TF value, TD meanLower, TD meanUpper, ref TD lower, ref TD upper)
    {
        TOps.Widen(value, out var l, out var u);
        l = TOps.SubtractDouble(l, meanLower);
        u = TOps.SubtractDouble(u, meanUpper);
        lower = TOps.MultiplyAddDouble(l, l, lower);
        upper = TOps.MultiplyAddDouble(u, u, upper);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF Masked(TF value, int firstLane) => firstLane == 0 ? value : TOps.KeepLanesFrom(value, firstLane);

    /// <summary>Adds a column's two halves into its table lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref double table, int lane, int half, TD lower, TD upper)
    {
        Write(ref table, lane, TOps.AddDouble(Read(ref table, lane), lower));
        Write(ref table, lane + half, TOps.AddDouble(Read(ref table, lane + half), upper));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TD Read(ref double table, int lane) =>
        Unsafe.ReadUnaligned<TD>(ref Unsafe.As<double, byte>(ref Unsafe.Add(ref table, lane)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Write(ref double table, int lane, TD value) =>
        Unsafe.WriteUnaligned(ref Unsafe.As<double, byte>(ref Unsafe.Add(ref table, lane)), value);
}
