namespace SimAM.Gam;

/// <summary>What the channel MLP's output passes through before it multiplies the input.</summary>
public enum GamChannelGate
{
    /// <summary>
    /// Nothing: x1 = x ⊙ a with the raw MLP output a. This is what the widely copied PyTorch module does, and the default.
    /// </summary>
    Identity = 0,

    /// <summary>x1 = x ⊙ sigmoid(a), as the paper describes the channel attention.</summary>
    Sigmoid = 1,
}
