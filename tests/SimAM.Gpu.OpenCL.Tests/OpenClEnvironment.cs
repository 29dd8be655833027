using System;

namespace SimAM.Gpu.Tests;

/// <summary>
/// Whether this machine can run the OpenCL tests, decided once per test run (at discovery). Without
/// an OpenCL runtime the tests are skipped with the reason; with SIMAM_REQUIRE_OPENCL=1 (CI) they run
/// anyway and fail with it, so a suite that did not run cannot pass.
/// </summary>
public static class OpenClEnvironment
{
    public const string RequireVariable = "SIMAM_REQUIRE_OPENCL";

    private static readonly Lazy<(bool Available, string Reason)> s_state = new(() =>
    {
        var available = OpenClBackend.IsAvailable(out var reason);
        return (available, reason);
    });

    public static bool IsAvailable => s_state.Value.Available;

    public static string Reason => s_state.Value.Reason;

    public static bool IsRequired => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    /// <summary>Gets the skip reason for the attributes: null when the tests must run.</summary>
    public static string? SkipReason => IsAvailable || IsRequired ? null : Reason;

    /// <summary>Throws the reason when a test runs without OpenCL (only possible with SIMAM_REQUIRE_OPENCL=1).</summary>
    public static void EnsureAvailable()
    {
        if (!IsAvailable)
        {
            throw new InvalidOperationException($"{RequireVariable}=1 but {Reason}");
        }
    }
}
