using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using SimAM.Backends;
using SimAM.Gpu.Ilgpu.Kernels;
using SimAM.Gpu.Ilgpu.Runtime;
using SimAM.Validation;

namespace SimAM.Gpu;

/// <summary>
/// SimAM with kernels written in C# and compiled by ILGPU: on NVIDIA GPUs through CUDA (ILGPU emits PTX, which the
/// driver compiles; no CUDA toolkit is needed), on OpenCL 2.0+ devices that ILGPU accepts, or on ILGPU's CPU
/// accelerator for tests. Implements <see cref="ISimAmBackend"/> with the engine's rules and accuracy bounds, and adds
/// device-resident tensors (<see cref="IlgpuTensor"/>) and statistics (<see cref="IlgpuStatistics"/>) so a training
/// pipeline keeps its data on the GPU.
/// </summary>
/// <remarks>
/// <para>
/// The accelerator is chosen CUDA first, then OpenCL; ILGPU's CPU accelerator runs only when asked for by name
/// (<see cref="CpuDeviceName"/>): it emulates a GPU and is hundreds to thousands of times slower than the SimAM.Cpu engine, so it is
/// for tests. Creating a backend compiles the kernels for the accelerator (the slow step); keep one and reuse it.
/// </para>
/// <para>
/// ILGPU generates code at run time, so this assembly is neither trimming- nor NativeAOT-compatible: a trimmed or
/// AOT publish fails when the first accelerator starts. The engine itself (SimAM.Cpu) is both.
/// </para>
/// <para>
/// Calls on one backend are serialised. The span overloads are synchronous (upload, run, download). The tensor
/// overloads only enqueue on the accelerator's stream; <see cref="IlgpuTensor.Download"/> or <see cref="Synchronize"/>
/// waits for them. The backend keeps the staging buffers of the largest span call until it is disposed.
/// </para>
/// </remarks>
public sealed class IlgpuBackend : ISimAmBackend
{
    /// <summary>The <see cref="IlgpuBackendOptions.DeviceName"/> that selects ILGPU's CPU accelerator: <c>cpu</c>.</summary>
    public const string CpuDeviceName = "cpu";

    private const int DefaultGroupSize = 256;

    // On ILGPU's CPU accelerator every barrier is a hand-off between operating-system threads: with 4 threads per
    // group a 512-plane call takes a tenth of the time it takes with 16 (measured on 2 cores).
    private const int DefaultCpuGroupSize = 4;

    private readonly object _sync = new();
    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly AcceleratorStream _stream;
    private readonly PlaneLaunches _launches;
    private MemoryBuffer1D<float, Stride1D.Dense>? _stagingFirst;
    private MemoryBuffer1D<float, Stride1D.Dense>? _stagingSecond;
    private bool _disposed;

