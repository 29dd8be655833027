namespace SimAM.Gam.Compute;

/// <summary>
/// The weights of a backward pass, packed for the forward micro-kernel: a data gradient is the forward product with
/// the weights transposed (and, for a 7×7 convolution with padding 3, the kernel turned by 180°: the transposed
/// convolution of a "same" convolution is again a "same" convolution), so the input gradients run on the very
/// convolution and GEMM code of the forward pass. Built with the plan, from the raw (unfolded) weights; a spectral plan
/// needs only the linear layers' (its convolutions' data gradients read the transformed forward filters, transposed).
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
internal sealed class BackwardFilters<T>
    where T : unmanaged
{
    public BackwardFilters(GamWeights weights, int blockRows, int workers, bool convolutions)
    {
        var k = GamWeights.KernelSize;
        if (convolutions)
        {
            Convolution1 = PackedFilter<T>.Transposing(weights.ConvWeight1.Storage, weights.Channels, weights.Hidden, weights.Groups, k, blockRows, workers);
            Convolution2 = PackedFilter<T>.Transposing(weights.ConvWeight2.Storage, weights.Hidden, weights.OutChannels, weights.Groups, k, blockRows, workers);
        }

        Linear1 = PackedFilter<T>.Transposing(weights.ChannelWeight1.Storage, weights.Channels, weights.Hidden, 1, 1, blockRows, workers);
        Linear2 = PackedFilter<T>.Transposing(weights.ChannelWeight2.Storage, weights.Hidden, weights.Channels, 1, 1, blockRows, workers);
    }

    /// <summary>Packs changed weights of the same shapes into these filters' own panels (see <see cref="GamPlan{T}.Refresh"/>).</summary>
    public void Refresh(GamWeights weights, int workers)
    {
        Convolution1?.PackTransposed(weights.ConvWeight1.Storage, workers);
        Convolution2?.PackTransposed(weights.ConvWeight2.Storage, workers);
        Linear1.PackTransposed(weights.ChannelWeight1.Storage, workers);
        Linear2.PackTransposed(weights.ChannelWeight2.Storage, workers);
    }

    /// <summary>Gets the first convolution's data-gradient filter: m → C channels, K1 transposed per group and turned (null in spectral plans).</summary>
    public PackedFilter<T>? Convolution1 { get; }

    /// <summary>Gets the second convolution's data-gradient filter: out → m channels (null in spectral plans).</summary>
    public PackedFilter<T>? Convolution2 { get; }

    /// <summary>Gets W1ᵀ: m → C, the first linear layer's data gradient.</summary>
    public PackedFilter<T> Linear1 { get; }

    /// <summary>Gets W2ᵀ: C → m, the second linear layer's data gradient.</summary>
    public PackedFilter<T> Linear2 { get; }
}
