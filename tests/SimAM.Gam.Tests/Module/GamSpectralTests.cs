using System;
using System.Linq;
using SimAM.Gam.Compute.Spectral;
using SimAM.Gam.Tests.Backward;
using SimAM.Gam.Tests.Infrastructure;
using Xunit;

namespace SimAM.Gam.Tests.ModuleTests;

/// <summary>
/// The spectral convolutions on small maps (the discrete Fourier transform of P × Q = (H + 3) × (W + 3) values), in eval
/// passes and in training steps: what users get from the cost model, their accuracy where the sums run over many channels
/// and bins, and their workspace. The golden, accuracy, property, finite-difference, training and allocation tests run
/// them on every shape too (ConvolutionPath.Spectral).
/// </summary>
public class GamSpectralTests
{
    public static TheoryData<SimAmKernel> Kernels => [.. SimAmKernels.Supported];

    /// <summary>
    /// The cost model takes the spectral path on 7×7 maps with many channels for a batch of 5 and for a single sample, as for
    /// any batch (it judges a nominal batch), so a sample's bits never depend on the batch it comes in (the spectral path
    /// rounds differently from the direct one).
    /// </summary>
    [Theory]
    [MemberData(nameof(Kernels))]
    public void The_cost_model_runs_7x7_maps_spectrally_in_a_batch_and_alone_with_the_same_bits(SimAmKernel kernel)
    {
        var sample = new RandomModule(5, 64, 7, 7, 16, 64, 1, GamChannelGate.Identity, 0, 71);
        var x = sample.CreateInput();
        var model = new GamModule(sample.CreateWeights(), sample.Options(kernel, ConvolutionPath.CostModel));
        var spectral = new GamModule(sample.CreateWeights(), sample.Options(kernel, ConvolutionPath.Spectral));
        var direct = new GamModule(sample.CreateWeights(), sample.Options(kernel, ConvolutionPath.Direct));
        var (y, expected, other) = (new float[x.Length], new float[x.Length], new float[x.Length]);
        model.Forward(x, y, sample.Shape, GamMode.Eval);
        spectral.Forward(x, expected, sample.Shape, GamMode.Eval);
        direct.Forward(x, other, sample.Shape, GamMode.Eval);
        Bits.AssertIdentical(expected, y, $"{kernel}: the cost model's batch against the spectral path");
        Assert.False(other.AsSpan().SequenceEqual(y), $"{kernel}: the cost model's output has the direct path's bits");

        var size = sample.SampleSize;
        int[] single = [1, .. sample.Shape[1..]];
        foreach (var n in new[] { 0, 3 })
        {
            var alone = new float[size];
            model.Forward(x.AsSpan(n * size, size), alone, single, GamMode.Eval);
            Bits.AssertIdentical(y.AsSpan(n * size, size), alone, $"{kernel}: sample {n} alone");
        }
    }

    /// <summary>
    /// The cost model takes the spectral path for a training step on 7×7 maps with many channels (forward in train mode with
    /// activations, backward: the gradients' bits are those of the forced spectral path and not the direct path's), and the
    /// direct path for a single sample, where transforming the weights after every optimizer step costs more than it saves.
    /// </summary>
    [Fact]
    public void The_cost_model_runs_training_steps_on_7x7_maps_spectrally_in_a_batch_and_directly_alone()
    {
        foreach (var (batch, expectSpectral) in new[] { (32, true), (1, false) })
        {
            var sample = new RandomModule(batch, 128, 7, 7, 32, 128, 1, GamChannelGate.Identity, 0, 77);
            var x = sample.CreateInput();
            var g = BackwardPass.GradOutput(x.Length, 78);
            var model = BackwardPass.Run(new GamModule(sample.CreateWeights(), sample.Options(SimAmKernel.Auto, ConvolutionPath.CostModel)), x, g, sample.Shape, GamMode.Train);
            var chosen = expectSpectral ? ConvolutionPath.Spectral : ConvolutionPath.Direct;
            var other = expectSpectral ? ConvolutionPath.Direct : ConvolutionPath.Spectral;
            var expected = BackwardPass.Run(new GamModule(sample.CreateWeights(), sample.Options(SimAmKernel.Auto, chosen)), x, g, sample.Shape, GamMode.Train);
            var rival = BackwardPass.Run(new GamModule(sample.CreateWeights(), sample.Options(SimAmKernel.Auto, other)), x, g, sample.Shape, GamMode.Train);
            Bits.AssertIdentical(expected.Y, model.Y, $"batch {batch}: y against the {chosen} path");
            Bits.AssertIdentical(expected.GradInput, model.GradInput, $"batch {batch}: ∂x against the {chosen} path");
            BackwardPass.AssertIdentical(expected.Gradients, model.Gradients, $"batch {batch}: gradients against the {chosen} path");
            Assert.False(rival.GradInput.AsSpan().SequenceEqual(model.GradInput), $"batch {batch}: ∂x has the {other} path's bits");
        }
    }