    private IlgpuBackend(Context context, Device device, IlgpuBackendOptions options)
    {
        _context = context;
        Device = IlgpuDevices.Describe(device);
        _accelerator = device.CreateAccelerator(context);
        try
        {
            _stream = _accelerator.DefaultStream;
            var kernels = new KernelSet(_accelerator);
            var wanted = options.GroupSize > 0 ? options.GroupSize : Device.Kind == IlgpuAcceleratorKind.Cpu ? DefaultCpuGroupSize : DefaultGroupSize;
            var maxGroupSize = (int)Math.Min(wanted, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)_accelerator.MaxNumThreadsPerGroup + 1) / 2);
            _launches = new PlaneLaunches(_accelerator, kernels, maxGroupSize, options.GroupsPerPlane);
        }
        catch
        {
            _accelerator.Dispose();
            throw;
        }
    }

    /// <summary>Gets the device the backend runs on.</summary>
    public IlgpuDeviceInfo Device { get; }

    /// <summary>Gets the largest group size the kernels are launched with (small planes get smaller groups).</summary>
    public int MaxGroupSize => _launches.MaxGroupSize;

    /// <inheritdoc/>
    public string Name => $"ilgpu ({Device.Kind}: {Device.Name})";

    /// <summary>Says whether ILGPU finds a GPU here (CUDA, or OpenCL that it accepts), and if not, why.</summary>
    /// <param name="reason">Why not (no CUDA driver, no OpenCL device ILGPU accepts), or the devices found.</param>
    /// <returns>Whether a GPU is usable; ILGPU's CPU accelerator does not count (it is available wherever ILGPU runs).</returns>
    public static bool IsGpuAvailable(out string reason)
    {
        if (!IlgpuDevices.TryList(out var devices, out reason))
        {
            return false;
        }

        foreach (var device in devices)
        {
            if (device.Kind != IlgpuAcceleratorKind.Cpu)
            {
                return true;
            }
        }

        using var context = IlgpuDevices.CreateContext();
        IlgpuDevices.TrySelect(context, null, out _, out reason);
        return false;
    }

    /// <summary>Lists the devices ILGPU can use here: CUDA devices, then OpenCL devices it accepts, then its CPU accelerator.</summary>
    /// <returns>The devices; empty only when ILGPU itself cannot start.</returns>
    public static IReadOnlyList<IlgpuDeviceInfo> GetDevices()
    {
        IlgpuDevices.TryList(out var devices, out _);
        return devices;
    }

    /// <summary>Creates a backend on the first CUDA device (else the first OpenCL device ILGPU accepts), or on the device <paramref name="deviceName"/> names.</summary>
    /// <param name="backend">The backend, or <see langword="null"/> when none could be created.</param>
    /// <param name="reason">Why not (no GPU, no device of that name, an accelerator error), or the device chosen.</param>
    /// <param name="deviceName"><see langword="null"/> for the default choice, <see cref="CpuDeviceName"/> for the CPU accelerator, or part of a GPU's name.</param>
    /// <returns>Whether a backend was created.</returns>
    public static bool TryCreate([NotNullWhen(true)] out IlgpuBackend? backend, out string reason, string? deviceName = null) =>
        TryCreate(new IlgpuBackendOptions { DeviceName = deviceName }, out backend, out reason);

    /// <summary>Creates a backend as <paramref name="options"/> say, or says why it cannot.</summary>
    /// <param name="options">Device selection and launch options.</param>
    /// <param name="backend">The backend, or <see langword="null"/> when none could be created.</param>
    /// <param name="reason">Why not, or the device chosen.</param>
    /// <returns>Whether a backend was created.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public static bool TryCreate(IlgpuBackendOptions options, [NotNullWhen(true)] out IlgpuBackend? backend, out string reason)
    {
        ArgumentNullException.ThrowIfNull(options);
        backend = null;
        Context? context = null;
        try
        {
            context = IlgpuDevices.CreateContext();
            if (!IlgpuDevices.TrySelect(context, options.DeviceName, out var device, out reason))
            {
                context.Dispose();
                return false;
            }

            backend = new IlgpuBackend(context, device, options);
            return true;
        }
#pragma warning disable CA1031 // TryCreate reports every failure (driver, compiler) as a reason.
        catch (Exception e)
#pragma warning restore CA1031
        {
            context?.Dispose();
            reason = $"ILGPU failed ({e.GetType().Name}: {e.Message})";
            return false;
        }
    }

    /// <summary>Creates a backend as <paramref name="options"/> say.</summary>
    /// <param name="options">Device selection and launch options, or <see langword="null"/> for <see cref="IlgpuBackendOptions.Default"/>.</param>
    /// <returns>The backend.</returns>
    /// <exception cref="PlatformNotSupportedException">No GPU ILGPU can use (and the CPU accelerator was not asked for), or no device of that name; the message says which.</exception>
    /// <exception cref="AcceleratorException">The accelerator failed to start or to load the kernels.</exception>
    public static IlgpuBackend Create(IlgpuBackendOptions? options = null)
    {
        options ??= IlgpuBackendOptions.Default;
        var context = IlgpuDevices.CreateContext();
        try
        {
            return IlgpuDevices.TrySelect(context, options.DeviceName, out var device, out var reason)
                ? new IlgpuBackend(context, device, options)
                : throw new PlatformNotSupportedException(reason);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    /// <exception cref="AcceleratorException">The accelerator failed (for example it ran out of memory).</exception>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> shape, float lambda = SimAm.DefaultLambda)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var geometry = CallValidation.Forward(input, output, shape, -1, lambda, SimAmOptions.Default);
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            RunForward(input, output, geometry, lambda, default);
        }
    }

    /// <summary>Applies SimAM and stores each plane's statistics for the backward pass, like <see cref="SimAm"/>'s overload with statistics.</summary>
    /// <param name="input">The tensor x, row-major [N, C, d1, ..., dk].</param>
    /// <param name="output">Receives y; the same length as <paramref name="input"/>, the same buffer or not overlapping it.</param>
    /// <param name="shape">[N, C, d1, ..., dk].</param>
    /// <param name="statistics">Receives each plane's mean and unbiased variance; N × C entries.</param>
    /// <param name="lambda">The regulariser λ &gt; 0.</param>
    /// <exception cref="ArgumentException">The shape or a span length is invalid, or the buffers partially overlap.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive, or λ is not finite and positive.</exception>
    /// <exception cref="ObjectDisposedException">The backend was disposed.</exception>
    /// <exception cref="AcceleratorException">The accelerator failed.</exception>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> shape, Span<PlaneStatistics> statistics, float lambda = SimAm.DefaultLambda)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var geometry = CallValidation.Forward(input, output, shape, statistics.Length, lambda, SimAmOptions.Default);
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            RunForward(input, output, geometry, lambda, MemoryMarshal.Cast<PlaneStatistics, double>(statistics));
        }
    }

    /// <inheritdoc/>
    /// <exception cref="AcceleratorException">The accelerator failed (for example it ran out of memory).</exception>
    public void Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradInput, ReadOnlySpan<int> shape, float lambda = SimAm.DefaultLambda)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var geometry = CallValidation.Backward(input, gradOutput, gradInput, shape, -1, lambda, SimAmOptions.Default);
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            RunBackward(input, gradOutput, gradInput, geometry, lambda, default, saved: false);
        }
    }

    /// <summary>Computes the gradient from the statistics the forward pass stored, like <see cref="SimAm"/>'s overload with statistics.</summary>
    /// <param name="input">The forward pass's input x.</param>
    /// <param name="gradOutput">∂L/∂y.</param>
    /// <param name="gradInput">Receives ∂L/∂x; may be <paramref name="input"/> or <paramref name="gradOutput"/> itself.</param>
    /// <param name="shape">[N, C, d1, ..., dk].</param>
    /// <param name="statistics">The forward pass's statistics of <paramref name="input"/>; N × C entries.</param>
    /// <param name="lambda">The λ of the forward pass.</param>
    /// <exception cref="ArgumentException">The shape or a span length is invalid, or the buffers partially overlap.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive, or λ is not finite and positive.</exception>
    /// <exception cref="ObjectDisposedException">The backend was disposed.</exception>
    /// <exception cref="AcceleratorException">The accelerator failed.</exception>
    public void Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradInput, ReadOnlySpan<int> shape, ReadOnlySpan<PlaneStatistics> statistics, float lambda = SimAm.DefaultLambda)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var geometry = CallValidation.Backward(input, gradOutput, gradInput, shape, statistics.Length, lambda, SimAmOptions.Default);
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            RunBackward(input, gradOutput, gradInput, geometry, lambda, MemoryMarshal.Cast<PlaneStatistics, double>(statistics), saved: true);
        }
    }

    /// <summary>Allocates an uninitialised float tensor on the device.</summary>
    /// <param name="length">The number of values.</param>
    /// <returns>The tensor; dispose it to free the device memory.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is not positive.</exception>
    /// <exception cref="ObjectDisposedException">The backend was disposed.</exception>
    /// <exception cref="AcceleratorException">The device could not allocate the buffer.</exception>
    public IlgpuTensor CreateTensor(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return new IlgpuTensor(this, _accelerator.Allocate1D<float>(length), length);
        }
    }

    /// <summary>Allocates a tensor on the device holding a copy of <paramref name="values"/>.</summary>
    /// <param name="values">The values to copy; at least one.</param>
    /// <returns>The tensor; dispose it to free the device memory.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="values"/> is empty.</exception>
    /// <exception cref="ObjectDisposedException">The backend was disposed.</exception>
    /// <exception cref="AcceleratorException">The device could not allocate or fill the buffer.</exception>
    public IlgpuTensor Upload(ReadOnlySpan<float> values)
    {
        var tensor = CreateTensor(values.Length);
        try
        {
            tensor.Upload(values);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>Allocates device storage for the statistics of <paramref name="planeCount"/> planes (uninitialised).</summary>
    /// <param name="planeCount">N × C of the tensors it will serve (<see cref="SimAm.PlaneCount(ReadOnlySpan{int})"/>).</param>
    /// <returns>The statistics; dispose them to free the device memory.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="planeCount"/> is not positive.</exception>
    /// <exception cref="ObjectDisposedException">The backend was disposed.</exception>
    /// <exception cref="AcceleratorException">The device could not allocate the buffer.</exception>
    public IlgpuStatistics CreateStatistics(int planeCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(planeCount);
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return new IlgpuStatistics(this, _accelerator.Allocate1D<double>(2L * planeCount), planeCount);
        }
    }

    /// <summary>Enqueues SimAM over device tensors; <paramref name="output"/> may be <paramref name="input"/> itself (in place).</summary>
    /// <param name="input">The tensor x, row-major [N, C, d1, ..., dk].</param>
    /// <param name="output">Receives y.</param>
    /// <param name="shape">[N, C, d1, ..., dk].</param>
    /// <param name="lambda">The regulariser λ &gt; 0.</param>
    /// <exception cref="ArgumentNullException">A tensor is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shape is invalid, a tensor's length does not match it, or a tensor belongs to another backend.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive, or λ is not finite and positive.</exception>
    /// <exception cref="ObjectDisposedException">The backend or a tensor was disposed.</exception>
    /// <exception cref="AcceleratorException">The accelerator failed.</exception>
    public void Forward(IlgpuTensor input, IlgpuTensor output, ReadOnlySpan<int> shape, float lambda = SimAm.DefaultLambda) =>
        Forward(input, output, shape, null, lambda);

    /// <summary>
    /// Enqueues SimAM over device tensors and stores each plane's statistics on the device for <see cref="Backward(IlgpuTensor, IlgpuTensor, IlgpuTensor, ReadOnlySpan{int}, IlgpuStatistics, float)"/>;
    /// <paramref name="output"/> may be <paramref name="input"/> itself.
    /// </summary>
    /// <param name="input">The tensor x, row-major [N, C, d1, ..., dk].</param>
    /// <param name="output">Receives y.</param>
    /// <param name="shape">[N, C, d1, ..., dk].</param>
    /// <param name="statistics">Receives each plane's mean and unbiased variance, or <see langword="null"/> to keep none.</param>
    /// <param name="lambda">The regulariser λ &gt; 0.</param>
    /// <exception cref="ArgumentNullException">A tensor is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shape is invalid, a tensor's length or the statistics' plane count does not match it, or an argument belongs to another backend.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive, or λ is not finite and positive.</exception>
    /// <exception cref="ObjectDisposedException">The backend, a tensor or the statistics were disposed.</exception>
    /// <exception cref="AcceleratorException">The accelerator failed.</exception>
    public void Forward(IlgpuTensor input, IlgpuTensor output, ReadOnlySpan<int> shape, IlgpuStatistics? statistics, float lambda = SimAm.DefaultLambda)
    {
        var geometry = CheckTensors(shape, lambda, statistics, (input, nameof(input)), (output, nameof(output)));
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var stats = statistics?.View ?? _launches.ScratchStatistics(geometry.PlaneCount);
            _launches.Forward(input.View, output.View, stats, geometry.PlaneCount, geometry.PlaneSize, lambda);
        }
    }

    /// <summary>
    /// Enqueues the gradient over device tensors, recomputing the statistics; <paramref name="gradInput"/> may be
    /// <paramref name="input"/> or <paramref name="gradOutput"/> itself.
    /// </summary>
    /// <param name="input">The forward pass's input x.</param>
    /// <param name="gradOutput">∂L/∂y.</param>
    /// <param name="gradInput">Receives ∂L/∂x.</param>
    /// <param name="shape">[N, C, d1, ..., dk].</param>
    /// <param name="lambda">The λ of the forward pass.</param>
    /// <exception cref="ArgumentNullException">A tensor is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shape is invalid, a tensor's length does not match it, or a tensor belongs to another backend.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive, or λ is not finite and positive.</exception>
    /// <exception cref="ObjectDisposedException">The backend or a tensor was disposed.</exception>
    /// <exception cref="AcceleratorException">The accelerator failed.</exception>
    public void Backward(IlgpuTensor input, IlgpuTensor gradOutput, IlgpuTensor gradInput, ReadOnlySpan<int> shape, float lambda = SimAm.DefaultLambda) =>
        Backward(input, gradOutput, gradInput, shape, null, lambda);

    /// <summary>
    /// Enqueues the gradient over device tensors from the statistics the forward pass stored (or, with
    /// <see langword="null"/>, recomputing them); <paramref name="gradInput"/> may be <paramref name="input"/> or
    /// <paramref name="gradOutput"/> itself.
    /// </summary>
    /// <param name="input">The forward pass's input x.</param>
    /// <param name="gradOutput">∂L/∂y.</param>
    /// <param name="gradInput">Receives ∂L/∂x.</param>
    /// <param name="shape">[N, C, d1, ..., dk].</param>
    /// <param name="statistics">The forward pass's statistics of <paramref name="input"/>, or <see langword="null"/> to recompute them.</param>
    /// <param name="lambda">The λ of the forward pass.</param>
    /// <exception cref="ArgumentNullException">A tensor is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shape is invalid, a tensor's length or the statistics' plane count does not match it, or an argument belongs to another backend.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive, or λ is not finite and positive.</exception>
    /// <exception cref="ObjectDisposedException">The backend, a tensor or the statistics were disposed.</exception>
    /// <exception cref="AcceleratorException">The accelerator failed.</exception>
    public void Backward(IlgpuTensor input, IlgpuTensor gradOutput, IlgpuTensor gradInput, ReadOnlySpan<int> shape, IlgpuStatistics? statistics, float lambda = SimAm.DefaultLambda)
    {
        var geometry = CheckTensors(shape, lambda, statistics, (input, nameof(input)), (gradOutput, nameof(gradOutput)), (gradInput, nameof(gradInput)));
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var stats = statistics?.View ?? _launches.ScratchStatistics(geometry.PlaneCount);
            _launches.Backward(input.View, gradOutput.View, gradInput.View, stats, statistics is not null, geometry.PlaneCount, geometry.PlaneSize, lambda);
        }
    }

    /// <summary>Enqueues <paramref name="sum"/> = <paramref name="left"/> + <paramref name="right"/>: the 3-stream floor (two reads, one write) the backward pass is compared with.</summary>
    /// <param name="left">The first tensor.</param>
    /// <param name="right">The second tensor, of the same length.</param>
    /// <param name="sum">Receives the sum; may be either input.</param>
    /// <exception cref="ArgumentNullException">A tensor is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The lengths differ, or a tensor belongs to another backend.</exception>
    /// <exception cref="ObjectDisposedException">The backend or a tensor was disposed.</exception>
    /// <exception cref="AcceleratorException">The accelerator failed.</exception>
    public void Add(IlgpuTensor left, IlgpuTensor right, IlgpuTensor sum)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        ArgumentNullException.ThrowIfNull(sum);
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var (tensor, name) in new[] { (left, nameof(left)), (right, nameof(right)), (sum, nameof(sum)) })
        {
            CheckOwner(tensor, name);
            if (tensor.Length != left.Length)
            {
                throw new ArgumentException($"{name} has {tensor.Length} values but {nameof(left)} has {left.Length}.", name);
            }
        }

        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _launches.Add(left.View, right.View, sum.View);
        }
    }

    /// <summary>Waits until every operation enqueued on this backend has finished.</summary>
    /// <exception cref="ObjectDisposedException">The backend was disposed.</exception>
    /// <exception cref="AcceleratorException">An operation failed.</exception>
    public void Synchronize()
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _stream.Synchronize();
        }
    }

    /// <summary>Waits for enqueued work, then releases the buffers, the accelerator and the ILGPU context. Tensors and statistics of this backend become unusable.</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _stream.Synchronize();
            _stagingFirst?.Dispose();
            _stagingSecond?.Dispose();
            _launches.Dispose();
            _accelerator.Dispose();
            _context.Dispose();
        }
    }

    /// <summary>Copies host values into device memory, under this backend's lock, and waits for the copy.</summary>
    internal void Write<T>(ArrayView1D<T, Stride1D.Dense> target, ReadOnlySpan<T> source)
        where T : unmanaged
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            target.SubView(0, source.Length).CopyFromCPU(_stream, source);
            _stream.Synchronize();
        }
    }

    /// <summary>Copies device memory into host memory once the work enqueued before has finished.</summary>
    internal void Read<T>(ArrayView1D<T, Stride1D.Dense> source, Span<T> destination)
        where T : unmanaged
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            source.SubView(0, destination.Length).CopyToCPU(_stream, destination);
            _stream.Synchronize();
        }
    }

    /// <summary>Enqueues a device-to-device copy.</summary>
    internal void Copy(ArrayView1D<float, Stride1D.Dense> source, ArrayView1D<float, Stride1D.Dense> destination)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            source.CopyTo(_stream, destination);
        }
    }

    /// <summary>Refuses a tensor another backend created: its memory belongs to another accelerator.</summary>
    internal void CheckOwner(IlgpuTensor tensor, string name)
    {
        if (!ReferenceEquals(tensor.Backend, this))
        {
            throw new ArgumentException($"{name} was created by another IlgpuBackend; tensors cannot move between accelerators.", name);
        }
    }

    /// <summary>Gets the launch layout a call of this size would use (for tests).</summary>
    internal SplitLayout Layout(int planes, int planeSize) => _launches.Layout(planes, planeSize);

    private void RunForward(ReadOnlySpan<float> input, Span<float> output, in TensorGeometry geometry, float lambda, Span<double> statistics)
    {
        // One staging buffer: the kernels run in place.
        var buffer = ScratchBuffers.AtLeast(_accelerator, ref _stagingFirst, geometry.ElementCount);
        buffer.CopyFromCPU(_stream, input);
        var stats = _launches.ScratchStatistics(geometry.PlaneCount);
        _launches.Forward(buffer, buffer, stats, geometry.PlaneCount, geometry.PlaneSize, lambda);
        buffer.CopyToCPU(_stream, output);
        if (!statistics.IsEmpty)
        {
            stats.CopyToCPU(_stream, statistics);
        }

        _stream.Synchronize();
    }

    private void RunBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradInput, in TensorGeometry geometry, float lambda, ReadOnlySpan<double> statistics, bool saved)
    {
        var x = ScratchBuffers.AtLeast(_accelerator, ref _stagingFirst, geometry.ElementCount);
        var g = ScratchBuffers.AtLeast(_accelerator, ref _stagingSecond, geometry.ElementCount);
        x.CopyFromCPU(_stream, input);
        g.CopyFromCPU(_stream, gradOutput);
        var stats = _launches.ScratchStatistics(geometry.PlaneCount);
        if (saved)
        {
            stats.CopyFromCPU(_stream, statistics);
        }

        // dx overwrites g on the device: the kernels allow dx to alias x or g.
        _launches.Backward(x, g, g, stats, saved, geometry.PlaneCount, geometry.PlaneSize, lambda);
        g.CopyToCPU(_stream, gradInput);
        _stream.Synchronize();
    }

    /// <summary>
    /// The checks of a tensor overload, in this order: no tensor is null, the backend is not disposed, the shape and λ
    /// are valid, every tensor is this backend's and as long as the shape says, and so are the statistics if any.
    /// </summary>
    private TensorGeometry CheckTensors(ReadOnlySpan<int> shape, float lambda, IlgpuStatistics? statistics, params ReadOnlySpan<(IlgpuTensor Tensor, string Name)> tensors)
    {
        foreach (var (tensor, name) in tensors)
        {
            ArgumentNullException.ThrowIfNull(tensor, name);
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        var geometry = CallValidation.Shape(shape, lambda);
        foreach (var (tensor, name) in tensors)
        {
            CheckOwner(tensor, name);
            ArgumentChecks.Length(tensor.Length, name, geometry, shape);
        }

        if (statistics is not null)
        {
            if (!ReferenceEquals(statistics.Backend, this))
            {
                throw new ArgumentException("statistics were created by another IlgpuBackend; they cannot move between accelerators.", nameof(statistics));
            }

            ArgumentChecks.StatisticsLength(statistics.PlaneCount, nameof(statistics), geometry);
        }

        return geometry;
    }
}
