using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace SimAM.Tests.Kernels;

/// <summary>Every kernel this machine runs, as xunit data: each test below runs once per path.</summary>
public static class KernelPaths
{
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
