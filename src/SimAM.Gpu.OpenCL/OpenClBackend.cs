using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using SimAM.Backends;
using SimAM.Gpu.Interop;
using SimAM.Gpu.Kernels;
using SimAM.Validation;

namespace SimAM.Gpu;

/// <summary>
/// SimAM on an OpenCL device: any GPU with an OpenCL 1.2 driver (NVIDIA, AMD, Intel, ARM Mali,
/// Qualcomm Adreno), or a CPU through POCL. Implements <see cref="ISimAmBackend"/> with the engine's
/// rules and accuracy bounds, and adds device-resident tensors (<see cref="OpenClTensor"/>) so a
/// pipeline can keep its data on the device between calls.
/// </summary>
/// <remarks>
/// <para>
/// Creating a backend selects a device, creates a context and command queue, and builds the kernels
/// once (the slow step: POCL compiles them with LLVM). Keep one backend and reuse it.
/// </para>
/// <para>
/// Calls on one backend are serialised (a backend owns one in-order command queue). The span overloads
/// are synchronous: they upload, run and download before returning. The <see cref="OpenClTensor"/>
/// overloads only enqueue; <see cref="OpenClTensor.Download"/> or <see cref="Finish"/> waits for them.
/// The backend keeps the staging buffers of the largest span call until it is disposed.
/// </para>
/// </remarks>
public sealed class OpenClBackend : ISimAmBackend
{
    private const int DefaultWorkGroupSize = 256;

    private readonly object _sync = new();
    private readonly ContextHandle _context;
    private readonly CommandQueueHandle _queue;
    private readonly SimAmProgram _program;
    private readonly PlaneLaunches _launches;
    private DeviceBuffer? _stagingFirst;
    private DeviceBuffer? _stagingSecond;
    private bool _disposed;

    private unsafe OpenClBackend(OpenClDeviceInfo device, OpenClBackendOptions options, bool float64)
    {
        Device = device;
        var properties = stackalloc nint[3] { OpenClConstants.ContextPlatform, device.PlatformId, 0 };
        var deviceId = device.DeviceId;
        int status;
        _context = OpenClNative.clCreateContext(properties, 1, &deviceId, 0, 0, &status);
        OpenClErrors.Check(status, "clCreateContext");
        try
        {
            _queue = OpenClNative.clCreateCommandQueue(_context, deviceId, 0, &status);
            OpenClErrors.Check(status, "clCreateCommandQueue");
            _program = SimAmProgram.Build(_context, device, float64, options.WorkGroupSize > 0 ? options.WorkGroupSize : DefaultWorkGroupSize);
            _launches = new PlaneLaunches(_context, _queue, _program, device.ComputeUnits, options.GroupsPerPlane);
        }
        catch
        {
            _queue?.Dispose();
            _context.Dispose();
            throw;
        }
    }

    /// <summary>Gets the device the backend runs on.</summary>
    public OpenClDeviceInfo Device { get; }

    /// <summary>Planes shorter than this take the double-precision path of the backward pass (the engine's limit too).</summary>
    private const int SmallPlane = 16;

    /// <summary>Gets how the kernels accumulate the plane sums: <see cref="OpenClAccumulation.DoublePrecision"/> or <see cref="OpenClAccumulation.CompensatedSinglePrecision"/>.</summary>
    public OpenClAccumulation Accumulation => _program.Float64 ? OpenClAccumulation.DoublePrecision : OpenClAccumulation.CompensatedSinglePrecision;

    /// <summary>Gets the work-group size the kernels were built for.</summary>
    public int WorkGroupSize => _program.WorkGroupSize;

    /// <inheritdoc/>
    public string Name => $"opencl ({Device.Name}, {Device.Platform}, {(_program.Float64 ? "fp64 sums" : "compensated fp32 sums")})";

    /// <summary>Says whether an OpenCL device can be used here, and if not, why.</summary>
    /// <param name="reason">
    /// Why not: "no OpenCL runtime (...)" when the loader library is missing, "no OpenCL platform (...)" when it has no
    /// driver, "no OpenCL device (...)" when the drivers report no usable device; or, when available, the devices found.
    /// </param>
    /// <returns>Whether at least one usable OpenCL device exists.</returns>
    public static bool IsAvailable(out string reason) => OpenClDevices.TryList(out _, out reason);

