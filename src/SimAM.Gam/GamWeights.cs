using System;
using System.Collections.Generic;
using System.Threading;

namespace SimAM.Gam;

/// <summary>
/// The state of one GAM module under the names of PyTorch's <c>state_dict</c>: the channel MLP
/// (<c>channel_attention.0</c>, <c>.2</c>), the two 7×7 convolutions (<c>spatial_attention.0</c>, <c>.3</c>) and
/// the two BatchNorms (<c>spatial_attention.1</c>, <c>.4</c>) with their running statistics and batch counters.
/// </summary>
/// <remarks>
/// The sizes follow PyTorch's module <c>GAM(c, out, rate, groups)</c>: <see cref="Hidden"/> m = ⌊C / rate⌋,
/// the first convolution maps C → m channels and the second m → <see cref="OutChannels"/>, both with
/// <see cref="Groups"/> groups. Create weights with <see cref="Create(int, int, int, int)"/> (then fill them from
/// spans with <see cref="GamParameter.CopyFrom(ReadOnlySpan{float})"/>), load them from a PyTorch file, or draw
/// fresh ones with PyTorch's default initialisation.
/// </remarks>
public sealed partial class GamWeights
{
    /// <summary>The size of both convolution kernels (7×7, zero padding 3), fixed by the module.</summary>
    public const int KernelSize = 7;

    private readonly GamParameter[] _all;
    private long _version;
    private long _parametersVersion;

    private GamWeights(int channels, int hidden, int outChannels, int groups)
    {
        Channels = channels;
        Hidden = hidden;
        OutChannels = outChannels;
        Groups = groups;
        var k = KernelSize;
        ChannelWeight1 = new GamParameter(this, "channel_attention.0.weight", [hidden, channels]);
        ChannelBias1 = new GamParameter(this, "channel_attention.0.bias", [hidden]);
        ChannelWeight2 = new GamParameter(this, "channel_attention.2.weight", [channels, hidden]);
        ChannelBias2 = new GamParameter(this, "channel_attention.2.bias", [channels]);
        ConvWeight1 = new GamParameter(this, "spatial_attention.0.weight", [hidden, channels / groups, k, k]);
        ConvBias1 = new GamParameter(this, "spatial_attention.0.bias", [hidden]);
        NormWeight1 = new GamParameter(this, "spatial_attention.1.weight", [hidden]);
        NormBias1 = new GamParameter(this, "spatial_attention.1.bias", [hidden]);
        RunningMean1 = new GamParameter(this, "spatial_attention.1.running_mean", [hidden]);
        RunningVar1 = new GamParameter(this, "spatial_attention.1.running_var", [hidden]);
        ConvWeight2 = new GamParameter(this, "spatial_attention.3.weight", [outChannels, hidden / groups, k, k]);
        ConvBias2 = new GamParameter(this, "spatial_attention.3.bias", [outChannels]);
        NormWeight2 = new GamParameter(this, "spatial_attention.4.weight", [outChannels]);
        NormBias2 = new GamParameter(this, "spatial_attention.4.bias", [outChannels]);
        RunningMean2 = new GamParameter(this, "spatial_attention.4.running_mean", [outChannels]);
        RunningVar2 = new GamParameter(this, "spatial_attention.4.running_var", [outChannels]);

        // A fresh BatchNorm is the identity on normalised data: γ = 1, β = 0, running mean 0, running variance 1.
        NormWeight1.Storage.AsSpan().Fill(1);
        NormWeight2.Storage.AsSpan().Fill(1);
        RunningVar1.Storage.AsSpan().Fill(1);
        RunningVar2.Storage.AsSpan().Fill(1);

        Parameters =
        [
            ChannelWeight1, ChannelBias1, ChannelWeight2, ChannelBias2,
            ConvWeight1, ConvBias1, NormWeight1, NormBias1,
            ConvWeight2, ConvBias2, NormWeight2, NormBias2,
        ];
        Buffers = [RunningMean1, RunningVar1, RunningMean2, RunningVar2];
        _all = [.. Parameters, .. Buffers];
    }

