using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace SimAM.Tests.Kernels;

/// <summary>Every kernel this machine runs, as xunit data: each test below runs once per path.</summary>
public static class KernelPaths
{
    /// <summary>
    /// The skip reason of a test in a class that runs one kernel path. Such a class declares a public static
    /// bool property named <see cref="IsAccelerated"/>, which xunit reads before the test runs (SkipUnless):
    /// a path this processor does not accelerate is reported as skipped.
    /// </summary>
    public const string NotAccelerated = "this processor does not accelerate this kernel path";

    /// <summary>The name of the property that tells whether a one-kernel test class runs here.</summary>
    public const string IsAccelerated = nameof(IsAccelerated);

    public static IEnumerable<object[]> All => SimAmKernels.Supported.Select(k => new object[] { k });

    /// <summary>Gets every kernel path in both layouts and both variants.</summary>
    public static TheoryData<SimAmKernel, SimAmLayout, SimAmVariant> WithLayoutsAndVariants
    {
        get
        {
            var data = new TheoryData<SimAmKernel, SimAmLayout, SimAmVariant>();
            foreach (var kernel in SimAmKernels.Supported)
            {
                foreach (var layout in new[] { SimAmLayout.ChannelsFirst, SimAmLayout.ChannelsLast })
                {
                    foreach (var variant in new[] { SimAmVariant.Fast, SimAmVariant.Exact })
                    {
                        data.Add(kernel, layout, variant);
                    }
                }
            }

            return data;
        }
    }

    public static SimAmOptions Options(SimAmKernel kernel, int threads = -1) =>
        new() { Kernel = kernel, MaxDegreeOfParallelism = threads };
}
