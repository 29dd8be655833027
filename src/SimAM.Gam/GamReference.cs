using System;
using SimAM.Gam.Compute;
using SimAM.Gam.Validation;

namespace SimAM.Gam;

/// <summary>
/// The GAM module evaluated the plain way in float64, one formula at a time, in the order of the PyTorch module's
/// <c>forward</c>: no SIMD, no threads, no folding of the BatchNorms into the convolutions. It exists to verify the
/// fast paths and for anyone who wants to check the math; it is far slower than the GEMM-based module (a direct
/// 7×7 convolution), though small tensors take milliseconds.
/// </summary>
/// <remarks>
/// <para>Per sample n and pixel p, with m = <see cref="GamWeights.Hidden"/> and g = <see cref="GamWeights.Groups"/>:</para>
/// <list type="number">
/// <item><description>a = W2·ReLU(W1·x[n, :, p] + b1) + b2 (the channel MLP), optionally a = sigmoid(a);
/// x1 = x ⊙ a.</description></item>
/// <item><description>z1 = conv7×7(x1) (C → m channels, g groups, zero padding 3), then BatchNorm, then ReLU.</description></item>
/// <item><description>z2 = conv7×7(·) (m → out channels, g groups), then BatchNorm; s = sigmoid(z2).</description></item>
/// <item><description>With G shuffle groups, channel q·G + p of the spatial map takes channel p·(out/G) + q.</description></item>
/// <item><description>y = x1 ⊙ s, s broadcast over the channels when out = 1.</description></item>
/// </list>
/// <para>
/// BatchNorm is γ(z − μ)/√(σ² + ε) + β with ε = 1e-5. In <see cref="GamMode.Eval"/> μ and σ² are the running
/// statistics, used as they are. In <see cref="GamMode.Train"/> they are the batch's mean and biased variance
/// over (N, H, W), and afterwards each running statistic becomes 0.9·running + 0.1·batch (the variance's batch
/// value unbiased, times n/(n − 1), n = N·H·W) and both batch counters grow by one, exactly as PyTorch's
/// <c>module.train()</c> forward pass.
/// </para>
/// </remarks>
public static class GamReference
{
    private const int Taps = GamWeights.KernelSize * GamWeights.KernelSize;
    private const int Padding = GamWeights.KernelSize / 2;

