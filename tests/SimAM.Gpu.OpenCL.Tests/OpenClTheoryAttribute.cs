using System.Runtime.CompilerServices;
using Xunit;

namespace SimAM.Gpu.Tests;

/// <summary>A theory that needs an OpenCL device; see <see cref="OpenClFactAttribute"/>.</summary>
public sealed class OpenClTheoryAttribute : TheoryAttribute
{
    public OpenClTheoryAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        Skip = OpenClEnvironment.SkipReason;
    }
}
