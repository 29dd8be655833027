using System;

namespace SimAM.Gam.Validation;

/// <summary>
/// The argument checks of the GAM entry points. They run before anything is written, so a rejected call leaves
/// every buffer as it was; each message names the argument and the problem.
/// </summary>
internal static class GamChecks
{
    /// <summary>Checks the module sizes that <see cref="GamWeights.Create(int, int, int, int)"/> takes.</summary>
    public static void Sizes(int channels, int hidden, int outChannels, int groups)
    {
        if (channels < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "GAM needs at least one channel (C >= 1).");
        }

        if (hidden < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(hidden), hidden, "the hidden width m = floor(C / rate) must be at least 1 (the rate is larger than C).");
        }

        if (outChannels != channels && outChannels != 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(outChannels), outChannels, $"the spatial map multiplies x, so out must be C ({channels}) or 1.");
        }

        if (groups < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(groups), groups, "groups must be at least 1.");
        }

        if (channels % groups != 0 || hidden % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentException(
                $"groups = {groups} must divide C = {channels}, m = {hidden} and out = {outChannels}.", nameof(groups));
        }
    }

    /// <summary>Checks a forward call's mode, shape and spans against the weights, and returns N, H, W.</summary>
    public static (int Batch, int Height, int Width) Forward<T>(
        GamWeights weights, GamMode mode, ReadOnlySpan<T> input, ReadOnlySpan<T> output, ReadOnlySpan<int> shape)
    {
        Mode(mode, nameof(mode));
        var count = Shape(shape, weights.Channels, nameof(shape));
        Length(input.Length, count, shape, nameof(input));
        Length(output.Length, count, shape, nameof(output));
        NoPartialOverlap(input, output, nameof(input), nameof(output));
        if (mode == GamMode.Train)
        {
            TrainingBatch(shape, nameof(shape));
        }

        return (shape[0], shape[2], shape[3]);
    }

    /// <summary>
    /// Checks an [N, C, H, W] tensor shape against a module of <paramref name="channels"/> input channels and
    /// returns its element count N·C·H·W.
    /// </summary>
    public static int Shape(ReadOnlySpan<int> shape, int channels, string parameterName)
    {
        if (shape.Length != 4)
        {
            throw new ArgumentException($"shape must be [N, C, H, W] (rank 4); got rank {shape.Length}.", parameterName);
        }

        long count = 1;
        for (var axis = 0; axis < shape.Length; axis++)
        {
            if (shape[axis] < 1)
            {
                throw new ArgumentOutOfRangeException(
                    parameterName, shape[axis], $"shape[{axis}] ({AxisName(axis)}) is {shape[axis]}; every dimension must be at least 1.");
            }

            // Checked per step: both factors are below 2^31, so the product cannot wrap a long.
            count *= shape[axis];
            if (count > int.MaxValue)
            {
                throw new ArgumentException($"shape {DescribeShape(shape)} has more elements than a span can hold ({int.MaxValue}).", parameterName);
            }
        }

        if (shape[1] != channels)
        {
            throw new ArgumentException(
                $"shape {DescribeShape(shape)} has C = {shape[1]} channels but the weights are for C = {channels}.", parameterName);
        }

        return (int)count;
    }

    /// <summary>Checks that a tensor buffer holds exactly the shape's element count.</summary>
    public static void Length(int length, int expected, ReadOnlySpan<int> shape, string parameterName)
    {
        if (length != expected)
        {
            throw new ArgumentException(
                $"{parameterName} has {length} elements but shape {DescribeShape(shape)} needs exactly {expected}.", parameterName);
        }
    }

    /// <summary>Exact aliasing is allowed (in place); any other overlap would read values already overwritten.</summary>
    public static void NoPartialOverlap<T>(ReadOnlySpan<T> source, ReadOnlySpan<T> destination, string sourceName, string destinationName)
    {
        if (source.Overlaps(destination, out var offset) && offset != 0)
        {
            throw new ArgumentException(
                $"{sourceName} and {destinationName} partially overlap; they must be the very same buffer (in place) or not overlap at all.",
                destinationName);
        }
    }

    /// <summary>Checks that a <see cref="GamMode"/> is one of the defined values.</summary>
    public static void Mode(GamMode mode, string parameterName)
    {
        if (mode is not (GamMode.Eval or GamMode.Train))
        {
            throw new ArgumentOutOfRangeException(parameterName, mode, "mode must be Eval or Train.");
        }
    }

    /// <summary>Checks that a <see cref="GamChannelGate"/> is one of the defined values.</summary>
    public static void ChannelGate(GamChannelGate channelGate, string parameterName)
    {
        if (channelGate is not (GamChannelGate.Identity or GamChannelGate.Sigmoid))
        {
            throw new ArgumentOutOfRangeException(parameterName, channelGate, "the channel gate must be Identity or Sigmoid.");
        }
    }

    /// <summary>
    /// Checks a channel shuffle group count G passed as a plain argument (not through <see cref="GamOptions"/>, which
    /// rejects negative values itself): 0 (no shuffle), or a positive divisor of the spatial map's channels.
    /// </summary>
    public static void ShuffleGroups(int shuffleGroups, int outChannels, string parameterName)
    {
        if (shuffleGroups < 0)
        {
            throw new ArgumentOutOfRangeException(
                parameterName, shuffleGroups, "the shuffle's group count must be 0 (no shuffle) or a positive number of groups.");
        }

        if (shuffleGroups > 0 && outChannels % shuffleGroups != 0)
        {
            throw new ArgumentException(
                $"the shuffle's {shuffleGroups} groups must divide the spatial map's {outChannels} channels (out).", parameterName);
        }
    }

    /// <summary>
    /// Checks a backward call against the weights and the forward pass kept in <paramref name="activations"/>, and returns
    /// N, H, W. Argument errors first (as for the forward pass), then whether the activations belong to this call.
    /// </summary>
    public static (int Batch, int Height, int Width) Backward<T>(
        GamModule module, GamMode mode, ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, ReadOnlySpan<T> gradInput, ReadOnlySpan<int> shape,
        GamActivations activations, GamGradients gradients)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(activations);
        ArgumentNullException.ThrowIfNull(gradients);
        Mode(mode, nameof(mode));
        var count = Shape(shape, module.Weights.Channels, nameof(shape));
        Length(input.Length, count, shape, nameof(input));
        Length(gradOutput.Length, count, shape, nameof(gradOutput));
        Length(gradInput.Length, count, shape, nameof(gradInput));
        NoPartialOverlap(input, gradInput, nameof(input), nameof(gradInput));
        NoPartialOverlap(gradOutput, gradInput, nameof(gradOutput), nameof(gradInput));
        gradients.CheckFits(module.Weights, nameof(gradients));
        var (batch, height, width) = (shape[0], shape[2], shape[3]);
        if (activations.IsEmpty)
        {
            throw new InvalidOperationException("the activations hold no forward pass: call Forward with them first (a failed forward pass leaves them empty).");
        }

        if (!ReferenceEquals(activations.Owner, module))
        {
            throw new InvalidOperationException("the activations were kept by another GamModule's forward pass.");
        }

        if (activations.Mode != mode)
        {
            throw new InvalidOperationException($"the activations were kept by a {activations.Mode} forward pass; this backward call asks for {mode}.");
        }

        if (activations.Batch != batch || activations.Height != height || activations.Width != width)
        {
            throw new InvalidOperationException(
                $"the activations were kept by a forward pass of shape [{activations.Batch}, {module.Weights.Channels}, {activations.Height}, {activations.Width}]; this backward call has {DescribeShape(shape)}.");
        }

        if (activations.Values<T>() is null)
        {
            throw new InvalidOperationException($"the activations were kept by a forward pass over another element type than {typeof(T).Name}.");
        }

        if (activations.ParametersVersion != module.Weights.ParametersVersion)
        {
            throw new InvalidOperationException("the weights' parameters changed after the forward pass that kept the activations; run the forward pass again.");
        }

        return (batch, height, width);
    }

    /// <summary>
    /// Checks that a training batch gives each BatchNorm channel more than one value (N·H·W &gt; 1): the running
    /// variance's unbiased update divides by N·H·W − 1, and PyTorch refuses such a batch in train mode as well.
    /// </summary>
    public static void TrainingBatch(ReadOnlySpan<int> shape, string parameterName)
    {
        if ((long)shape[0] * shape[2] * shape[3] < 2)
        {
            throw new ArgumentException(
                $"shape {DescribeShape(shape)} gives each BatchNorm channel one value (N·H·W = 1); train mode needs at least two (the unbiased variance divides by N·H·W - 1).",
                parameterName);
        }
    }

    private static string AxisName(int axis) => axis switch
    {
        0 => "N",
        1 => "C",
        2 => "H",
        _ => "W",
    };

    private static string DescribeShape(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