    /// <summary>
    /// 128 input channels and 60 bins per plane: the spectra's sums over pixels and channels stay within the float bound of
    /// the float64 module (PyTorch's float32 reaches 8e-7 on such cases), and double within its bound, in both variants.
    /// </summary>
    [Theory]
    [InlineData(GamChannelGate.Identity, 0)]
    [InlineData(GamChannelGate.Sigmoid, 4)]
    public void Wide_modules_stay_within_the_bounds_of_the_float64_module(GamChannelGate gate, int shuffle)
    {
        var sample = new RandomModule(3, 128, 7, 7, 32, 128, 1, gate, shuffle, 72);
        var x = sample.CreateInput();
        var x64 = Accuracy.Widen(x);
        var weights = sample.CreateWeights();
        var reference = new double[x.Length];
        GamReference.Forward(weights, x64, reference, sample.Shape, GamMode.Eval, sample.Options(SimAmKernel.Auto, ConvolutionPath.Spectral));
        foreach (var kernel in SimAmKernels.Supported)
        {
            var module = new GamModule(sample.CreateWeights(), sample.Options(kernel, ConvolutionPath.Spectral));
            var y = new float[x.Length];
            module.Forward(x, y, sample.Shape, GamMode.Eval);
            Accuracy.AssertClose(y, reference, Accuracy.FloatBound, $"{kernel}, float. [{sample}]");
            var y64 = new double[x.Length];
            module.Forward(x64, y64, sample.Shape, GamMode.Eval);
            Accuracy.AssertClose(y64, reference, Accuracy.DoubleBound, $"{kernel}, double. [{sample}]");
        }
    }

    /// <summary>
    /// A map wider than one 16-pixel block, with two and a half blocks per row, moves between the planes and the
    /// transforms' vectors of planes in 16 × 16 transposed blocks where floats fill 16 lanes (the rest a value at a time):
    /// at every width, the float forward pass in both modes stays within the bound of the float64 module, and the float
    /// eval-mode gradients, whose first data gradient adds into the gate's share, within the backward bounds (2e-6 for
    /// ∂L/∂x, 5e-6 per parameter, of max|ref|) of the double spectral pass, which moves every value on its own. Its 48
    /// channels take a register tile of two vectors and one of one vector in each GEMM, its 16 hidden ones a tile of one.
    /// </summary>
    [Fact]
    public void Maps_wider_than_a_transposed_block_keep_the_bounds()
    {
        var sample = new RandomModule(2, 48, 9, 37, 16, 48, 1, GamChannelGate.Identity, 0, 75);
        var x = sample.CreateInput();
        var x64 = Accuracy.Widen(x);
        var random = new Random(76);
        var g = new float[x.Length];
        for (var i = 0; i < g.Length; i++)
        {
            g[i] = (float)((random.NextDouble() * 2) - 1);
        }

        var g64 = Accuracy.Widen(g);
        foreach (var kernel in SimAmKernels.Supported)
        {
            foreach (var mode in new[] { GamMode.Eval, GamMode.Train })
            {
                var reference = new double[x.Length];
                GamReference.Forward(sample.CreateWeights(), x64, reference, sample.Shape, mode, sample.Options(SimAmKernel.Auto, ConvolutionPath.Spectral));
                var y = new float[x.Length];
                new GamModule(sample.CreateWeights(), sample.Options(kernel, ConvolutionPath.Spectral)).Forward(x, y, sample.Shape, mode);
                Accuracy.AssertClose(y, reference, Accuracy.FloatBound, $"{kernel} {mode} forward. [{sample}]");
            }

            var weights = sample.CreateWeights();
            var module = new GamModule(weights, sample.Options(kernel, ConvolutionPath.Spectral));
            var (activations, gradients, dx) = (new GamActivations(), new GamGradients(weights), new float[x.Length]);
            module.Forward(x, new float[x.Length], sample.Shape, GamMode.Eval, activations);
            module.Backward(x, g, dx, sample.Shape, GamMode.Eval, activations, gradients);
            var weights64 = sample.CreateWeights();
            var module64 = new GamModule(weights64, sample.Options(kernel, ConvolutionPath.Spectral));
            var (activations64, gradients64, dx64) = (new GamActivations(), new GamGradients(weights64), new double[x.Length]);
            module64.Forward(x64, new double[x.Length], sample.Shape, GamMode.Eval, activations64);
            module64.Backward(x64, g64, dx64, sample.Shape, GamMode.Eval, activations64, gradients64);

            Accuracy.AssertClose(dx, dx64, 2e-6, $"{kernel} dx. [{sample}]");
            for (var i = 0; i < gradients.Parameters.Count; i++)
            {
                Accuracy.AssertClose(gradients.Parameters[i].Values, gradients64.Parameters[i].Values, 5e-6, $"{kernel} {gradients.Parameters[i].Name}. [{sample}]");
            }
        }
    }

