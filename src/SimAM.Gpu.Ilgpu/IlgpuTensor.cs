using System;
using ILGPU;
using ILGPU.Runtime;

namespace SimAM.Gpu;

/// <summary>
/// A float tensor in device memory, owned by one <see cref="IlgpuBackend"/>. Pass tensors to the backend's tensor
/// overloads to keep data on the device between calls; copy in and out with <see cref="Upload"/> and <see cref="Download"/>.
/// </summary>
public sealed class IlgpuTensor : IDisposable
{
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _buffer;
    private bool _disposed;

    internal IlgpuTensor(IlgpuBackend backend, MemoryBuffer1D<float, Stride1D.Dense> buffer, int length)
    {
        Backend = backend;
        _buffer = buffer;
        Length = length;
    }

    /// <summary>Gets the backend (accelerator) that owns the tensor.</summary>
    public IlgpuBackend Backend { get; }

    /// <summary>Gets the number of float values.</summary>
    public int Length { get; }

    internal ArrayView1D<float, Stride1D.Dense> View
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _buffer.View;
        }
    }

    /// <summary>Copies host values into the tensor, after the work enqueued before it; returns when the copy is done.</summary>
    /// <param name="source">Exactly <see cref="Length"/> values.</param>
    /// <exception cref="ArgumentException"><paramref name="source"/> does not hold exactly <see cref="Length"/> values.</exception>
    /// <exception cref="ObjectDisposedException">The tensor or its backend was disposed.</exception>
    /// <exception cref="AcceleratorException">The copy failed.</exception>
    public void Upload(ReadOnlySpan<float> source)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckLength(source.Length, nameof(source));
        Backend.Write(_buffer.View, source);
    }

    /// <summary>Copies the tensor into host memory, after every operation enqueued on the backend before it has finished.</summary>
    /// <param name="destination">Exactly <see cref="Length"/> values.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> does not hold exactly <see cref="Length"/> values.</exception>
    /// <exception cref="ObjectDisposedException">The tensor or its backend was disposed.</exception>
    /// <exception cref="AcceleratorException">The copy, or an operation enqueued before it, failed.</exception>
    public void Download(Span<float> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckLength(destination.Length, nameof(destination));
        Backend.Read(_buffer.View, destination);
    }

    /// <summary>Copies the tensor into a new array (see <see cref="Download"/>).</summary>
    /// <returns>The values.</returns>
    /// <exception cref="ObjectDisposedException">The tensor or its backend was disposed.</exception>
    /// <exception cref="AcceleratorException">The copy, or an operation enqueued before it, failed.</exception>
    public float[] ToArray()
    {
        var values = new float[Length];
        Download(values);
        return values;
    }

    /// <summary>Enqueues a device-to-device copy of this tensor into <paramref name="destination"/> (the floor any forward pass is compared with).</summary>
    /// <param name="destination">A tensor of the same backend and length.</param>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> belongs to another backend or has another length.</exception>
    /// <exception cref="ObjectDisposedException">A tensor or the backend was disposed.</exception>
    /// <exception cref="AcceleratorException">The copy could not be enqueued.</exception>
    public void CopyTo(IlgpuTensor destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ObjectDisposedException.ThrowIf(_disposed, this);
        Backend.CheckOwner(destination, nameof(destination));
        destination.CheckLength(Length, nameof(destination));
        Backend.Copy(_buffer.View, destination.View);
    }

    /// <summary>Frees the device memory.</summary>
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
