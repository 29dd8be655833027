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
}
