using ILGPU;
using ILGPU.Runtime;

namespace SimAM.Gpu.Ilgpu.Runtime;

/// <summary>Device buffers kept between calls and grown when a call needs more: the staging and the scratch buffers.</summary>
internal static class ScratchBuffers
{
    /// <summary>
    /// Returns the first <paramref name="length"/> values of <paramref name="buffer"/>, replacing it first by a new
    /// buffer of exactly that length if it holds fewer (or none yet). Its old contents are not kept.
    /// </summary>
    public static ArrayView1D<T, Stride1D.Dense> AtLeast<T>(Accelerator accelerator, ref MemoryBuffer1D<T, Stride1D.Dense>? buffer, long length)
        where T : unmanaged
    {
        if (buffer is null || buffer.Length < length)
        {
            buffer?.Dispose();
            buffer = null;
            buffer = accelerator.Allocate1D<T>(length);
        }

        return buffer.View.SubView(0, length);
    }
}
