namespace SimAM.Gam;

/// <summary>The settings of GAM's two <c>nn.BatchNorm2d</c> layers: PyTorch's defaults, which the module never changes.</summary>
internal static class BatchNorm
{
    /// <summary>ε, added to the variance before its square root.</summary>
    public const double Epsilon = 1e-5;

    /// <summary>The weight of the new batch statistic in the running average: running ← (1 − m)·running + m·batch.</summary>
    public const double Momentum = 0.1;
}
