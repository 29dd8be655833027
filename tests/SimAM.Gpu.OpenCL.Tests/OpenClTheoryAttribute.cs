using Xunit;

namespace SimAM.Gpu.Tests;

/// <summary>A theory that needs an OpenCL device; see <see cref="OpenClFactAttribute"/>.</summary>
public sealed class OpenClTheoryAttribute : TheoryAttribute
{
    public OpenClTheoryAttribute()
    {
        Skip = OpenClEnvironment.SkipReason;
    }
}
