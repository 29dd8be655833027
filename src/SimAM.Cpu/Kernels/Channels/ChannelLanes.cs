namespace SimAM.Kernels.Channels;

/// <summary>
/// How a run of whole rows — [rows, C], the C channel values of consecutive spatial positions — maps onto
/// the lanes of the per-channel tables (accumulators, means, gate constants). Lane m of every table
/// belongs to channel m mod C, so a vector that starts at lane m picks up the right constant for each
/// of its values whatever C is.
/// </summary>
/// <remarks>
/// <para>
/// Flat mode (the usual one): the run is walked as one flat array, vector after vector, and the lane
/// advances with it, wrapping at <see cref="Period"/> — a multiple of both C and the vector width, so a
/// vector never straddles the wrap and C need not be a multiple of the width. C = 3 with 16-lane
/// vectors uses a period of 48 (or more): every lane of every vector does useful work.
/// </para>
/// <para>
/// Row mode: when C is above the vector width, not a multiple of it, and lcm(C, width) would make the
/// tables large, each row is walked on its own with an overlapped last vector (masked in the
/// reductions, recomputed in the elementwise passes), and the period is C.
/// </para>
/// <para>
/// The period is also at least <see cref="IChannelVectorKernel{T,TLane}.MinimumPeriod"/>: accumulating
/// into a table lane that the previous vector just stored waits for the store, and eight vectors in
/// flight hide that wait.
/// </para>
/// </remarks>
internal readonly struct ChannelLanes(int channels, int period, bool rowWise)
{
    /// <summary>Periods up to this many lanes keep flat mode when C is not a multiple of the width (tables stay in L1).</summary>
    public const int MaxFlatPeriod = 1024;

    /// <summary>Lanes beyond the period: a vector may start at any lane below the period (an overlapped tail).</summary>
    public const int Overhang = 16;

    /// <summary>Gets C.</summary>
    public int Channels { get; } = channels;

    /// <summary>Gets the lane count after which tables repeat: a multiple of C (and of the width in flat mode).</summary>
    public int Period { get; } = period;

    /// <summary>Gets a value indicating whether rows are walked one at a time (see the remarks).</summary>
    public bool RowWise { get; } = rowWise;

    /// <summary>Gets the length of every table: the period plus <see cref="Overhang"/>.</summary>
    public int TableLength => Period + Overhang;

    /// <summary>
    /// Gets how many rows make one period: spans handed to a kernel start at a multiple of this many
    /// rows from the sample's start (lane 0).
    /// </summary>
    public int PeriodRows => Period / Channels;

    /// <summary>
    /// The length of each run a kernel walks from lane 0 over a span of <paramref name="length"/> values: one row
    /// (C values, with the period C) in row mode, the whole span in flat mode.
    /// </summary>
    public int RunLength(int length) => RowWise ? Channels : length;

    public static ChannelLanes Create(int channels, int width, int minimumPeriod)
    {
        long multiple = channels / GreatestCommonDivisor(channels, width) * (long)width;
        if (channels > width && channels % width != 0 && multiple > MaxFlatPeriod)
        {
            return new ChannelLanes(channels, channels, rowWise: true);
        }

        var repeats = (minimumPeriod + multiple - 1) / multiple;
        return new ChannelLanes(channels, (int)(multiple * repeats), rowWise: false);
    }

    private static int GreatestCommonDivisor(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
