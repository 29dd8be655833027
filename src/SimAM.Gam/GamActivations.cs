using System.Numerics;
using SimAM.Gam.Scheduling;

namespace SimAM.Gam;

/// <summary>
/// What a forward pass keeps for the backward pass of the same batch: the raw output of each 7×7 convolution (before its
/// BatchNorm) and each BatchNorm's statistics. Everything else the backward pass needs is recomputed from x, which the
/// caller passes again: the channel MLP and x1 (about 2% of the work), the ReLU mask and the first BatchNorm's output
/// (element-wise from the first map), the sigmoid (from the second map).
/// </summary>
/// <remarks>
/// <para>
/// Per sample that is (m + out)·H·W values, 1.25·C·H·W for the default module: for [8, 256, 28, 28] in float,
/// 1,003,520 bytes per sample, against the 4.75·C·H·W (3,813,376 bytes) of activations that PyTorch's autograd keeps.
/// </para>
/// <para>
/// Fill it with <c>GamModule.Forward(…, activations)</c> and hand it to <c>GamModule.Backward</c>; a later forward pass
/// reuses its buffers. One forward/backward pair at a time per instance: it is not safe to share between threads.
/// </para>
/// </remarks>
public sealed class GamActivations
{
    private object? _maps;

    /// <summary>Gets a value indicating whether no forward pass has filled this instance yet (or the last one failed).</summary>
    public bool IsEmpty => Owner is null;

    /// <summary>Gets the bytes held: both convolutions' maps over the batch, and the per-channel statistics.</summary>
    public long Bytes => _maps switch
    {
        KeptMaps<float> maps => maps.Bytes,
        KeptMaps<double> maps => maps.Bytes,
        _ => 0,
    } + First.Bytes + Second.Bytes;

    internal GamModule? Owner { get; private set; }

    internal GamMode Mode { get; private set; }

    internal int Batch { get; private set; }

    internal int Height { get; private set; }

    internal int Width { get; private set; }

    internal long ParametersVersion { get; private set; }

    internal KeptStatistics First { get; } = new();

    internal KeptStatistics Second { get; } = new();

    internal KeptStatistics Statistics(int layer) => layer == 1 ? First : Second;

    internal KeptMaps<T>? Values<T>()
        where T : unmanaged => _maps as KeptMaps<T>;

    /// <summary>Makes room for a forward pass of this shape; the instance stays empty until <see cref="Complete"/>.</summary>
    internal KeptMaps<T> Begin<T>(GamWeights weights, int batch, int height, int width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Owner = null;
        if (_maps is not KeptMaps<T> maps)
        {
            maps = new KeptMaps<T>();
            _maps = maps;
        }

        maps.Prepare(batch, weights.Hidden, weights.OutChannels, height * width);
        First.Prepare(weights.Hidden);
        Second.Prepare(weights.OutChannels);
        return maps;
    }

    /// <summary>Records which forward pass the instance now holds.</summary>
    internal void Complete(GamModule owner, GamMode mode, int batch, int height, int width, long parametersVersion)
    {
        Mode = mode;
        Batch = batch;
        Height = height;
        Width = width;
        ParametersVersion = parametersVersion;
        Owner = owner;
    }
}
