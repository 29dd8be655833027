using System;
using SimAM.Gpu.Interop;

namespace SimAM.Gpu.Kernels;

/// <summary>A read-write device buffer of a known size, and the transfers to and from host memory.</summary>
internal sealed unsafe class DeviceBuffer : IDisposable
{
    private DeviceBuffer(MemObjectHandle handle, long bytes)
    {
        Handle = handle;
        Bytes = bytes;
    }

    public MemObjectHandle Handle { get; }

    public long Bytes { get; }

    public static DeviceBuffer Create(ContextHandle context, long bytes)
    {
        int status;
        var handle = OpenClNative.clCreateBuffer(context, OpenClConstants.MemReadWrite, (nuint)bytes, null, &status);
        OpenClErrors.Check(status, "clCreateBuffer");
        return new DeviceBuffer(handle, bytes);
    }

    /// <summary>Returns <paramref name="buffer"/> if it holds at least <paramref name="bytes"/>, else replaces it by a new one.</summary>
    /// <remarks>
    /// Releasing a buffer that enqueued kernels still use is safe: OpenCL frees it only after they finish.
    /// </remarks>
    public static DeviceBuffer AtLeast(ContextHandle context, ref DeviceBuffer? buffer, long bytes)
    {
        if (buffer is null || buffer.Bytes < bytes)
        {
            buffer?.Dispose();
            buffer = null;
            buffer = Create(context, bytes);
        }

        return buffer;
    }

    /// <summary>Copies host values into the start of the buffer; returns when the copy is done.</summary>
    public void Write(CommandQueueHandle queue, ReadOnlySpan<float> source)
    {
        fixed (float* p = source)
        {
            OpenClErrors.Check(
                OpenClNative.clEnqueueWriteBuffer(queue, Handle, OpenClConstants.True, 0, (nuint)source.Length * sizeof(float), p, 0, null, null),
                "clEnqueueWriteBuffer");
        }
    }

    /// <summary>Copies the start of the buffer into host memory after every command enqueued before it.</summary>
    public void Read(CommandQueueHandle queue, Span<float> destination)
    {
        fixed (float* p = destination)
        {
            OpenClErrors.Check(
                OpenClNative.clEnqueueReadBuffer(queue, Handle, OpenClConstants.True, 0, (nuint)destination.Length * sizeof(float), p, 0, null, null),
                "clEnqueueReadBuffer");
        }
    }

    public void Dispose() => Handle.Dispose();
}
