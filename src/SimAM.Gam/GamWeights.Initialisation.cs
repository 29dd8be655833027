using System;
using SimAM.Gam.Weights;

namespace SimAM.Gam;

/// <summary>Fresh weights drawn as PyTorch initialises a new module.</summary>
public sealed partial class GamWeights
{
    /// <summary>
    /// Creates the weights of a new <c>GAM(c, out, rate, groups)</c> module, initialised as PyTorch initialises
    /// <c>nn.Linear</c> and <c>nn.Conv2d</c>: every weight and bias uniform in [-1/√fan_in, 1/√fan_in]
    /// (<c>kaiming_uniform_(a=√5)</c> for the weights), with fan_in = C and m for the two linear layers and
    /// (C/groups)·49 and (m/groups)·49 for the two convolutions; BatchNorm γ = 1, β = 0, running mean 0, running
    /// variance 1, batch counters 0.
    /// </summary>
    /// <param name="channels">C, the input channels (at least 1).</param>
    /// <param name="rate">The reduction rate: m = ⌊C / rate⌋, as PyTorch's <c>int(c / rate)</c>; at least 1 and at most C.</param>
    /// <param name="groups">The convolutions' groups; must divide C, m and out.</param>
    /// <param name="outChannels">The second convolution's output channels, C or 1; <see langword="null"/> (the default) for C.</param>
    /// <param name="seed">The seed: the same seed gives the same weights on every run, platform and .NET version.</param>
    /// <returns>The weights. Each value is a float32 value (held in double), so a float32 weight file holds them exactly.</returns>
    /// <remarks>
    /// The values come from the xoshiro256** generator seeded through splitmix64, drawn in <c>state_dict</c> order
    /// (<c>channel_attention.0.weight</c>, <c>.0.bias</c>, <c>.2.weight</c>, <c>.2.bias</c>,
    /// <c>spatial_attention.0.weight</c>, <c>.0.bias</c>, <c>.3.weight</c>, <c>.3.bias</c>); they follow
    /// PyTorch's distribution, not PyTorch's random numbers.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="channels"/> or <paramref name="rate"/> is below 1, m = ⌊C / rate⌋ is 0 (the rate is larger
    /// than C), <paramref name="groups"/> is below 1, or <paramref name="outChannels"/> is neither C nor 1.
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="groups"/> does not divide C, m and out.</exception>
    public static GamWeights CreateDefault(int channels, int rate = 4, int groups = 1, int? outChannels = null, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rate, 1);
        var hidden = channels / rate;
        if (hidden < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(rate), rate, $"m = floor(C / rate) = floor({channels} / {rate}) is 0; GAM needs m >= 1, so rate must be at most C.");
        }

        var weights = Create(channels, hidden, outChannels ?? channels, groups);
        var random = new Xoshiro256StarStar(unchecked((ulong)seed));
        var kernelArea = KernelSize * KernelSize;
        Uniform(weights.ChannelWeight1, channels, ref random);
        Uniform(weights.ChannelBias1, channels, ref random);
        Uniform(weights.ChannelWeight2, hidden, ref random);
        Uniform(weights.ChannelBias2, hidden, ref random);
        Uniform(weights.ConvWeight1, channels / groups * kernelArea, ref random);
        Uniform(weights.ConvBias1, channels / groups * kernelArea, ref random);
        Uniform(weights.ConvWeight2, hidden / groups * kernelArea, ref random);
        Uniform(weights.ConvBias2, hidden / groups * kernelArea, ref random);
        weights.MarkChanged();
        return weights;
    }

    /// <summary>Fills a tensor uniformly in [-1/√fan_in, 1/√fan_in], each value rounded to float32 as PyTorch's float32 parameters are.</summary>
    private static void Uniform(GamParameter parameter, int fanIn, ref Xoshiro256StarStar random)
    {
        var bound = 1.0 / Math.Sqrt(fanIn);
        var values = parameter.Storage;
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(bound * ((2 * random.NextDouble()) - 1));
        }
    }
}
