namespace SimAM;

/// <summary>
/// How a call writes its output (y, or ∂L/∂x): through the cache, or straight to memory with non-temporal stores.
/// The choice never changes a bit of the result, only where the output is afterwards and how many memory streams
/// the call costs.
/// </summary>
public enum SimAmStores
{
    /// <summary>
    /// The default: non-temporal stores where the output would not stay in cache anyway (the call's tensors are
    /// larger than the last-level cache a call can keep; see docs/performance.md), ordinary stores otherwise and
    /// always for an in-place call.
    /// </summary>
    Auto = 0,

    /// <summary>
    /// Ordinary stores: the output is written through the cache, so a next layer that reads it at once finds it
    /// there. Writing a line the cache does not hold first reads it from memory, a third stream beside x and y.
    /// </summary>
    Cached = 1,

    /// <summary>
    /// Non-temporal stores wherever the kernel writes whole aligned vectors: the output goes to memory without
    /// being read first and without evicting the input, but a next layer reads it back from memory.
    /// </summary>
    Streaming = 2,
}
