using System.Runtime.CompilerServices;
using Xunit;

namespace SimAM.Gpu.Tests;

/// <summary>
/// A fact that needs an OpenCL device. Skip is set when the attribute is constructed at discovery (once per
/// run, in the test process), so the runner shows "no OpenCL runtime (...)" (or platform, or device) as the
/// reason; with SIMAM_REQUIRE_OPENCL=1 there is no skip and the test fails with that reason instead.
/// </summary>
public sealed class OpenClFactAttribute : FactAttribute
{
    public OpenClFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        Skip = OpenClEnvironment.SkipReason;
    }
}