    /// <summary>
    /// A batch larger than one slice of the spectral phases (about 64 MB of planes and spectra: 32 samples of [128, 28, 28]
    /// in float) gives every sample the bits it gets alone, on one thread and on two.
    /// </summary>
    [Fact]
    public void A_batch_of_several_slices_gives_each_sample_its_own_bits()
    {
        var sample = new RandomModule(36, 128, 28, 28, 32, 128, 1, GamChannelGate.Identity, 0, 74);
        var x = sample.CreateInput();
        var size = sample.SampleSize;
        int[] single = [1, .. sample.Shape[1..]];
        foreach (var threads in new[] { 1, 2 })
        {
            var module = new GamModule(sample.CreateWeights(), sample.Options(SimAmKernel.Auto, ConvolutionPath.Spectral, threads));
            var y = new float[x.Length];
            module.Forward(x, y, sample.Shape, GamMode.Eval);
            foreach (var n in new[] { 0, 31, 32, 35 })
            {
                var alone = new float[size];
                module.Forward(x.AsSpan(n * size, size), alone, single, GamMode.Eval);
                Bits.AssertIdentical(y.AsSpan(n * size, size), alone, $"{threads} threads: sample {n} alone");
            }

            Assert.True(module.WorkspaceBytes(sample.Shape) < module.WorkspaceBytes([32, .. sample.Shape[1..]]) * 21 / 20, "the workspace holds more than one slice");
        }
    }

    /// <summary>
    /// A spectral eval pass keeps the whole batch's planes (it runs in phases; H·W values each, no padding, and the slack
    /// of a tile) and both convolutions' spectra, [bin][sample][real, imaginary][channel] with the channels padded to 16:
    /// P·(Q/2 + 1) bins.
    /// </summary>
    [Theory]
    [InlineData(4, 40, 7, 7, 10)]
    [InlineData(3, 16, 5, 8, 4)]
    public void The_spectral_workspace_holds_the_batchs_planes_and_spectra(int n, int c, int h, int w, int hidden)
    {
        var sample = new RandomModule(n, c, h, w, hidden, c, 1, GamChannelGate.Identity, 0, 73);
        var module = new GamModule(sample.CreateWeights(), sample.Options(SimAmKernel.Auto, ConvolutionPath.Spectral));
        static long Padded(int channels) => (channels + 15) / 16 * 16;
        var bins = (long)(h + 3) * (((w + 3) / 2) + 1);
        var planes = (long)n * (c + hidden + c) * (((h * w) + 128 + 15) / 16 * 16);
        var spectra = bins * n * 2 * (Math.Max(Padded(c), Padded(hidden)) + Math.Max(Padded(hidden), Padded(c)));
        var expected = (planes + spectra) * sizeof(float);

        var bytes = module.WorkspaceBytes(sample.Shape);

        // Beyond that, one worker's tile scratch and its transform scratch: (pixels + padded components and pixels) × 16 lanes.
        Assert.InRange(bytes - expected, 1, 64 * 1024);
    }