    /// <summary>Gets the name of the first BatchNorm's batch counter (an int64 scalar in PyTorch files).</summary>
    public static string BatchesTrackedName1 => "spatial_attention.1.num_batches_tracked";

    /// <summary>Gets the name of the second BatchNorm's batch counter (an int64 scalar in PyTorch files).</summary>
    public static string BatchesTrackedName2 => "spatial_attention.4.num_batches_tracked";

    /// <summary>Gets the number of input channels C.</summary>
    public int Channels { get; }

    /// <summary>Gets the hidden width m of the channel MLP, also the first convolution's output channels.</summary>
    public int Hidden { get; }

    /// <summary>Gets the output channels of the second convolution: C, or 1 (one spatial map broadcast over C).</summary>
    public int OutChannels { get; }

    /// <summary>Gets the number of groups of both convolutions.</summary>
    public int Groups { get; }

    /// <summary>Gets <c>channel_attention.0.weight</c>, [m, C].</summary>
    public GamParameter ChannelWeight1 { get; }

    /// <summary>Gets <c>channel_attention.0.bias</c>, [m].</summary>
    public GamParameter ChannelBias1 { get; }

    /// <summary>Gets <c>channel_attention.2.weight</c>, [C, m].</summary>
    public GamParameter ChannelWeight2 { get; }

    /// <summary>Gets <c>channel_attention.2.bias</c>, [C].</summary>
    public GamParameter ChannelBias2 { get; }

    /// <summary>Gets <c>spatial_attention.0.weight</c>, [m, C/groups, 7, 7].</summary>
    public GamParameter ConvWeight1 { get; }

    /// <summary>Gets <c>spatial_attention.0.bias</c>, [m].</summary>
    public GamParameter ConvBias1 { get; }

    /// <summary>Gets <c>spatial_attention.1.weight</c> (the first BatchNorm's γ), [m].</summary>
    public GamParameter NormWeight1 { get; }

    /// <summary>Gets <c>spatial_attention.1.bias</c> (the first BatchNorm's β), [m].</summary>
    public GamParameter NormBias1 { get; }

    /// <summary>Gets <c>spatial_attention.1.running_mean</c>, [m].</summary>
    public GamParameter RunningMean1 { get; }

    /// <summary>Gets <c>spatial_attention.1.running_var</c>, [m].</summary>
    public GamParameter RunningVar1 { get; }

    /// <summary>Gets <c>spatial_attention.3.weight</c>, [out, m/groups, 7, 7].</summary>
    public GamParameter ConvWeight2 { get; }

    /// <summary>Gets <c>spatial_attention.3.bias</c>, [out].</summary>
    public GamParameter ConvBias2 { get; }

    /// <summary>Gets <c>spatial_attention.4.weight</c> (the second BatchNorm's γ), [out].</summary>
    public GamParameter NormWeight2 { get; }

    /// <summary>Gets <c>spatial_attention.4.bias</c> (the second BatchNorm's β), [out].</summary>
    public GamParameter NormBias2 { get; }

    /// <summary>Gets <c>spatial_attention.4.running_mean</c>, [out].</summary>
    public GamParameter RunningMean2 { get; }

    /// <summary>Gets <c>spatial_attention.4.running_var</c>, [out].</summary>
    public GamParameter RunningVar2 { get; }

