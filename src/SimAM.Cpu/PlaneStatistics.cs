using System;

namespace SimAM;

/// <summary>
/// The two numbers the backward pass needs from the forward pass for one (n, c) plane: its mean and its
/// unbiased variance (divided by S − 1, like the reference module). Keeping them costs 16 bytes per
/// plane, where autograd keeps several tensors the size of the input.
/// </summary>
/// <param name="Mean">The plane mean μ = Σ x / S.</param>
/// <param name="Variance">The unbiased plane variance v = Σ (x − μ)² / (S − 1).</param>
public readonly record struct PlaneStatistics(double Mean, double Variance)
{
    /// <summary>Gets a value indicating whether both numbers are finite (the plane held no NaN or infinity).</summary>
    public bool IsFinite => double.IsFinite(Mean) && double.IsFinite(Variance);

    /// <summary>Gets the gate scale k = 1 / (4 (v + λ)) for a given λ.</summary>
    /// <param name="lambda">The regulariser λ of the call.</param>
    /// <returns>The scale k.</returns>
    public double Scale(double lambda) => 1.0 / (4.0 * (Variance + lambda));

    /// <summary>Gets the attention weight sigmoid(E) the forward pass applies to a value of this plane.</summary>
    /// <param name="value">A value x of the plane.</param>
    /// <param name="lambda">The regulariser λ of the call.</param>
    /// <returns>sigmoid((x − μ)² / (4 (v + λ)) + 1/2), computed in double precision.</returns>
    public double Weight(double value, double lambda)
    {
        var c = value - Mean;
        var energy = (c * c * Scale(lambda)) + 0.5;
        return 1.0 / (1.0 + Math.Exp(-energy));
    }
}