    /// <summary>Lists the usable OpenCL devices, in the order the default selection prefers them (GPUs first).</summary>
    /// <returns>The devices; empty when there is none (<see cref="IsAvailable"/> says why).</returns>
    public static IReadOnlyList<OpenClDeviceInfo> GetDevices()
    {
        OpenClDevices.TryList(out var devices, out _);
        return devices;
    }

    /// <summary>Creates a backend on the first GPU (else any device), or on the first device whose name contains <paramref name="deviceName"/>.</summary>
    /// <param name="backend">The backend, or <see langword="null"/> when none could be created.</param>
    /// <param name="reason">Why not (no OpenCL runtime, no platform, no device, no device of that name, an OpenCL error), or the device chosen.</param>
    /// <param name="deviceName">A case-insensitive part of the device name, or <see langword="null"/> for the default choice.</param>
    /// <returns>Whether a backend was created.</returns>
    public static bool TryCreate([NotNullWhen(true)] out OpenClBackend? backend, out string reason, string? deviceName = null) =>
        TryCreate(new OpenClBackendOptions { DeviceName = deviceName }, out backend, out reason);

    /// <summary>Creates a backend as <paramref name="options"/> say, or says why it cannot.</summary>
    /// <param name="options">Device selection and kernel options.</param>
    /// <param name="backend">The backend, or <see langword="null"/> when none could be created.</param>
    /// <param name="reason">Why not, or the device chosen.</param>
    /// <returns>Whether a backend was created.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public static bool TryCreate(OpenClBackendOptions options, [NotNullWhen(true)] out OpenClBackend? backend, out string reason)
    {
        ArgumentNullException.ThrowIfNull(options);
        backend = null;
        if (!TrySelect(options, out var device, out var float64, out reason))
        {
            return false;
        }

        try
        {
            backend = new OpenClBackend(device, options, float64);
            return true;
        }
        catch (OpenClException e)
        {
            reason = $"OpenCL failed on {device.Name}: {e.Message}";
            return false;
        }
    }

    /// <summary>Creates a backend as <paramref name="options"/> say.</summary>
    /// <param name="options">Device selection and kernel options, or <see langword="null"/> for <see cref="OpenClBackendOptions.Default"/>.</param>
    /// <returns>The backend.</returns>
    /// <exception cref="PlatformNotSupportedException">No OpenCL runtime, platform or matching device, or no double precision where it was required; the message says which.</exception>
    /// <exception cref="OpenClException">An OpenCL call failed, for example the kernels did not build (see <see cref="OpenClException.BuildLog"/>).</exception>
    public static OpenClBackend Create(OpenClBackendOptions? options = null)
    {
        options ??= OpenClBackendOptions.Default;
        return TrySelect(options, out var device, out var float64, out var reason)
            ? new OpenClBackend(device, options, float64)
            : throw new PlatformNotSupportedException(reason);
    }

