using System;
using SimAM.Backends;
using SimAM.Cli.Npy;

namespace SimAM.Cli.Commands;

/// <summary>
/// The engine calls behind <c>forward</c> and <c>backward</c>: on the CPU engine with whichever dtype the file
/// holds (float32 and float64 have their own engine overloads) and the chosen layout and variant, or through
/// <see cref="ISimAmBackend"/> on a GPU backend, OpenCL or ILGPU (float32). Engine argument errors and device
/// failures become one-line CLI errors.
/// </summary>
internal static class EngineCalls
{
    /// <summary>y = SimAM(x), with the dtype of x, on the chosen backend.</summary>
    /// <param name="x">The input tensor.</param>
    /// <param name="lambda">λ (rounded to float for float32 input).</param>
    /// <param name="choice">Backend, layout, variant and threads; already checked against x's dtype.</param>
    /// <param name="inputPath">The file x came from, for error messages.</param>
    /// <returns>y.</returns>
    /// <exception cref="CliException">The engine rejects the shape or λ, or the GPU backend is unavailable or fails.</exception>
    public static NpyArray Forward(NpyArray x, double lambda, EngineChoice choice, string inputPath)
    {
        var y = NpyArray.Allocate(x.Header);
        Run(choice, x, inputPath, backend =>
        {
            if (backend is not null)
            {
                backend.Forward(x.Float32, y.Float32, x.Shape, (float)lambda);
            }
            else if (x.DType == NpyDType.Float32)
            {
                SimAm.Forward(x.Float32, y.Float32, x.Shape, (float)lambda, choice.CpuOptions);
            }
            else
            {
                SimAm.Forward(x.Float64, y.Float64, x.Shape, lambda, choice.CpuOptions);
            }
        });
        return y;
    }

    /// <summary>dx = ∂L/∂x given x and g = ∂L/∂y, with the dtype of x, on the chosen backend.</summary>
    /// <param name="x">The forward input.</param>
    /// <param name="g">The gradient of the output; the same dtype and shape as <paramref name="x"/>.</param>
    /// <param name="lambda">λ of the forward pass.</param>
    /// <param name="choice">Backend, layout, variant and threads; already checked against x's dtype.</param>
    /// <param name="inputPath">The file x came from, for error messages.</param>
    /// <returns>dx.</returns>
    /// <exception cref="CliException">The engine rejects the shape or λ, or the GPU backend is unavailable or fails.</exception>
    public static NpyArray Backward(NpyArray x, NpyArray g, double lambda, EngineChoice choice, string inputPath)
    {
        var dx = NpyArray.Allocate(x.Header);
        Run(choice, x, inputPath, backend =>
        {
            if (backend is not null)
            {
                backend.Backward(x.Float32, g.Float32, dx.Float32, x.Shape, (float)lambda);
            }
            else if (x.DType == NpyDType.Float32)
            {
                SimAm.Backward(x.Float32, g.Float32, dx.Float32, x.Shape, (float)lambda, choice.CpuOptions);
            }
            else
            {
                SimAm.Backward(x.Float64, g.Float64, dx.Float64, x.Shape, lambda, choice.CpuOptions);
            }
        });
        return dx;
    }

    /// <summary>
    /// Runs <paramref name="call"/> with the chosen GPU backend (started here, disposed after) or with
    /// <see langword="null"/> for the CPU engine, and turns its failures into one-line errors.
    /// </summary>
    private static void Run(EngineChoice choice, NpyArray x, string inputPath, Action<ISimAmBackend?> call)
    {
        try
        {
            if (choice.Backend == BackendKind.Cpu)
            {
                call(null);
                return;
            }

            // A shape the engine rejects is reported before the device is started (compiling its kernels takes a while).
            _ = SimAm.PlaneCount(x.Shape);
            GpuBackends.Run(choice.Backend, choice.Device, call);
        }
        catch (ArgumentException exception)
        {
            throw CliException.FromEngine(inputPath, exception);
        }
    }
}
