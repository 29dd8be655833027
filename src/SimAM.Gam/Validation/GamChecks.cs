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

    /// <summary>
    /// Checks a forward call's shape and spans against the weights and options, and returns N, H, W.
    /// </summary>
    public static (int Batch, int Height, int Width) Forward<T>(
        GamWeights weights, GamOptions options, GamMode mode, ReadOnlySpan<T> input, ReadOnlySpan<T> output, ReadOnlySpan<int> shape)
    {
        if (shape.Length != 4)
        {
            throw new ArgumentException($"GAM takes an NCHW tensor: shape must be [N, C, H, W] (rank 4); got rank {shape.Length}.", nameof(shape));
        }

        for (var axis = 0; axis < 4; axis++)
        {
            if (shape[axis] <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(shape), shape[axis], $"shape[{axis}] is {shape[axis]}; every dimension must be positive.");
            }
        }

        if (shape[1] != weights.Channels)
        {
            throw new ArgumentException(
                $"the input has C = {shape[1]} channels but the weights were made for C = {weights.Channels}.", nameof(shape));
        }

        var count = (long)shape[0] * shape[1] * shape[2] * shape[3];
        if (count > Array.MaxLength)
        {
            throw new ArgumentException($"shape [{string.Join(", ", shape.ToArray())}] has more elements than a span can hold.", nameof(shape));
        }

        if (input.Length != count)
        {
            throw new ArgumentException($"input has {input.Length} elements; shape [{string.Join(", ", shape.ToArray())}] needs {count}.", nameof(input));
        }

        if (output.Length != count)
        {
            throw new ArgumentException($"output has {output.Length} elements; shape [{string.Join(", ", shape.ToArray())}] needs {count}.", nameof(output));
        }

        if (input.Overlaps(output, out var offset) && offset != 0)
        {
            throw new ArgumentException("input and output overlap without being the same buffer; pass the very same span to work in place.", nameof(output));
        }

        ShuffleGroups(options.ShuffleGroups, weights.OutChannels);
        if (mode is not GamMode.Eval and not GamMode.Train)
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "mode must be Eval or Train.");
        }

        if (mode == GamMode.Train && (long)shape[0] * shape[2] * shape[3] < 2)
        {
            throw new ArgumentException(
                "train mode needs more than one value per channel for BatchNorm's batch statistics (N·H·W >= 2), as PyTorch does.", nameof(shape));
        }

        return (shape[0], shape[2], shape[3]);
    }

    /// <summary>Checks that the shuffle's groups divide the spatial map's channels (0 = no shuffle).</summary>
    public static void ShuffleGroups(int groups, int outChannels)
    {
        if (groups != 0 && outChannels % groups != 0)
        {
            throw new ArgumentException(
                $"ShuffleGroups = {groups} must divide the spatial map's {outChannels} channel(s).", nameof(groups));
        }
    }
}
