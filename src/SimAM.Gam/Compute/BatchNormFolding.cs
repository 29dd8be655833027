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

    /// <summary>BN(z) = γ (z − mean)/√(variance + eps) + β as z·scale + shift.</summary>
    public static (double Scale, double Shift) Affine(double mean, double variance, double gamma, double beta)
    {
        var scale = gamma / Math.Sqrt(variance + Epsilon);
        return (scale, beta - (mean * scale));
    }

    /// <summary>PyTorch's running update after a train-mode batch: the biased batch variance is made unbiased, σ²·n/(n − 1).</summary>
    public static void UpdateRunning(double mean, double variance, long count, ref double runningMean, ref double runningVar)
    {
        runningMean = ((1 - Momentum) * runningMean) + (Momentum * mean);
        runningVar = ((1 - Momentum) * runningVar) + (Momentum * variance * count / (count - 1));
    }
}
