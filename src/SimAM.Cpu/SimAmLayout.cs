namespace SimAM;

/// <summary>
/// How a tensor's dimensions lie in memory. The shape passed with a tensor is always its memory order,
/// outermost dimension first.
/// </summary>
public enum SimAmLayout
{
    /// <summary>
    /// Channels first: shape [N, C, d1, ..., dk] (NCL, NCHW, NCDHW), as in PyTorch's default. Each (n, c)
    /// plane is one contiguous run of S = d1·…·dk values.
    /// </summary>
    ChannelsFirst = 0,

    /// <summary>
    /// Channels last: shape [N, d1, ..., dk, C] (NLC, NHWC, NDHWC), as in PyTorch's <c>channels_last</c>
    /// memory format and TensorFlow's default. The C values of one spatial position are contiguous; a
    /// plane (n, c) is the strided column of sample n. Statistics are still indexed [n·C + c].
    /// </summary>
    ChannelsLast = 1,
}
