using System;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace SimAM.Gpu;

/// <summary>
/// The per-plane statistics (mean and unbiased variance, <see cref="PlaneStatistics"/>) in device memory, owned by one
/// <see cref="IlgpuBackend"/>: a forward pass stores them, the backward pass reads them instead of recomputing them
/// (16 bytes per plane, no extra pass over x).
/// </summary>
public sealed class IlgpuStatistics : IDisposable
{
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _buffer;
    private bool _disposed;

    internal IlgpuStatistics(IlgpuBackend backend, MemoryBuffer1D<double, Stride1D.Dense> buffer, int planeCount)
    {
        Backend = backend;
        _buffer = buffer;
        PlaneCount = planeCount;
    }

    /// <summary>Gets the backend (accelerator) that owns the statistics.</summary>
    public IlgpuBackend Backend { get; }

    /// <summary>Gets the number of planes (N × C).</summary>
    public int PlaneCount { get; }

    internal ArrayView1D<double, Stride1D.Dense> View
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _buffer.View;
        }
    }

    /// <summary>Copies host statistics (for example from <see cref="SimAm"/>'s forward pass) to the device.</summary>
    /// <param name="source">Exactly <see cref="PlaneCount"/> entries.</param>
    /// <exception cref="ArgumentException"><paramref name="source"/> does not hold exactly <see cref="PlaneCount"/> entries.</exception>
    /// <exception cref="ObjectDisposedException">The statistics or their backend were disposed.</exception>
    /// <exception cref="AcceleratorException">The copy failed.</exception>
    public void Upload(ReadOnlySpan<PlaneStatistics> source)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckLength(source.Length, nameof(source));
        Backend.Write(_buffer.View, MemoryMarshal.Cast<PlaneStatistics, double>(source));
    }

    /// <summary>Copies the statistics to host memory, after every operation enqueued on the backend before it has finished.</summary>
    /// <param name="destination">Exactly <see cref="PlaneCount"/> entries.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> does not hold exactly <see cref="PlaneCount"/> entries.</exception>
    /// <exception cref="ObjectDisposedException">The statistics or their backend were disposed.</exception>
    /// <exception cref="AcceleratorException">The copy, or an operation enqueued before it, failed.</exception>
    public void Download(Span<PlaneStatistics> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckLength(destination.Length, nameof(destination));
        Backend.Read(_buffer.View, MemoryMarshal.Cast<PlaneStatistics, double>(destination));
    }

    /// <summary>Copies the statistics into a new array (see <see cref="Download"/>).</summary>
    /// <returns>One entry per plane.</returns>
    /// <exception cref="ObjectDisposedException">The statistics or their backend were disposed.</exception>
    /// <exception cref="AcceleratorException">The copy, or an operation enqueued before it, failed.</exception>
    public PlaneStatistics[] ToArray()
    {
        var values = new PlaneStatistics[PlaneCount];
        Download(values);
        return values;
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
        if (length != PlaneCount)
        {
            throw new ArgumentException($"{name} has {length} entries but the statistics hold {PlaneCount} planes.", name);
        }
    }
}