    /// <summary>Computes y = GAM(x) in float64; in <see cref="GamMode.Train"/> also updates the BatchNorms' running statistics and counters.</summary>
    /// <param name="weights">The module's weights. <see cref="GamMode.Train"/> changes their four running-statistics tensors,
    /// both batch counters and <see cref="GamWeights.Version"/>, so a train-mode call must not run concurrently with any other use of the same weights.</param>
    /// <param name="input">The tensor x, [N, C, H, W] in row-major order.</param>
    /// <param name="output">Receives y, [N, C, H, W]; may be <paramref name="input"/> itself, but must not partially overlap it.</param>
    /// <param name="shape">[N, C, H, W]; C must be <see cref="GamWeights.Channels"/>.</param>
    /// <param name="mode">Which statistics the BatchNorms use: the running ones (<see cref="GamMode.Eval"/>) or the batch's,
    /// updating the running ones (<see cref="GamMode.Train"/>).</param>
    /// <param name="channelGate">What the channel MLP's output passes through before it multiplies x.</param>
    /// <param name="shuffleGroups">The channel shuffle's group count G of the spatial map; 0 (the default) for no shuffle.</param>
    /// <exception cref="ArgumentNullException"><paramref name="weights"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension of <paramref name="shape"/> is below 1; <paramref name="mode"/> or
    /// <paramref name="channelGate"/> is not a defined value; <paramref name="shuffleGroups"/> is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="shape"/> is not of rank 4, holds more than <see cref="int.MaxValue"/> elements
    /// or does not have C = <see cref="GamWeights.Channels"/>; <paramref name="input"/> or <paramref name="output"/> does not hold
    /// exactly N·C·H·W elements; the two partially overlap; <paramref name="shuffleGroups"/> does not divide
    /// <see cref="GamWeights.OutChannels"/>; or, in <see cref="GamMode.Train"/>, N·H·W is 1 (a batch statistic needs two values).
    /// A rejected call changes neither <paramref name="output"/> nor <paramref name="weights"/>.</exception>
    public static void Forward(
        GamWeights weights,
        ReadOnlySpan<double> input,
        Span<double> output,
        ReadOnlySpan<int> shape,
        GamMode mode,
        GamChannelGate channelGate = GamChannelGate.Identity,
        int shuffleGroups = 0)
    {
        ArgumentNullException.ThrowIfNull(weights);
        GamChecks.Mode(mode, nameof(mode));
        GamChecks.ChannelGate(channelGate, nameof(channelGate));
        var count = GamChecks.Shape(shape, weights.Channels, nameof(shape));
        GamChecks.Length(input.Length, count, shape, nameof(input));
        GamChecks.Length(output.Length, count, shape, nameof(output));
        GamChecks.NoPartialOverlap(input, output, nameof(input), nameof(output));
        GamChecks.ShuffleGroups(shuffleGroups, weights.OutChannels, nameof(shuffleGroups));
        if (mode == GamMode.Train)
        {
            GamChecks.TrainingBatch(shape, nameof(shape));
        }

        var geometry = new Geometry(shape[0], shape[2], shape[3]);
        var train = mode == GamMode.Train;

        var x1 = ChannelAttention(weights, input, geometry, channelGate);

        var z1 = Convolution(x1, weights.Channels, weights.ConvWeight1.Values, weights.ConvBias1.Values, weights.Hidden, weights.Groups, geometry);
        var statistics1 = train ? BatchStatistics(z1, weights.Hidden, geometry) : RunningStatistics(weights.RunningMean1, weights.RunningVar1);
        Normalize(z1, statistics1, weights.NormWeight1.Values, weights.NormBias1.Values, geometry);
        foreach (ref var value in z1.AsSpan())
        {
            value = Relu(value);
        }

        var z2 = Convolution(z1, weights.Hidden, weights.ConvWeight2.Values, weights.ConvBias2.Values, weights.OutChannels, weights.Groups, geometry);
        var statistics2 = train ? BatchStatistics(z2, weights.OutChannels, geometry) : RunningStatistics(weights.RunningMean2, weights.RunningVar2);
        Normalize(z2, statistics2, weights.NormWeight2.Values, weights.NormBias2.Values, geometry);
        foreach (ref var value in z2.AsSpan())
        {
            value = Sigmoid(value);
        }

        var s = shuffleGroups > 0 ? Shuffle(z2, weights.OutChannels, shuffleGroups, geometry) : z2;

        // y = x1 ⊙ s; x1 is a copy, so output may be input itself.
        var channels = weights.Channels;
        var plane = geometry.Plane;
        for (var n = 0; n < geometry.Samples; n++)
        {
            for (var c = 0; c < channels; c++)
            {
                var mapChannel = weights.OutChannels == 1 ? 0 : c;
                var x1Plane = x1.AsSpan(((n * channels) + c) * plane, plane);
                var sPlane = s.AsSpan(((n * weights.OutChannels) + mapChannel) * plane, plane);
                var yPlane = output.Slice(((n * channels) + c) * plane, plane);
                for (var p = 0; p < plane; p++)
                {
                    yPlane[p] = x1Plane[p] * sPlane[p];
                }
            }
        }

        if (train)
        {
            UpdateRunningStatistics(weights.RunningMean1, weights.RunningVar1, statistics1, geometry);
            UpdateRunningStatistics(weights.RunningMean2, weights.RunningVar2, statistics2, geometry);
            weights.AddBatchTracked();
            weights.MarkBuffersChanged();
        }
    }

    /// <summary>Computes y = GAM(x) in float64 with the channel gate and shuffle of <paramref name="options"/> (its threads and kernel do not apply here).</summary>
    /// <param name="weights">The module's weights; see <see cref="Forward(GamWeights, ReadOnlySpan{double}, Span{double}, ReadOnlySpan{int}, GamMode, GamChannelGate, int)"/>.</param>
    /// <param name="input">The tensor x, [N, C, H, W] in row-major order.</param>
    /// <param name="output">Receives y, [N, C, H, W]; may be <paramref name="input"/> itself, but must not partially overlap it.</param>
    /// <param name="shape">[N, C, H, W]; C must be <see cref="GamWeights.Channels"/>.</param>
    /// <param name="mode">Which statistics the BatchNorms use; <see cref="GamMode.Train"/> updates the running ones.</param>
    /// <param name="options">Supplies <see cref="GamOptions.ChannelGate"/> and <see cref="GamOptions.ShuffleGroups"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="weights"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension of <paramref name="shape"/> is below 1, or <paramref name="mode"/> is not a defined value.</exception>
    /// <exception cref="ArgumentException">As for <see cref="Forward(GamWeights, ReadOnlySpan{double}, Span{double}, ReadOnlySpan{int}, GamMode, GamChannelGate, int)"/>,
    /// where the shuffle groups are <paramref name="options"/>' <see cref="GamOptions.ShuffleGroups"/>.</exception>
    public static void Forward(GamWeights weights, ReadOnlySpan<double> input, Span<double> output, ReadOnlySpan<int> shape, GamMode mode, GamOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Forward(weights, input, output, shape, mode, options.ChannelGate, options.ShuffleGroups);
    }

