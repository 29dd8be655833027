using System;
using System.Numerics;
using System.Runtime.Intrinsics;
using SimAM.Gam.Compute;
using SimAM.Gam.Compute.Lanes;
using Xunit;

namespace SimAM.Gam.Tests.Compute;

/// <summary>
/// The convolutions' weight-gradient kernel at every width against a direct sum in double, on maps that take each kind of
/// run (groups of whole samples with a partial last group, bands of image rows, a row split into parts) and on block
/// sizes that leave lanes past the channels (at 512 bits also blocks of two vectors where one would be left over).
/// </summary>
public class FilterGradientKernelTests
{
    /// <summary>Gets the cases: map height and width, batch, output and input channels.</summary>
    public static TheoryData<int, int, int, int, int> Shapes => new()
    {
        { 7, 7, 11, 20, 3 },
        { 28, 28, 2, 37, 2 },
        { 2, 300, 1, 5, 2 },
        { 3, 5, 3, 1, 1 },
        { 9, 11, 4, 50, 2 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_width_sums_every_tap_of_every_pixel(int height, int width, int batch, int outputs, int inputs)
    {
        EveryWidth<float>(height, width, batch, outputs, inputs);
        EveryWidth<double>(height, width, batch, outputs, inputs);
    }

    private static void EveryWidth<T>(int height, int width, int batch, int outputs, int inputs)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check<T, T, LanesScalar<T>>(height, width, batch, outputs, inputs);
        Check<T, Vector128<T>, Lanes128<T>>(height, width, batch, outputs, inputs);
        if (Vector256.IsHardwareAccelerated)
        {
            Check<T, Vector256<T>, Lanes256<T>>(height, width, batch, outputs, inputs);
        }

        if (Vector512.IsHardwareAccelerated)
        {
            Check<T, Vector512<T>, Lanes512<T>>(height, width, batch, outputs, inputs);
        }
    }

    private static void Check<T, TV, TLanes>(int height, int width, int batch, int outputs, int inputs)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TV : struct
        where TLanes : ILanes<T, TV>
    {
        const int Size = GamWeights.KernelSize;
        var geometry = new PaddedGeometry(height, width);
        var plane = geometry.PlaneStride;
        var random = new Random((height * 1000) + width);
        var gradients = new T[batch * outputs * plane];
        var x = new T[batch * inputs * plane];
        Fill(gradients, outputs);
        Fill(x, inputs);

        var stride = FilterGradientKernel.PixelStride<T>(outputs);
        var pixels = new T[FilterGradientKernel.PixelLength<T>((long)batch * height * width, outputs)];
        for (var n = 0; n < batch; n++)
        {
            for (var h = 0; h < height; h++)
            {
                FilterGradientKernel.Gather<T>(
                    gradients.AsSpan(n * outputs * plane, outputs * plane), geometry, h, outputs, pixels.AsSpan(((n * height) + h) * width * stride, width * stride));
            }
        }

        var blockChannels = FilterGradientKernel.BlockChannels<T, TV, TLanes>();
        var tolerance = typeof(T) == typeof(float) ? 2e-5 : 1e-13;
        var covered = 0;
        for (var block = 0; block < FilterGradientKernel.Blocks<T, TV, TLanes>(outputs); block++)
        {
            var (first, channels) = FilterGradientKernel.Block<T, TV, TLanes>(outputs, block);
            Assert.Equal(covered, first);
            covered += channels;
            for (var c = 0; c < inputs; c++)
            {
                var sums = new double[blockChannels * Size * Size];
                FilterGradientKernel.Run<T, TV, TLanes>(ref pixels[first], stride, channels, ref x[c * plane], (nint)inputs * plane, geometry, batch, sums);
                for (var j = 0; j < channels; j++)
                {
                    for (var tap = 0; tap < Size * Size; tap++)
                    {
                        var (expected, magnitude) = Reference(first + j, c, tap / Size, tap % Size);
                        var got = sums[(tap * blockChannels) + j];
                        Assert.True(
                            Math.Abs(got - expected) <= tolerance * magnitude,
                            $"{typeof(TV).Name} [{height}x{width}] n={batch}: output {first + j}, input {c}, tap {tap}: {got}, expected {expected} (Σ|terms| {magnitude})");
                    }
                }
            }
        }

        Assert.Equal(outputs, covered);

        (double Sum, double Magnitude) Reference(int o, int c, int kh, int kw)
        {
            double sum = 0, magnitude = 0;
            for (var n = 0; n < batch; n++)
            {
                for (var h = 0; h < height; h++)
                {
                    for (var w = 0; w < width; w++)
                    {
                        var (ih, iw) = (h + kh - PaddedGeometry.Pad, w + kw - PaddedGeometry.Pad);
                        if (ih < 0 || ih >= height || iw < 0 || iw >= width)
                        {
                            continue;
                        }

                        var term = double.CreateTruncating(gradients[(((n * outputs) + o) * plane) + geometry.PositionOf(h, w)])
                            * double.CreateTruncating(x[(((n * inputs) + c) * plane) + geometry.PositionOf(ih, iw)]);
                        sum += term;
                        magnitude += Math.Abs(term);
                    }
                }
            }

            return (sum, magnitude);
        }

        // Data positions only: the padding of every plane stays zero, as the workspace keeps it.
        void Fill(T[] planes, int channels)
        {
            for (var p = 0; p < batch * channels; p++)
            {
                for (var h = 0; h < height; h++)
                {
                    for (var w = 0; w < width; w++)
                    {
                        planes[(p * plane) + geometry.PositionOf(h, w)] = T.CreateTruncating((random.NextDouble() * 2) - 1);
                    }
                }
            }
        }
    }
}
