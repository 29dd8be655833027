using System;
using SimAM.Gam.Tests.Infrastructure;
using Xunit;

namespace SimAM.Gam.Tests.Backward;

/// <summary>
/// What <see cref="GamActivations"/> holds: (m + out)·N·H·W map values and four doubles per BatchNorm channel, as
/// <see cref="GamModule.ActivationBytes"/> says for float passes (double passes keep their maps in double).
/// </summary>
public class GamActivationsTests
{
    [Fact]
    public void Fresh_activations_hold_nothing()
    {
        var activations = new GamActivations();
        Assert.True(activations.IsEmpty);
        Assert.Equal(0, activations.Bytes);
    }

    /// <summary>
    /// After a float forward pass the activations hold ActivationBytes(shape), after a double one the maps' values take
    /// twice the bytes; a later pass of another shape refits them, in either mode.
    /// </summary>
    [Theory]
    [InlineData(GamMode.Eval)]
    [InlineData(GamMode.Train)]
    public void The_activations_hold_ActivationBytes_for_a_float_pass(GamMode mode)
    {
        var sample = new RandomModule(3, 12, 5, 7, 6, 12, 3, GamChannelGate.Sigmoid, 2, 5);
        var module = new GamModule(sample.CreateWeights(), sample.Options(SimAmKernel.Auto, ConvolutionPath.CostModel));
        var activations = new GamActivations();
        foreach (int[] shape in new[] { sample.Shape, [1, 12, 9, 4], [5, 12, 2, 3] })
        {
            var count = shape[0] * shape[1] * shape[2] * shape[3];
            var values = (long)shape[0] * shape[2] * shape[3] * (sample.Hidden + sample.Out);
            var statistics = 4L * sizeof(double) * (sample.Hidden + sample.Out);
            var context = $"{mode}, [{string.Join(", ", shape)}]";

            module.Forward(new float[count], new float[count], shape, mode, activations);
            Assert.False(activations.IsEmpty);
            Assert.Equal((values * sizeof(float)) + statistics, module.ActivationBytes(shape));
            Assert.True(module.ActivationBytes(shape) == activations.Bytes, $"float, {context}: {activations.Bytes} bytes held, ActivationBytes {module.ActivationBytes(shape)}");

            module.Forward(new double[count], new double[count], shape, mode, activations);
            Assert.True((values * sizeof(double)) + statistics == activations.Bytes, $"double, {context}: {activations.Bytes} bytes held");
        }
    }

    /// <summary>
    /// The default module of a real network's stage, [8, 256, 28, 28] with rate 4 (m = 64, out = 256): 8·(64 + 256)·784
    /// float values (1,003,520 bytes per sample, as <see cref="GamActivations"/>' remarks say) and four doubles for each of
    /// the 64 + 256 BatchNorm channels. Computed from the shape alone: no forward pass.
    /// </summary>
    [Fact]
    public void ActivationBytes_of_the_default_module_on_8x256x28x28()
    {
        var module = new GamModule(GamWeights.CreateDefault(256, rate: 4));
        Assert.Equal((8L * (64 + 256) * 784 * sizeof(float)) + (4L * sizeof(double) * (64 + 256)), module.ActivationBytes([8, 256, 28, 28]));
        Assert.Equal(8_038_400, module.ActivationBytes([8, 256, 28, 28]));
        Assert.Equal(1_003_520 + (4L * sizeof(double) * (64 + 256)), module.ActivationBytes([1, 256, 28, 28]));

        // One spatial map channel (out = 1): m + 1 planes per sample.
        var broadcast = new GamModule(GamWeights.CreateDefault(256, rate: 4, outChannels: 1));
        Assert.Equal((8L * (64 + 1) * 784 * sizeof(float)) + (4L * sizeof(double) * (64 + 1)), broadcast.ActivationBytes([8, 256, 28, 28]));
    }

    [Fact]
    public void ActivationBytes_rejects_the_shapes_Forward_rejects()
    {
        var module = new GamModule(GamWeights.CreateDefault(8));
        Assert.Equal("shape", Assert.Throws<ArgumentException>(() => module.ActivationBytes([2, 8, 12])).ParamName);
        Assert.Equal("shape", Assert.Throws<ArgumentOutOfRangeException>(() => module.ActivationBytes([2, 8, 0, 4])).ParamName);
        Assert.Equal("shape", Assert.Throws<ArgumentException>(() => module.ActivationBytes([2, 4, 3, 4])).ParamName);
    }
}