    /// <summary>Gets or sets <c>spatial_attention.1.num_batches_tracked</c>: how many training batches the first BatchNorm has seen.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public long BatchesTracked1
    {
        get => Interlocked.Read(ref _batchesTracked1);
        set => _batchesTracked1 = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "num_batches_tracked cannot be negative.");
    }

    /// <summary>Gets or sets <c>spatial_attention.4.num_batches_tracked</c>: how many training batches the second BatchNorm has seen.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public long BatchesTracked2
    {
        get => Interlocked.Read(ref _batchesTracked2);
        set => _batchesTracked2 = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "num_batches_tracked cannot be negative.");
    }

    /// <summary>Gets the twelve learnable tensors (what an optimiser updates), in <c>state_dict</c> order.</summary>
    public IReadOnlyList<GamParameter> Parameters { get; }

    /// <summary>Gets the four running-statistics tensors (what train mode updates), in <c>state_dict</c> order.</summary>
    public IReadOnlyList<GamParameter> Buffers { get; }

    /// <summary>
    /// Gets a number that changes whenever any value of these weights changes (through
    /// <see cref="GamParameter.CopyFrom(ReadOnlySpan{double})"/>, a train-mode forward pass, or a load), so that a
    /// cached derived form (packed, folded) can tell that it is stale.
    /// </summary>
    public long Version => Interlocked.Read(ref _version);

    private long _batchesTracked1;
    private long _batchesTracked2;

    /// <summary>Creates weights of the given sizes: zero MLP and convolutions, identity BatchNorms (γ = 1, β = 0, running mean 0, running variance 1).</summary>
    /// <param name="channels">C, the input channels (at least 1).</param>
    /// <param name="hidden">m, the hidden width (at least 1); PyTorch's module uses ⌊C / rate⌋.</param>
    /// <param name="outChannels">The second convolution's output channels: <paramref name="channels"/> or 1.</param>
    /// <param name="groups">The convolutions' groups: divides both <paramref name="channels"/> and <paramref name="hidden"/>, and <paramref name="outChannels"/>.</param>
    /// <returns>The weights, ready to be filled with <see cref="GamParameter.CopyFrom(ReadOnlySpan{float})"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1, or <paramref name="outChannels"/> is neither C nor 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="groups"/> does not divide C, m and out.</exception>
    public static GamWeights Create(int channels, int hidden, int outChannels, int groups = 1)
    {
        Validation.GamChecks.Sizes(channels, hidden, outChannels, groups);
        return new GamWeights(channels, hidden, outChannels, groups);
    }

    /// <summary>Finds a tensor by its <c>state_dict</c> name.</summary>
    /// <param name="name">The name, for example <c>spatial_attention.3.weight</c>.</param>
    /// <returns>The tensor, or <see langword="null"/> when no tensor of this module has that name (the batch counters are not tensors here).</returns>
    public GamParameter? Find(string name)
    {
        foreach (var parameter in _all)
        {
            if (parameter.Name == name)
            {
                return parameter;
            }
        }

        return null;
    }

    /// <summary>Gets every tensor: <see cref="Parameters"/> then <see cref="Buffers"/>.</summary>
    /// <returns>The sixteen tensors.</returns>
    public IReadOnlyList<GamParameter> AllTensors() => _all;

    /// <summary>Makes an independent deep copy (values, counters).</summary>
    /// <returns>The copy.</returns>
    public GamWeights Clone()
    {
        var copy = new GamWeights(Channels, Hidden, OutChannels, Groups);
        for (var i = 0; i < _all.Length; i++)
        {
            _all[i].Values.CopyTo(copy._all[i].Storage);
        }

        copy._batchesTracked1 = BatchesTracked1;
        copy._batchesTracked2 = BatchesTracked2;
        return copy;
    }

    /// <summary>
    /// Gets a number that changes whenever a learnable parameter changes, but not when only the running statistics do:
    /// what the train-mode packed weights depend on (train mode updates the running statistics on every call).
    /// </summary>
    internal long ParametersVersion => Interlocked.Read(ref _parametersVersion);

    /// <summary>Records that values changed, parameters included (see <see cref="Version"/>).</summary>
    internal void MarkChanged()
    {
        Interlocked.Increment(ref _parametersVersion);
        Interlocked.Increment(ref _version);
    }

    /// <summary>Records that only running statistics or counters changed.</summary>
    internal void MarkBuffersChanged() => Interlocked.Increment(ref _version);

    internal void AddBatchTracked()
    {
        Interlocked.Increment(ref _batchesTracked1);
        Interlocked.Increment(ref _batchesTracked2);
    }
}
