using System;

namespace SimAM.Gam;

/// <summary>
/// How a GAM module computes: the channel gate and the channel shuffle (which change the result), and the
/// threads and SIMD width (which do not: any degree of parallelism gives bitwise-identical output; only the
/// <see cref="Kernel"/> choice may change the last bits).
/// </summary>
public sealed class GamOptions
{
    private readonly int _maxDegreeOfParallelism = -1;
    private readonly int _shuffleGroups;
    private readonly GamChannelGate _channelGate = GamChannelGate.Identity;

    /// <summary>Gets the default options: the copied module's behaviour (no channel sigmoid, no shuffle), all cores, fastest kernel.</summary>
    public static GamOptions Default { get; } = new();

    /// <summary>Gets what the channel MLP's output passes through: <see cref="GamChannelGate.Identity"/> (the default) or <see cref="GamChannelGate.Sigmoid"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="GamChannelGate"/>.</exception>
    public GamChannelGate ChannelGate
    {
        get => _channelGate;
        init => _channelGate = value is GamChannelGate.Identity or GamChannelGate.Sigmoid
            ? value
            : throw new ArgumentOutOfRangeException(nameof(ChannelGate), value, "ChannelGate must be Identity or Sigmoid.");
    }

    /// <summary>
    /// Gets the number of groups G of the channel shuffle applied to the spatial map before the final product
    /// (new channel q·G + p takes old channel p·(out/G) + q); 0 (the default) means no shuffle. G must divide the
    /// module's output channels; the grouped variant of the paper uses 4.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int ShuffleGroups
    {
        get => _shuffleGroups;
        init => _shuffleGroups = value >= 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(ShuffleGroups), value, "ShuffleGroups must be 0 (no shuffle) or a positive number of groups.");
    }

    /// <summary>Gets the largest number of threads a call may use; <c>-1</c> (the default) means <see cref="Environment.ProcessorCount"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is 0 or less than -1.</exception>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        init => _maxDegreeOfParallelism = value == -1 || value > 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), value, "MaxDegreeOfParallelism must be -1 (all cores) or a positive number.");
    }

    /// <summary>
    /// Gets the SIMD width of the GEMM micro-kernels; <see cref="SimAmKernel.Auto"/> (the default) picks
    /// <see cref="SimAmKernels.Best"/>. A width this processor does not accelerate makes a call throw <see cref="NotSupportedException"/>.
    /// </summary>
    public SimAmKernel Kernel { get; init; } = SimAmKernel.Auto;

    /// <summary>
    /// Gets which convolution algorithm runs: <see langword="null"/> (the default) lets the cost model choose per
    /// shape; tests set it to run both on every shape.
    /// </summary>
    internal bool? PackedConvolution { get; init; }

    /// <summary>
    /// Gets whether passes run their convolutions, and backward passes their convolutions' weight and data gradients, through
    /// the discrete Fourier transform: <see langword="null"/> (the default) lets the cost model choose per shape (never while
    /// <see cref="PackedConvolution"/> forces an algorithm); tests set it to run the spectral paths on every shape they take
    /// (one group), or neither.
    /// </summary>
    internal bool? SpectralConvolution { get; init; }

    internal int EffectiveDegreeOfParallelism =>
        _maxDegreeOfParallelism == -1 ? Environment.ProcessorCount : _maxDegreeOfParallelism;
}
