using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace SimAM.Gam.Tests.Infrastructure;

/// <summary>Which convolution algorithm a module runs (<see cref="GamOptions"/>' internal <c>PackedConvolution</c> and <c>SpectralConvolution</c>).</summary>
public enum ConvolutionPath
{
    /// <summary>The micro-kernel slides over the zero-padded planes (<c>PackedConvolution = false</c>).</summary>
    Direct,

    /// <summary>Each tile's inputs are copied into a panel over the whole batch's pixels first (<c>PackedConvolution = true</c>).</summary>
    Packed,

    /// <summary>The module's cost model chooses per shape (<c>PackedConvolution = null</c>, what users get).</summary>
    CostModel,

    /// <summary>
    /// Every pass convolves, and backward passes form their weight and data gradients, through the discrete Fourier
    /// transform (<c>SpectralConvolution = true</c>); grouped modules, and maps or weights beyond its limits, run what the
    /// cost model picks.
    /// </summary>
    Spectral,
}

/// <summary>
/// Every kernel width this machine runs and both convolution algorithms, as xunit data, and the module options
/// that select them: each test that takes them runs once per width and path, so that every path is checked on
/// every machine that can run it.
/// </summary>
public static class ModulePaths
{
    /// <summary>
    /// The skip reason of a test in a class that runs one kernel width. Such a class declares a public static bool
    /// property named <see cref="IsAccelerated"/>, which xunit reads before the test runs (SkipUnless): a width this
    /// processor does not accelerate is reported as skipped.
    /// </summary>
    public const string NotAccelerated = "this processor does not accelerate this kernel width";

    /// <summary>The name of the property that tells whether a one-width test class runs here.</summary>
    public const string IsAccelerated = nameof(IsAccelerated);

    /// <summary>Gets the three algorithms a test forces (the cost model only ever picks one of them).</summary>
    public static IReadOnlyList<ConvolutionPath> Forced { get; } = [ConvolutionPath.Direct, ConvolutionPath.Packed, ConvolutionPath.Spectral];

    public static IEnumerable<object[]> Kernels => SimAmKernels.Supported.Select(k => new object[] { k });

    public static TheoryData<SimAmKernel, ConvolutionPath> KernelsAndPaths
    {
        get
        {
            var data = new TheoryData<SimAmKernel, ConvolutionPath>();
            foreach (var kernel in SimAmKernels.Supported)
            {
                foreach (var path in Forced)
                {
                    data.Add(kernel, path);
                }
            }

            return data;
        }
    }

    public static TheoryData<ConvolutionPath> AllPaths => [.. Enum.GetValues<ConvolutionPath>()];

    public static bool? PackedOption(this ConvolutionPath path) => path switch
    {
        ConvolutionPath.Direct => false,
        ConvolutionPath.Packed => true,
        _ => null,
    };

    public static GamOptions Options(
        SimAmKernel kernel,
        ConvolutionPath path,
        int threads = 1,
        GamChannelGate gate = GamChannelGate.Identity,
        int shuffleGroups = 0) =>
        new()
        {
            Kernel = kernel,
            PackedConvolution = path.PackedOption(),
            SpectralConvolution = path == ConvolutionPath.Spectral ? true : (path == ConvolutionPath.CostModel ? null : false),
            MaxDegreeOfParallelism = threads,
            ChannelGate = gate,
            ShuffleGroups = shuffleGroups,
        };
}
