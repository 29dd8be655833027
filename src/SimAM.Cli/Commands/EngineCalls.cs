using System;
using SimAM.Cli.Npy;

namespace SimAM.Cli.Commands;

/// <summary>
/// The engine calls behind <c>forward</c> and <c>backward</c>, on whichever dtype the file holds (float32
/// and float64 have their own engine overloads); engine argument errors become one-line CLI errors.
/// </summary>
internal static class EngineCalls
{
    /// <summary>y = SimAM(x), with the dtype of x.</summary>
    /// <param name="x">The input tensor.</param>
    /// <param name="lambda">λ (rounded to float for float32 input).</param>
    /// <param name="options">Threading options.</param>
    /// <param name="inputPath">The file x came from, for error messages.</param>
    /// <returns>y.</returns>
    /// <exception cref="CliException">The engine rejects the shape or λ.</exception>
    public static NpyArray Forward(NpyArray x, double lambda, SimAmOptions options, string inputPath)
    {
        var y = NpyArray.Allocate(x.Header);
        try
        {
            if (x.DType == NpyDType.Float32)
            {
                SimAm.Forward(x.Float32, y.Float32, x.Shape, (float)lambda, options);
            }
            else
            {
                SimAm.Forward(x.Float64, y.Float64, x.Shape, lambda, options);
            }
        }
        catch (ArgumentException exception)
        {
            throw CliException.FromEngine(inputPath, exception);
        }

        return y;
    }

    /// <summary>dx = ∂L/∂x given x and g = ∂L/∂y, with the dtype of x.</summary>
    /// <param name="x">The forward input.</param>
    /// <param name="g">The gradient of the output; the same dtype and shape as <paramref name="x"/>.</param>
    /// <param name="lambda">λ of the forward pass.</param>
    /// <param name="options">Threading options.</param>
    /// <param name="inputPath">The file x came from, for error messages.</param>
    /// <returns>dx.</returns>
    /// <exception cref="CliException">The engine rejects the shape or λ.</exception>
    public static NpyArray Backward(NpyArray x, NpyArray g, double lambda, SimAmOptions options, string inputPath)
    {
        var dx = NpyArray.Allocate(x.Header);
        try
        {
            if (x.DType == NpyDType.Float32)
            {
                SimAm.Backward(x.Float32, g.Float32, dx.Float32, x.Shape, (float)lambda, options);
            }
            else
            {
                SimAm.Backward(x.Float64, g.Float64, dx.Float64, x.Shape, lambda, options);
            }
        }
        catch (ArgumentException exception)
        {
            throw CliException.FromEngine(inputPath, exception);
        }

        return dx;
    }
}
