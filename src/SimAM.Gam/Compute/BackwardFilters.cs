using System;

namespace SimAM.Gam.Compute;

/// <summary>
/// The weights of a backward pass, packed for the forward micro-kernel: a data gradient is the forward product with
/// the weights transposed (and, for a 7×7 convolution with padding 3, the kernel turned by 180°: the transposed
/// convolution of a "same" convolution is again a "same" convolution), so the input gradients run on the very
/// convolution and GEMM code of the forward pass. Built with the plan, from the raw (unfolded) weights.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
internal sealed class BackwardFilters<T>
    where T : unmanaged
{
    public BackwardFilters(GamWeights weights, int blockRows)
    {
        Convolution1 = Transposed(weights.ConvWeight1.Values, weights.Hidden, weights.Channels, weights.Groups, blockRows);
        Convolution2 = Transposed(weights.ConvWeight2.Values, weights.OutChannels, weights.Hidden, weights.Groups, blockRows);
        Linear1 = Transposed(weights.ChannelWeight1.Values, weights.Hidden, weights.Channels, 1, blockRows, kernelSize: 1);
        Linear2 = Transposed(weights.ChannelWeight2.Values, weights.Channels, weights.Hidden, 1, blockRows, kernelSize: 1);
    }

    /// <summary>Gets the first convolution's data-gradient filter: m → C channels, K1 transposed per group and turned.</summary>
    public PackedFilter<T> Convolution1 { get; }

    /// <summary>Gets the second convolution's data-gradient filter: out → m channels.</summary>
    public PackedFilter<T> Convolution2 { get; }

    /// <summary>Gets W1ᵀ: m → C, the first linear layer's data gradient.</summary>
    public PackedFilter<T> Linear1 { get; }

    /// <summary>Gets W2ᵀ: C → m, the second linear layer's data gradient.</summary>
    public PackedFilter<T> Linear2 { get; }

    /// <summary>
    /// Packs Kᵀ for weights K of shape [out, in/groups, k, k]: the result maps out → in channels with the same groups,
    /// Kᵀ[i, o, kh, kw] = K[o, i, k − 1 − kh, k − 1 − kw] within each group.
    /// </summary>
    private static PackedFilter<T> Transposed(ReadOnlySpan<double> weights, int outChannels, int inChannels, int groups, int blockRows, int kernelSize = GamWeights.KernelSize)
    {
        var taps = kernelSize * kernelSize;
        var outPer = outChannels / groups;
        var inPer = inChannels / groups;
        var transposed = new double[weights.Length];
        for (var g = 0; g < groups; g++)
        {
            for (var o = 0; o < outPer; o++)
            {
                for (var i = 0; i < inPer; i++)
                {
                    var source = (((g * outPer) + o) * inPer + i) * taps;
                    var target = (((g * inPer) + i) * outPer + o) * taps;
                    for (var t = 0; t < taps; t++)
                    {
                        transposed[target + taps - 1 - t] = weights[source + t];
                    }
                }
            }
        }

        return new PackedFilter<T>(transposed, inChannels, outChannels, groups, kernelSize, default, blockRows);
    }
}