    /// <summary>x1 = x ⊙ a, a = W2·ReLU(W1·v + b1) + b2 (optionally through a sigmoid) for each pixel's channel vector v.</summary>
    private static double[] ChannelAttention(GamWeights weights, ReadOnlySpan<double> input, Geometry geometry, GamChannelGate gate)
    {
        var (channels, hidden, plane) = (weights.Channels, weights.Hidden, geometry.Plane);
        var w1 = weights.ChannelWeight1.Values;
        var b1 = weights.ChannelBias1.Values;
        var w2 = weights.ChannelWeight2.Values;
        var b2 = weights.ChannelBias2.Values;
        var x1 = new double[input.Length];
        var v = new double[channels];
        var u = new double[hidden];
        for (var n = 0; n < geometry.Samples; n++)
        {
            var sample = n * channels * plane;
            for (var p = 0; p < plane; p++)
            {
                for (var c = 0; c < channels; c++)
                {
                    v[c] = input[sample + (c * plane) + p];
                }

                for (var j = 0; j < hidden; j++)
                {
                    u[j] = Relu(b1[j] + Dot(w1.Slice(j * channels, channels), v));
                }

                for (var c = 0; c < channels; c++)
                {
                    var a = b2[c] + Dot(w2.Slice(c * hidden, hidden), u);
                    if (gate == GamChannelGate.Sigmoid)
                    {
                        a = Sigmoid(a);
                    }

                    x1[sample + (c * plane) + p] = v[c] * a;
                }
            }
        }

        return x1;
    }

    /// <summary>
    /// The 7×7 convolution with zero padding 3 and stride 1 (so H×W in, H×W out), in <paramref name="groups"/> groups:
    /// output channel o of group o / (outChannels / groups) sums over that group's inChannels / groups input channels.
    /// </summary>
    /// <remarks>
    /// Direct form, one tap at a time: output pixel (y, x) takes input pixel (y + ky − 3, x + kx − 3) times
    /// kernel[o, i, ky, kx], over the rows and columns where that pixel lies inside the plane (outside is zero, so
    /// those terms are left out). A tap's valid columns form one run per row, which keeps the inner loop simple.
    /// </remarks>
    private static double[] Convolution(
        double[] input, int inChannels, ReadOnlySpan<double> kernel, ReadOnlySpan<double> bias, int outChannels, int groups, Geometry geometry)
    {
        var (height, width, plane) = (geometry.Height, geometry.Width, geometry.Plane);
        var inPerGroup = inChannels / groups;
        var outPerGroup = outChannels / groups;
        var output = new double[geometry.Samples * outChannels * plane];
        for (var n = 0; n < geometry.Samples; n++)
        {
            for (var o = 0; o < outChannels; o++)
            {
                var destination = output.AsSpan(((n * outChannels) + o) * plane, plane);
                destination.Fill(bias[o]);
                var firstInput = o / outPerGroup * inPerGroup;
                for (var i = 0; i < inPerGroup; i++)
                {
                    var source = input.AsSpan(((n * inChannels) + firstInput + i) * plane, plane);
                    var taps = kernel.Slice(((o * inPerGroup) + i) * Taps, Taps);
                    for (var ky = 0; ky < GamWeights.KernelSize; ky++)
                    {
                        var dy = ky - Padding;
                        var (firstRow, endRow) = (Math.Max(0, -dy), Math.Min(height, height - dy));
                        for (var kx = 0; kx < GamWeights.KernelSize; kx++)
                        {
                            var dx = kx - Padding;
                            var (firstColumn, endColumn) = (Math.Max(0, -dx), Math.Min(width, width - dx));
                            if (firstColumn >= endColumn)
                            {
                                continue;
                            }

                            var tap = taps[(ky * GamWeights.KernelSize) + kx];
                            for (var y = firstRow; y < endRow; y++)
                            {
                                var outputRow = destination.Slice((y * width) + firstColumn, endColumn - firstColumn);
                                var inputRow = source.Slice(((y + dy) * width) + firstColumn + dx, outputRow.Length);
                                for (var x = 0; x < outputRow.Length; x++)
                                {
                                    outputRow[x] += tap * inputRow[x];
                                }
                            }
                        }
                    }
                }
            }
        }

        return output;
    }

