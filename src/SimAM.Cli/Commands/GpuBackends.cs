using System;
using ILGPU.Runtime;
using SimAM.Backends;
using SimAM.Gpu;

namespace SimAM.Cli.Commands;

/// <summary>
/// Starts the GPU backend a command asked for and turns its failures into one-line errors. Kept apart from the
/// commands so that a CPU run never loads the GPU assemblies (ILGPU alone is 2 MB of IL to load).
/// </summary>
internal static class GpuBackends
{
    /// <summary>Starts the chosen GPU backend on the chosen device.</summary>
    /// <param name="backend">OpenCL or ILGPU.</param>
    /// <param name="device">The <c>--device</c> value, or <see langword="null"/> for the backend's default device.</param>
    /// <returns>The backend; the caller disposes it.</returns>
    /// <exception cref="CliException">The backend has no such device, or could not start: the reason in one line.</exception>
    public static ISimAmBackend Create(BackendKind backend, string? device) => backend switch
    {
        BackendKind.OpenCl => CreateOpenCl(device),
        BackendKind.Ilgpu => CreateIlgpu(device),
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "not a GPU backend"),
    };

    /// <summary>Starts the OpenCL backend on the chosen device (builds its kernels).</summary>
    /// <param name="device">Part of the device's name, or <see langword="null"/> for the default device.</param>
    /// <returns>The backend; the caller disposes it.</returns>
    /// <exception cref="CliException">No OpenCL runtime, platform or matching device, or the kernels did not build: the reason in one line.</exception>
    public static OpenClBackend CreateOpenCl(string? device) =>
        OpenClBackend.TryCreate(out var backend, out var reason, device)
            ? backend
            : throw new CliException($"OpenCL backend unavailable: {reason}");

    /// <summary>Starts the ILGPU backend (compiles its kernels).</summary>
    /// <param name="device">Part of a device's name, <c>cpu</c> for ILGPU's CPU accelerator, or <see langword="null"/> for the first GPU.</param>
    /// <returns>The backend; the caller disposes it.</returns>
    /// <exception cref="CliException">No GPU ILGPU can use, no device of that name, or the accelerator failed to start.</exception>
    public static IlgpuBackend CreateIlgpu(string? device) =>
        IlgpuBackend.TryCreate(out var backend, out var reason, device)
            ? backend
            : throw new CliException($"ILGPU backend unavailable: {reason}");

    /// <summary>Runs <paramref name="call"/> and turns OpenCL and ILGPU failures into one-line errors.</summary>
    /// <param name="call">What to run.</param>
    /// <exception cref="CliException">A GPU backend failed during the call.</exception>
    public static void Guard(Action call)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            call();
        }
        catch (OpenClException exception)
        {
            throw FromOpenCl(exception);
        }
        catch (AcceleratorException exception)
        {
            throw FromIlgpu(exception);
        }
    }

    /// <summary>Runs <paramref name="call"/> with a freshly started backend and disposes it; device failures become one-line errors.</summary>
    /// <param name="backend">OpenCL or ILGPU.</param>
    /// <param name="device">The <c>--device</c> value.</param>
    /// <param name="call">What to run.</param>
    /// <exception cref="CliException">The backend could not start, or failed during the call.</exception>
    public static void Run(BackendKind backend, string? device, Action<ISimAmBackend> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        using var started = Create(backend, device);
        Guard(() => call(started));
    }

    /// <summary>Turns an OpenCL failure during a call (for example the device running out of memory) into a one-line error.</summary>
    /// <param name="exception">The failure.</param>
    /// <returns>The error.</returns>
    public static CliException FromOpenCl(OpenClException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new CliException($"OpenCL backend failed: {exception.Message}", exception);
    }

    /// <summary>Turns an ILGPU failure during a call (for example the device running out of memory) into a one-line error.</summary>
    /// <param name="exception">The failure.</param>
    /// <returns>The error.</returns>
    public static CliException FromIlgpu(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new CliException($"ILGPU backend failed: {CliException.OneLine(exception.Message)}", exception);
    }
}
