using Xunit;

namespace SimAM.Gpu.Tests;

/// <summary>
/// A fact that needs an OpenCL device. xunit 2 has no dynamic skip, so Skip is set when the attribute
/// is constructed at discovery: the runner shows "no OpenCL runtime (...)" (or platform, or device) as the reason.
/// </summary>
public sealed class OpenClFactAttribute : FactAttribute
{
    public OpenClFactAttribute()
    {
        Skip = OpenClEnvironment.SkipReason;
    }
}