    /// <summary>Each channel's mean and biased variance over (N, H, W), the variance about the mean (two passes).</summary>
    private static Statistics BatchStatistics(double[] z, int channels, Geometry geometry)
    {
        var plane = geometry.Plane;
        var count = geometry.Samples * plane;
        var mean = new double[channels];
        var variance = new double[channels];
        for (var c = 0; c < channels; c++)
        {
            var sum = 0.0;
            for (var n = 0; n < geometry.Samples; n++)
            {
                foreach (var value in z.AsSpan(((n * channels) + c) * plane, plane))
                {
                    sum += value;
                }
            }

            mean[c] = sum / count;
            var squares = 0.0;
            for (var n = 0; n < geometry.Samples; n++)
            {
                foreach (var value in z.AsSpan(((n * channels) + c) * plane, plane))
                {
                    squares += (value - mean[c]) * (value - mean[c]);
                }
            }

            variance[c] = squares / count;
        }

        return new Statistics(mean, variance);
    }

    private static Statistics RunningStatistics(GamParameter mean, GamParameter variance) =>
        new(mean.Values.ToArray(), variance.Values.ToArray());

    /// <summary>z ← γ (z − μ) / √(σ² + ε) + β per channel, in place.</summary>
    private static void Normalize(double[] z, Statistics statistics, ReadOnlySpan<double> gamma, ReadOnlySpan<double> beta, Geometry geometry)
    {
        var channels = gamma.Length;
        var plane = geometry.Plane;
        for (var n = 0; n < geometry.Samples; n++)
        {
            for (var c = 0; c < channels; c++)
            {
                var deviation = Math.Sqrt(statistics.Variance[c] + BatchNormFolding.Epsilon);
                foreach (ref var value in z.AsSpan(((n * channels) + c) * plane, plane))
                {
                    value = (gamma[c] * ((value - statistics.Mean[c]) / deviation)) + beta[c];
                }
            }
        }
    }

    /// <summary>The channel shuffle of PyTorch's view(n, G, k/G, h, w).permute(0, 2, 1, 3, 4): channel q·G + p takes channel p·(k/G) + q.</summary>
    private static double[] Shuffle(double[] s, int channels, int groups, Geometry geometry)
    {
        var plane = geometry.Plane;
        var perGroup = channels / groups;
        var shuffled = new double[s.Length];
        for (var n = 0; n < geometry.Samples; n++)
        {
            for (var q = 0; q < perGroup; q++)
            {
                for (var p = 0; p < groups; p++)
                {
                    var source = s.AsSpan(((n * channels) + (p * perGroup) + q) * plane, plane);
                    source.CopyTo(shuffled.AsSpan(((n * channels) + (q * groups) + p) * plane, plane));
                }
            }
        }

        return shuffled;
    }

    /// <summary>
    /// PyTorch's update: running ← momentum·batch + (1 − momentum)·running, the batch variance unbiased
    /// (times n/(n − 1), n = N·H·W values per channel).
    /// </summary>
    private static void UpdateRunningStatistics(GamParameter runningMean, GamParameter runningVariance, Statistics batch, Geometry geometry)
    {
        var count = (double)geometry.Samples * geometry.Plane;
        var mean = runningMean.Storage;
        var variance = runningVariance.Storage;
        for (var c = 0; c < mean.Length; c++)
        {
            mean[c] = (BatchNormFolding.Momentum * batch.Mean[c]) + ((1 - BatchNormFolding.Momentum) * mean[c]);
            variance[c] = (BatchNormFolding.Momentum * (batch.Variance[c] * count / (count - 1))) + ((1 - BatchNormFolding.Momentum) * variance[c]);
        }
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>max(v, 0), NaN staying NaN as in PyTorch.</summary>
    private static double Relu(double value) => value > 0 || double.IsNaN(value) ? value : 0;

    private static double Sigmoid(double value) => 1 / (1 + Math.Exp(-value));

    /// <summary>N, H, W of a validated shape; the channel counts come from the weights.</summary>
    private readonly record struct Geometry(int Samples, int Height, int Width)
    {
        public int Plane => Height * Width;
    }

    /// <summary>Per-channel mean and variance (biased, for a batch) that a BatchNorm normalises with.</summary>
    private readonly record struct Statistics(double[] Mean, double[] Variance);
}
