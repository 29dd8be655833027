using System.Collections.Generic;
using System.Linq;

namespace SimAM.Tests.Kernels;

/// <summary>Every kernel this machine runs, as xunit data: each test below runs once per path.</summary>
public static class KernelPaths
{
    public static IEnumerable<object[]> All => SimAmKernels.Supported.Select(k => new object[] { k });

    public static SimAmOptions Options(SimAmKernel kernel, int threads = -1) =>
        new() { Kernel = kernel, MaxDegreeOfParallelism = threads };
}
