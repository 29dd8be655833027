using System.Linq;
using SimAM.Tests.Reference;

namespace SimAM.Tests.Breadth;

/// <summary>Transposition between [N, C, S] and [N, S, C], and a forward + backward run in either layout.</summary>
public static class Layouts
{
    public static T[] ToChannelsLast<T>(T[] channelsFirst, int samples, int channels, int spatial)
    {
        var result = new T[channelsFirst.Length];
        for (var n = 0; n < samples; n++)
        {
            for (var c = 0; c < channels; c++)
            {
                for (var s = 0; s < spatial; s++)
                {
                    result[(((n * spatial) + s) * channels) + c] = channelsFirst[(((n * channels) + c) * spatial) + s];
                }
            }
        }

        return result;
    }

    public static T[] ToChannelsFirst<T>(T[] channelsLast, int samples, int channels, int spatial)
    {
        var result = new T[channelsLast.Length];
        for (var n = 0; n < samples; n++)
        {
            for (var c = 0; c < channels; c++)
            {
                for (var s = 0; s < spatial; s++)
                {
                    result[(((n * channels) + c) * spatial) + s] = channelsLast[(((n * spatial) + s) * channels) + c];
                }
            }
        }

        return result;
    }

    public static int[] Shape(SimAmLayout layout, int samples, int channels, int[] spatial) =>
        layout == SimAmLayout.ChannelsLast
            ? [samples, .. spatial, channels]
            : [samples, channels, .. spatial];

    /// <summary>Runs forward and backward on channels-first data in the given layout; results come back channels first.</summary>
    public static (float[] Y, float[] Dx, PlaneStatistics[] Statistics) Run(SimAmOptions options, int samples, int channels, int[] spatial, float[] x, float[] g, float lambda)
    {
        var size = spatial.Aggregate(1, (a, b) => a * b);
        var last = options.Layout == SimAmLayout.ChannelsLast;
        var input = last ? ToChannelsLast(x, samples, channels, size) : x;
        var gradOutput = last ? ToChannelsLast(g, samples, channels, size) : g;
        var shape = Shape(options.Layout, samples, channels, spatial);
        var y = new float[x.Length];
        var dx = new float[x.Length];
        var statistics = new PlaneStatistics[samples * channels];
        SimAm.Forward(input, y, shape, statistics, lambda, options);
        SimAm.Backward(input, gradOutput, dx, shape, statistics, lambda, options);
        return last
            ? (ToChannelsFirst(y, samples, channels, size), ToChannelsFirst(dx, samples, channels, size), statistics)
            : (y, dx, statistics);
    }

    /// <summary>Forward and backward of one path, layout and variant against the float64 reference, within the issue's bounds.</summary>
    public static void CheckAgainstReference(SimAmKernel kernel, SimAmLayout layout, SimAmVariant variant, int samples, int channels, int[] spatial, int seed, float scale, float offset, float lambda, int threads = -1, float gradientScale = 1f)
    {
        var size = spatial.Aggregate(1, (a, b) => a * b);
        var count = samples * channels * size;
        var x = TestData.Normal(count, seed, scale, offset);
        var g = TestData.Normal(count, seed + 1, gradientScale);
        var options = new SimAmOptions { Kernel = kernel, Layout = layout, Variant = variant, MaxDegreeOfParallelism = threads };
        var (y, dx, _) = Run(options, samples, channels, spatial, x, g, lambda);

        var x64 = Reference64.ToDouble(x);
        var g64 = Reference64.ToDouble(g);
        var exact = variant == SimAmVariant.Exact;
        var y64 = exact ? ExactReference64.Forward(x64, size, lambda) : Reference64.Forward(x64, size, lambda);
        var dx64 = exact ? ExactReference64.Backward(x64, g64, size, lambda) : Reference64.Backward(x64, g64, size, lambda);
        var context = $"{kernel} {layout} {variant} N={samples} C={channels} S=[{string.Join(", ", spatial)}] λ={lambda}";
        Accuracy.AssertForward(x, y, y64, size, context);
        Accuracy.AssertBackward(dx, dx64, size, context);
    }

    public static SimAmOptions Options(SimAmKernel kernel, SimAmLayout layout, SimAmVariant variant = SimAmVariant.Fast, int threads = -1) =>
        new() { Kernel = kernel, Layout = layout, Variant = variant, MaxDegreeOfParallelism = threads };
}
