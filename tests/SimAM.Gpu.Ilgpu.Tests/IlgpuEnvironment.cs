using System;
using Xunit;

namespace SimAM.Gpu.Ilgpu.Tests;

/// <summary>
/// Whether this machine can run the ILGPU tests on their device (<see cref="IlgpuFixture.DeviceName"/>): ILGPU's CPU
/// accelerator starts wherever ILGPU does, so there a skip means ILGPU itself failed. Without SIMAM_REQUIRE_ILGPU=1 such tests are skipped with the reason; with it (CI) they fail
/// with it, so a suite that did not run cannot pass.
/// </summary>
public static class IlgpuEnvironment
{
    public const string RequireVariable = "SIMAM_REQUIRE_ILGPU";

    private static readonly Lazy<(bool Available, string Reason)> s_state = new(() =>
    {
        if (!IlgpuBackend.TryCreate(out var backend, out var reason, IlgpuFixture.DeviceName))
        {
            return (false, reason);
        }

        backend.Dispose();
        return (true, reason);
    });

    public static bool IsAvailable => s_state.Value.Available;

    public static string Reason => s_state.Value.Reason;

    public static bool IsRequired => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    /// <summary>Skips the calling test when no ILGPU accelerator can be created, or fails it when one is required.</summary>
    public static void Require()
    {
        if (IsAvailable)
        {
            return;
        }

        if (IsRequired)
        {
            throw new InvalidOperationException($"{RequireVariable}=1 but no ILGPU accelerator could be created: {Reason}");
        }

        Assert.Skip($"no ILGPU accelerator: {Reason}");
    }
}
