using System;
using System.Numerics;

namespace SimAM.Gam.Compute;

/// <summary>
/// Everything a forward pass over one input shape needs that does not depend on the data: the module's packed
/// weights (for the mode: BatchNorm folded in eval, raw convolutions in train), the padded-plane geometry,
/// the position mask, and the sizes. Built once per (weights version, mode, shape) and reused.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
internal sealed class GamPlan<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public GamPlan(GamWeights weights, GamMode mode, int batch, int height, int width, GamOptions options)
    {
        Mode = mode;
        Batch = batch;
        Channels = weights.Channels;
        Hidden = weights.Hidden;
        OutChannels = weights.OutChannels;
        Groups = weights.Groups;
        ChannelGate = options.ChannelGate;
        ShuffleGroups = options.ShuffleGroups;
        Geometry = new PaddedGeometry(height, width);
        Mask = new T[Geometry.PlaneStride];
        Geometry.FillMask<T>(Mask, AllOnes());

        Linear1 = new PackedFilter<T>(weights.ChannelWeight1.Values, Hidden, Channels, 1, 1, default);
        Linear1.SetShift(weights.ChannelBias1.Values);
        Linear2 = new PackedFilter<T>(weights.ChannelWeight2.Values, Channels, Hidden, 1, 1, default);
        Linear2.SetShift(weights.ChannelBias2.Values);

        var k = GamWeights.KernelSize;
        if (mode == GamMode.Eval)
        {
            // BatchNorm with running statistics is an affine map per channel: fold its scale into the
            // convolution's weights and everything else into one shift, so the epilogue is one addition.
            var (scale1, shift1) = BatchNormFolding.Fold(weights.ConvBias1.Values, weights.NormWeight1.Values, weights.NormBias1.Values, weights.RunningMean1.Values, weights.RunningVar1.Values);
            var (scale2, shift2) = BatchNormFolding.Fold(weights.ConvBias2.Values, weights.NormWeight2.Values, weights.NormBias2.Values, weights.RunningMean2.Values, weights.RunningVar2.Values);
            Conv1 = new PackedFilter<T>(weights.ConvWeight1.Values, Hidden, Channels, Groups, k, scale1);
            Conv1.SetShift(shift1);
            Conv2 = new PackedFilter<T>(weights.ConvWeight2.Values, OutChannels, Hidden, Groups, k, scale2);
            Conv2.SetShift(shift2);
        }
        else
        {
            Conv1 = new PackedFilter<T>(weights.ConvWeight1.Values, Hidden, Channels, Groups, k, default);
            Conv1.SetShift(weights.ConvBias1.Values);
            Conv2 = new PackedFilter<T>(weights.ConvWeight2.Values, OutChannels, Hidden, Groups, k, default);
            Conv2.SetShift(weights.ConvBias2.Values);
        }

        WeightsVersion = weights.Version;
    }

    public GamMode Mode { get; }

    public int Batch { get; }

    public int Channels { get; }

    public int Hidden { get; }

    public int OutChannels { get; }

    public int Groups { get; }

    public GamChannelGate ChannelGate { get; }

    public int ShuffleGroups { get; }

    public PaddedGeometry Geometry { get; }

    /// <summary>Gets all-ones bits at data positions of a plane, zeros at padding.</summary>
    public T[] Mask { get; }

    public PackedFilter<T> Linear1 { get; }

    public PackedFilter<T> Linear2 { get; }

    public PackedFilter<T> Conv1 { get; }

    public PackedFilter<T> Conv2 { get; }

    public long WeightsVersion { get; }

    public int Height => Geometry.Height;

    public int Width => Geometry.Width;

    public int PlaneSize => Geometry.Height * Geometry.Width;

    public bool Matches(GamWeights weights, GamMode mode, int batch, int height, int width, GamOptions options) =>
        WeightsVersion == weights.Version && Mode == mode && Batch == batch && Height == height && Width == width
        && ChannelGate == options.ChannelGate && ShuffleGroups == options.ShuffleGroups;

    /// <summary>Gets the output channel of y that the spatial map's channel <paramref name="o"/> multiplies (the shuffle).</summary>
    public int ShuffledChannel(int o)
    {
        if (ShuffleGroups == 0)
        {
            return o;
        }

        // New channel q·G + p takes old channel p·(out/G) + q, so old channel o = p·(out/G) + q goes to q·G + p.
        var perGroup = OutChannels / ShuffleGroups;
        return ((o % perGroup) * ShuffleGroups) + (o / perGroup);
    }

    private static T AllOnes()
    {
        if (typeof(T) == typeof(float))
        {
            var bits = BitConverter.Int32BitsToSingle(-1);
            return System.Runtime.CompilerServices.Unsafe.As<float, T>(ref bits);
        }

        var wide = BitConverter.Int64BitsToDouble(-1L);
        return System.Runtime.CompilerServices.Unsafe.As<double, T>(ref wide);
    }
}
