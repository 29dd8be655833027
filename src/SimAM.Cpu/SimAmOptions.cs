using System;

namespace SimAM;

/// <summary>
/// Options for a SimAM call. <see cref="Layout"/> says how the tensor lies in memory and <see cref="Variant"/>
/// which formula the gate uses; the execution options never change the result: any degree of parallelism
/// gives bitwise-identical output (only the <see cref="Kernel"/> choice may change the last bits).
/// </summary>
public sealed class SimAmOptions
{
    private readonly int _maxDegreeOfParallelism = -1;
    private readonly SimAmLayout _layout = SimAmLayout.ChannelsFirst;
    private readonly SimAmVariant _variant = SimAmVariant.Fast;
    private readonly SimAmStores _stores = SimAmStores.Auto;

    /// <summary>Gets the default options: all cores, fastest kernel.</summary>
    public static SimAmOptions Default { get; } = new();

    /// <summary>
    /// Gets the largest number of threads a call may use; <c>-1</c> (the default) means
    /// <see cref="Environment.ProcessorCount"/>. Small tensors run on the calling thread regardless.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is 0 or less than -1.</exception>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        init
        {
            if (value == 0 || value < -1)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(MaxDegreeOfParallelism), value, "MaxDegreeOfParallelism must be -1 (all cores) or a positive number.");
            }

            _maxDegreeOfParallelism = value;
        }
    }

    /// <summary>
    /// Gets the SIMD path to run; <see cref="SimAmKernel.Auto"/> (the default) picks <see cref="SimAmKernels.Best"/>.
    /// A path the processor does not accelerate makes the call throw <see cref="NotSupportedException"/>.
    /// </summary>
    public SimAmKernel Kernel { get; init; } = SimAmKernel.Auto;

    /// <summary>
    /// Gets how the tensor lies in memory: <see cref="SimAmLayout.ChannelsFirst"/> (the default, shape
    /// [N, C, d1, ..., dk]) or <see cref="SimAmLayout.ChannelsLast"/> (shape [N, d1, ..., dk, C]). Either way
    /// the shape is given in memory order and statistics are indexed [n·C + c].
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="SimAmLayout"/>.</exception>
    public SimAmLayout Layout
    {
        get => _layout;
        init => _layout = value is SimAmLayout.ChannelsFirst or SimAmLayout.ChannelsLast
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Layout), value, "Layout must be ChannelsFirst or ChannelsLast.");
    }

    /// <summary>
    /// Gets the formula of the gate: <see cref="SimAmVariant.Fast"/> (the default, the reference module's
    /// whole-plane statistics) or <see cref="SimAmVariant.Exact"/> (the paper's leave-one-out closed form).
    /// A backward call must use the variant of its forward call.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="SimAmVariant"/>.</exception>
    public SimAmVariant Variant
    {
        get => _variant;
        init => _variant = value is SimAmVariant.Fast or SimAmVariant.Exact
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Variant), value, "Variant must be Fast or Exact.");
    }

    /// <summary>
    /// Gets how the output is written: <see cref="SimAmStores.Auto"/> (the default) streams it past the cache when
    /// the call's tensors are larger than the cache could keep, <see cref="SimAmStores.Cached"/> always writes through
    /// the cache (for an output the next layer reads at once), <see cref="SimAmStores.Streaming"/> always streams.
    /// Never changes the result.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="SimAmStores"/>.</exception>
    public SimAmStores Stores
    {
        get => _stores;
        init => _stores = value is SimAmStores.Auto or SimAmStores.Cached or SimAmStores.Streaming
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Stores), value, "Stores must be Auto, Cached or Streaming.");
    }

    internal int EffectiveDegreeOfParallelism =>
        _maxDegreeOfParallelism == -1 ? Environment.ProcessorCount : _maxDegreeOfParallelism;
}