    /// <inheritdoc/>
    /// <exception cref="OpenClException">An OpenCL call failed (for example the device ran out of memory).</exception>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> shape, float lambda = SimAm.DefaultLambda)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var geometry = CallValidation.Forward(input, output, shape, -1, lambda, SimAmOptions.Default);
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // One staging buffer: the kernels run in place.
            var buffer = DeviceBuffer.AtLeast(_context, ref _stagingFirst, (long)geometry.ElementCount * sizeof(float));
            buffer.Write(_queue, input);
            _launches.Forward(buffer.Handle, buffer.Handle, geometry.PlaneCount, geometry.PlaneSize, lambda);
            buffer.Read(_queue, output);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="OpenClException">An OpenCL call failed (for example the device ran out of memory).</exception>
    public void Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradInput, ReadOnlySpan<int> shape, float lambda = SimAm.DefaultLambda)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var geometry = CallValidation.Backward(input, gradOutput, gradInput, shape, -1, lambda, SimAmOptions.Default);
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var bytes = (long)geometry.ElementCount * sizeof(float);
            var x = DeviceBuffer.AtLeast(_context, ref _stagingFirst, bytes);
            var g = DeviceBuffer.AtLeast(_context, ref _stagingSecond, bytes);
            x.Write(_queue, input);
            g.Write(_queue, gradOutput);

            if (SmallPlanesOnHost(geometry.PlaneSize))
            {
                SimAm.Backward(input, gradOutput, gradInput, shape, lambda);
                return;
            }

            // dx overwrites g on the device: the kernels allow dx to alias x or g.
            _launches.Backward(x.Handle, g.Handle, g.Handle, geometry.PlaneCount, geometry.PlaneSize, lambda);
            g.Read(_queue, gradInput);
        }
    }

    /// <summary>Allocates an uninitialised float tensor on the device.</summary>
    /// <param name="length">The number of values.</param>
    /// <returns>The tensor; dispose it to free the device memory.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is not positive.</exception>
    /// <exception cref="ObjectDisposedException">The backend was disposed.</exception>
    /// <exception cref="OpenClException">The device could not allocate the buffer.</exception>
    public OpenClTensor CreateTensor(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return new OpenClTensor(this, DeviceBuffer.Create(_context, (long)length * sizeof(float)), length);
        }
    }

    /// <summary>Allocates a tensor on the device holding a copy of <paramref name="values"/>.</summary>
    /// <param name="values">The values to copy; at least one.</param>
    /// <returns>The tensor; dispose it to free the device memory.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="values"/> is empty.</exception>
    /// <exception cref="ObjectDisposedException">The backend was disposed.</exception>
    /// <exception cref="OpenClException">The device could not allocate or fill the buffer.</exception>
    public OpenClTensor Upload(ReadOnlySpan<float> values)
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

    /// <summary>Enqueues SimAM over device tensors; <paramref name="output"/> may be <paramref name="input"/> itself (in place).</summary>
    /// <param name="input">The tensor x, row-major [N, C, d1, ..., dk].</param>
    /// <param name="output">Receives y.</param>
    /// <param name="shape">[N, C, d1, ..., dk].</param>
    /// <param name="lambda">The regulariser λ &gt; 0.</param>
    /// <exception cref="ArgumentNullException">A tensor is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shape is invalid, a tensor's length does not match it, or a tensor belongs to another backend.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive, or λ is not finite and positive.</exception>
    /// <exception cref="ObjectDisposedException">The backend or a tensor was disposed.</exception>
    /// <exception cref="OpenClException">An OpenCL call failed.</exception>
    public void Forward(OpenClTensor input, OpenClTensor output, ReadOnlySpan<int> shape, float lambda = SimAm.DefaultLambda)
    {
        var geometry = CheckTensors(shape, lambda, (input, nameof(input)), (output, nameof(output)));
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _launches.Forward(input.Handle, output.Handle, geometry.PlaneCount, geometry.PlaneSize, lambda);
        }
    }

    /// <summary>
    /// Enqueues the gradient over device tensors; <paramref name="gradInput"/> may be <paramref name="input"/> or
    /// <paramref name="gradOutput"/> itself.
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
    /// <exception cref="OpenClException">An OpenCL call failed.</exception>
    public void Backward(OpenClTensor input, OpenClTensor gradOutput, OpenClTensor gradInput, ReadOnlySpan<int> shape, float lambda = SimAm.DefaultLambda)
    {
        var geometry = CheckTensors(shape, lambda, (input, nameof(input)), (gradOutput, nameof(gradOutput)), (gradInput, nameof(gradInput)));
        if (SmallPlanesOnHost(geometry.PlaneSize))
        {
            BackwardOnHost(input, gradOutput, gradInput, shape, lambda, geometry.ElementCount);
            return;
        }

        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _launches.Backward(input.Handle, gradOutput.Handle, gradInput.Handle, geometry.PlaneCount, geometry.PlaneSize, lambda);
        }
    }

    /// <summary>
    /// Gets a value indicating whether a backward pass over planes of <paramref name="planeSize"/> values runs on the host:
    /// planes under 16 values need double precision to meet the accuracy bound (their terms cancel; see simam.cl), so a
    /// device without it hands them to the CPU engine, whose small-plane path is double. Such planes are cheap anywhere.
    /// </summary>
    private bool SmallPlanesOnHost(int planeSize) => !_program.Float64 && planeSize < SmallPlane;

    /// <summary>The device tensors' backward pass on the host (see <see cref="SmallPlanesOnHost"/>): download, compute, upload.</summary>
    private static void BackwardOnHost(OpenClTensor input, OpenClTensor gradOutput, OpenClTensor gradInput, ReadOnlySpan<int> shape, float lambda, long count)
    {
        var x = new float[count];
        var g = new float[count];
        input.Download(x);
        gradOutput.Download(g);
        SimAm.Backward(x, g, g, shape, lambda);
        gradInput.Upload(g);
    }

    /// <summary>Waits until every command enqueued on this backend has finished.</summary>
    /// <exception cref="ObjectDisposedException">The backend was disposed.</exception>
    /// <exception cref="OpenClException">A command failed.</exception>
    public void Finish()
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            OpenClErrors.Check(OpenClNative.clFinish(_queue), "clFinish");
        }
    }

    /// <summary>Waits for enqueued work, then releases the kernels, buffers, queue and context. Tensors of this backend become unusable.</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _ = OpenClNative.clFinish(_queue);
            _stagingFirst?.Dispose();
            _stagingSecond?.Dispose();
            _launches.Dispose();
            _program.Dispose();
            _queue.Dispose();
            _context.Dispose();
        }
    }

    /// <summary>Copies host values into a tensor's buffer, under this backend's lock (used by <see cref="OpenClTensor"/>).</summary>
    internal void Write(DeviceBuffer buffer, ReadOnlySpan<float> source)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            buffer.Write(_queue, source);
        }
    }

    /// <summary>Copies a tensor's buffer into host memory once the work enqueued before has finished.</summary>
    internal void Read(DeviceBuffer buffer, Span<float> destination)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            buffer.Read(_queue, destination);
        }
    }

    /// <summary>Picks the device and the accumulation the options ask for.</summary>
    private static bool TrySelect(OpenClBackendOptions options, [NotNullWhen(true)] out OpenClDeviceInfo? device, out bool float64, out string reason)
    {
        float64 = false;
        if (!OpenClDevices.TrySelect(options.DeviceName, out device, out reason))
        {
            return false;
        }

        float64 = options.Accumulation switch
        {
            OpenClAccumulation.DoublePrecision => true,
            OpenClAccumulation.CompensatedSinglePrecision => false,
            _ => device.SupportsDouble,
        };
        if (float64 && !device.SupportsDouble)
        {
            reason = $"the OpenCL device {device.Name} has no double precision (cl_khr_fp64); use OpenClAccumulation.Auto or CompensatedSinglePrecision";
            device = null;
            return false;
        }

        return true;
    }

    /// <summary>Gets the context (for tests that build their own programs).</summary>
    internal ContextHandle Context => _context;

    /// <summary>Gets the launch layout a call of this size would use (for tests).</summary>
    internal SplitLayout Layout(int planes, int planeSize) => _launches.Layout(planes, planeSize);

    /// <summary>
    /// The checks of a tensor overload, in this order: no tensor is null, the backend is not disposed, the shape and λ
    /// are valid, and every tensor is this backend's and as long as the shape says.
    /// </summary>
    private TensorGeometry CheckTensors(ReadOnlySpan<int> shape, float lambda, params ReadOnlySpan<(OpenClTensor Tensor, string Name)> tensors)
    {
        foreach (var (tensor, name) in tensors)
        {
            ArgumentNullException.ThrowIfNull(tensor, name);
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        var geometry = CallValidation.Shape(shape, lambda);
        foreach (var (tensor, name) in tensors)
        {
            if (!ReferenceEquals(tensor.Backend, this))
            {
                throw new ArgumentException($"{name} was created by another OpenClBackend; tensors cannot move between backends (contexts).", name);
            }

            ArgumentChecks.Length(tensor.Length, name, geometry, shape);
        }

        return geometry;
    }
}
