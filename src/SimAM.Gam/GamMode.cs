namespace SimAM.Gam;

/// <summary>How the two BatchNorm layers normalise, as PyTorch's <c>module.eval()</c> and <c>module.train()</c>.</summary>
public enum GamMode
{
    /// <summary>
    /// Inference: each BatchNorm is the affine map of its running statistics, folded into the convolution before it.
    /// The weights are not changed.
    /// </summary>
    Eval = 0,

    /// <summary>
    /// Training: each BatchNorm normalises with the statistics of the batch (mean and biased variance over N, H, W)
    /// and updates its running mean, running variance (unbiased) and batch counter exactly as PyTorch does
    /// (momentum 0.1).
    /// </summary>
    Train = 1,
}
