using System;

namespace SimAM.Gam.Compute;

/// <summary>BatchNorm's per-channel affine map, in eval mode (running statistics) and in train mode (batch statistics).</summary>
internal static class BatchNormFolding
{
    /// <summary>PyTorch's BatchNorm2d default eps.</summary>
    public const double Epsilon = 1e-5;

    /// <summary>PyTorch's BatchNorm2d default momentum: running = (1 − momentum)·running + momentum·batch.</summary>
    public const double Momentum = 0.1;

    /// <summary>
    /// BN(conv(x) + bias) with running statistics as conv(x)·scale + shift:
    /// scale = γ / √(running_var + eps), shift = (bias − running_mean)·scale + β.
    /// </summary>
    public static (double[] Scale, double[] Shift) Fold(
        ReadOnlySpan<double> bias, ReadOnlySpan<double> gamma, ReadOnlySpan<double> beta, ReadOnlySpan<double> runningMean, ReadOnlySpan<double> runningVar)
    {
        var scale = new double[bias.Length];
        var shift = new double[bias.Length];
        for (var c = 0; c < bias.Length; c++)
        {
            scale[c] = gamma[c] / Math.Sqrt(runningVar[c] + Epsilon);
            shift[c] = ((bias[c] - runningMean[c]) * scale[c]) + beta[c];
        }

        return (scale, shift);
    }

    /// <summary>
    /// Train mode for one channel: z·scale + shift with scale = γ / √(σ² + eps) and shift = β − μ·scale, where μ and
    /// the biased σ² are the batch's; and PyTorch's running update, with the unbiased variance σ²·n/(n − 1).
    /// </summary>
    public static (double Scale, double Shift) Train(
        double mean, double variance, long count, double gamma, double beta, ref double runningMean, ref double runningVar)
    {
        var scale = gamma / Math.Sqrt(variance + Epsilon);
        runningMean = ((1 - Momentum) * runningMean) + (Momentum * mean);
        runningVar = ((1 - Momentum) * runningVar) + (Momentum * variance * count / (count - 1));
        return (scale, beta - (mean * scale));
    }
}
