namespace SimAM;

/// <summary>
/// How a call writes its output (y, or ∂L/∂x): through the cache, or straight to memory with non-temporal stores.
/// The choice never changes a bit of the result, only where the output is afterwards and how many memory streams
/// the call costs.
/// </summary>
public enum SimAmStores
{
    /// <summary>
    /// The default: non-temporal stores where the output would not stay in cache anyway (the call's tensors are larger
    /// than the last-level cache a call can keep) and the kernel writes each plane from L1 right after reducing it
    /// (channels-first planes under 5120 values); ordinary stores otherwise and always for an in-place call. See
    /// docs/performance.md for the cut-off and the measurements behind it.
    /// </summary>
    Auto = 0,

    /// <summary>
    /// Ordinary stores: the output is written through the cache, so a next layer that reads it at once finds it
    /// there. Writing a line the cache does not hold first reads it from memory, a third stream beside x and y.
    /// </summary>
    Cached = 1,

    /// <summary>
    /// Non-temporal stores for every whole cache line of the output: it goes to memory without being read first and
    /// without evicting the input, but a next layer reads it back from memory. An in-place call still writes through
    /// the cache (it has read every line it writes).
    /// </summary>
    Streaming = 2,
}