    /// <summary>
    /// On maps of three rows or columns or fewer, the taps whose lag is as long as the map pair no pixel with another:
    /// their weight gradients are exactly 0 on the spectral path, as on the direct one (not the inverse's rounding noise).
    /// </summary>
    [Theory]
    [InlineData(1, 9)]
    [InlineData(2, 3)]
    [InlineData(3, 5)]
    public void Weight_gradients_of_taps_beyond_a_small_map_are_exactly_zero(int h, int w)
    {
        var sample = new RandomModule(4, 12, h, w, 3, 12, 1, GamChannelGate.Identity, 0, 75);
        var x = sample.CreateInput();
        var dy = new RandomModule(4, 12, h, w, 3, 12, 1, GamChannelGate.Identity, 0, 76).CreateInput();
        var weights = sample.CreateWeights();
        var module = new GamModule(weights, sample.Options(SimAmKernel.Auto, ConvolutionPath.Spectral));
        var (y, dx) = (new float[x.Length], new float[x.Length]);
        var (activations, gradients) = (new GamActivations(), new GamGradients(weights));
        module.Forward(x, y, sample.Shape, GamMode.Train, activations);
        module.Backward(x, dy, dx, sample.Shape, GamMode.Train, activations, gradients);
        var nonzero = 0;
        foreach (var tensor in new[] { gradients.ConvWeight1, gradients.ConvWeight2 })
        {
            var values = tensor.Values;
            for (var k = 0; k < values.Length; k++)
            {
                var tap = k % 49;
                if (Math.Abs((tap / 7) - 3) >= h || Math.Abs((tap % 7) - 3) >= w)
                {
                    Assert.True(values[k] == 0, $"{tensor.Name}[{k}] (tap {tap}) is {values[k]:R}");
                }
                else if (values[k] != 0)
                {
                    nonzero++;
                }
            }
        }

        Assert.True(nonzero > 0, "no tap within the map got a gradient");
    }

    /// <summary>
    /// A data gradient reads each tile of the forward filter's spectra transposed and conjugated: every value of the block is
    /// the forward spectrum's, the imaginary part negated, and channels past the filter's inputs are zeros, for tiles of the
    /// width of every register tile (32 down to 1 channel), odd channel counts, and with the AVX-512 transpose and without.
    /// </summary>
    [Theory]
    [InlineData(40, 10, 7, 7)]
    [InlineData(64, 16, 5, 6)]
    [InlineData(21, 35, 3, 4)]
    public void Transposed_filter_blocks_hold_the_conjugated_forward_spectra(int channels, int hidden, int h, int w)
    {
        AssertTransposedBlocks<float>(channels, hidden, h, w);
        AssertTransposedBlocks<double>(channels, hidden, h, w);
    }

    private static void AssertTransposedBlocks<T>(int channels, int hidden, int h, int w)
        where T : unmanaged
    {
        var random = new Random(80);
        var kernels = new double[hidden * channels * 49];
        foreach (var k in Enumerable.Range(0, kernels.Length))
        {
            kernels[k] = (random.NextDouble() * 2) - 1;
        }

        var geometry = new SpectralGeometry(h, w);
        var forward = new SpectralFilter<T>(geometry, hidden, channels);
        forward.Transform(kernels, new double[hidden], workers: 2);
        var (outPadded, row) = (forward.OutPadded, 2 * forward.OutPadded);
        foreach (var tile in new[] { 32, 16, 8, 4, 1 })
        {
            foreach (var vectorized in new[] { true, false })
            {
                var block = new T[TransposedFilter<T>.BlockLength(tile, hidden)];
                foreach (var bin in new[] { 0, geometry.Bins / 2, geometry.Bins - 1 })
                {
                    for (var first = 0; first < SpectralGeometry.PaddedChannels(channels); first += tile)
                    {
                        Array.Fill(block, Value<T>(double.NaN));
                        TransposedFilter<T>.Transpose(forward, bin, first, tile, block, vectorized);
                        for (var o = 0; o < hidden; o++)
                        {
                            for (var i = 0; i < tile; i++)
                            {
                                var (real, imaginary) = (Number(block[(o * 2 * tile) + i]), Number(block[(o * 2 * tile) + tile + i]));
                                var channel = first + i;
                                var (expectedReal, expectedImaginary) = channel < channels
                                    ? (Number(forward.Values[((((long)bin * channels) + channel) * row) + o]), -Number(forward.Values[((((long)bin * channels) + channel) * row) + outPadded + o]))
                                    : (0.0, 0.0);
                                var where = $"{typeof(T).Name} tile {tile} vectorized {vectorized} bin {bin} output {o} input {channel}";
                                Assert.True(BitConverter.DoubleToInt64Bits(expectedReal) == BitConverter.DoubleToInt64Bits(real), $"{where}: real {real:R}, expected {expectedReal:R}");
                                Assert.True(BitConverter.DoubleToInt64Bits(expectedImaginary) == BitConverter.DoubleToInt64Bits(imaginary), $"{where}: imaginary {imaginary:R}, expected {expectedImaginary:R}");
                            }
                        }
                    }
                }
            }
        }
    }

    private static double Number<T>(T value) => value is float f ? f : (double)(object)value!;

    private static T Value<T>(double value) => typeof(T) == typeof(float) ? (T)(object)(float)value : (T)(object)value;
}

