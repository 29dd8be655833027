using System;
using SimAM.Gpu.Interop;
using SimAM.Gpu.Kernels;

namespace SimAM.Gpu;

/// <summary>
/// A float tensor in device memory, owned by one <see cref="OpenClBackend"/>. Pass tensors to the
/// backend's <see cref="OpenClBackend.Forward(OpenClTensor, OpenClTensor, ReadOnlySpan{int}, float)"/> and
/// <see cref="OpenClBackend.Backward(OpenClTensor, OpenClTensor, OpenClTensor, ReadOnlySpan{int}, float)"/>
/// to keep data on the device between calls; copy in and out with <see cref="Upload"/> and <see cref="Download"/>.
/// </summary>
public sealed class OpenClTensor : IDisposable
{
    private readonly DeviceBuffer _buffer;
    private bool _disposed;

    internal OpenClTensor(OpenClBackend backend, DeviceBuffer buffer, int length)
    {
        Backend = backend;
        _buffer = buffer;
        Length = length;
    }

    /// <summary>Gets the backend (device and context) that owns the tensor.</summary>
    public OpenClBackend Backend { get; }

    /// <summary>Gets the number of float values.</summary>
    public int Length { get; }

    internal MemObjectHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _buffer.Handle;
        }
    }

    /// <summary>Copies host values into the tensor; returns when the copy is done.</summary>
    /// <param name="source">Exactly <see cref="Length"/> values.</param>
    /// <exception cref="ArgumentException"><paramref name="source"/> does not hold exactly <see cref="Length"/> values.</exception>
    /// <exception cref="ObjectDisposedException">The tensor or its backend was disposed.</exception>
    /// <exception cref="OpenClException">The copy failed.</exception>
    public void Upload(ReadOnlySpan<float> source)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckLength(source.Length, nameof(source));
        Backend.Write(_buffer, source);
    }

    /// <summary>Copies the tensor into host memory, after every operation enqueued on the backend before it has finished.</summary>
    /// <param name="destination">Exactly <see cref="Length"/> values.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> does not hold exactly <see cref="Length"/> values.</exception>
    /// <exception cref="ObjectDisposedException">The tensor or its backend was disposed.</exception>
    /// <exception cref="OpenClException">The copy, or an operation enqueued before it, failed.</exception>
    public void Download(Span<float> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckLength(destination.Length, nameof(destination));
        Backend.Read(_buffer, destination);
    }

    /// <summary>Copies the tensor into a new array (see <see cref="Download"/>).</summary>
    /// <returns>The values.</returns>
    /// <exception cref="ObjectDisposedException">The tensor or its backend was disposed.</exception>
    /// <exception cref="OpenClException">The copy, or an operation enqueued before it, failed.</exception>
    public float[] ToArray()
    {
        var values = new float[Length];
        Download(values);
        return values;
    }

    /// <summary>Frees the device memory (once the operations already enqueued on it have finished).</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _buffer.Dispose();
        }
    }

    private void CheckLength(int length, string name)
    {
        if (length != Length)
        {
            throw new ArgumentException($"{name} has {length} values but the tensor holds {Length}.", name);
        }
    }
}
