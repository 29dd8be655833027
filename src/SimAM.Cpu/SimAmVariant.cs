namespace SimAM;

/// <summary>Which form of SimAM's inverse minimal energy E the gate sigmoid(E) uses.</summary>
public enum SimAmVariant
{
    /// <summary>
    /// The reference module's formula: E = (x − μ)² / (4 (v + λ)) + ½ with the mean μ and unbiased
    /// variance v of the whole plane. The default; what every published model was trained with.
    /// </summary>
    Fast = 0,

    /// <summary>
    /// The paper's closed form with leave-one-out statistics: for each neuron t, μ_t and σ_t² are the
    /// mean and (biased) variance of the other S − 1 neurons of its plane, and
    /// E = ((t − μ_t)² + 2σ_t² + 2λ) / (4 (σ_t² + λ)) = ½ + (t − μ_t)² / (4 (σ_t² + λ)).
    /// Computed from the same two plane sums in O(1) per neuron; E is never below the fast variant's.
    /// See docs/exact-variant.md.
    /// </summary>
    Exact = 1,
}
