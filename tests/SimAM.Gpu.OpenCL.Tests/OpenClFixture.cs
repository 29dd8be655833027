using System;
using System.Collections.Generic;
using Xunit;

namespace SimAM.Gpu.Tests;

/// <summary>
/// The backends the tests share: every kernel path of Kernels/simam.cl, each built once per test run
/// (POCL compiles with LLVM, so building per test would dominate the run time).
/// </summary>
public sealed class OpenClFixture : IDisposable
{
    /// <summary>The default backend: double sums where the device has them, one work-group per plane.</summary>
    public const string Auto = "auto";

    /// <summary>Compensated float sums, the path of devices without cl_khr_fp64.</summary>
    public const string Compensated = "fp32-compensated";

    /// <summary>The split kernels (3 work-groups per plane) with 64-item work-groups.</summary>
    public const string AutoSplit = "auto-split3-wg64";

    /// <summary>Compensated float sums through the split kernels (5 work-groups per plane).</summary>
    public const string CompensatedSplit = "fp32-compensated-split5";

    private readonly Dictionary<string, OpenClBackend> _backends = [];
    private readonly object _sync = new();

    /// <summary>Gets every variant: each kernel path of Kernels/simam.cl is reachable from one of them.</summary>
    public static string[] All => [Auto, Compensated, AutoSplit, CompensatedSplit];

    public static TheoryData<string> Variants => [.. All];

    public OpenClBackend this[string variant]
    {
        get
        {
            OpenClEnvironment.EnsureAvailable();
            lock (_sync)
            {
                if (!_backends.TryGetValue(variant, out var backend))
                {
                    backend = OpenClBackend.Create(Options(variant));
                    _backends.Add(variant, backend);
                }

                return backend;
            }
        }
    }

    public static OpenClBackendOptions Options(string variant) => variant switch
    {
        Auto => new OpenClBackendOptions(),
        Compensated => new OpenClBackendOptions { Accumulation = OpenClAccumulation.CompensatedSinglePrecision },
        AutoSplit => new OpenClBackendOptions { GroupsPerPlane = 3, WorkGroupSize = 64 },
        CompensatedSplit => new OpenClBackendOptions { Accumulation = OpenClAccumulation.CompensatedSinglePrecision, GroupsPerPlane = 5 },
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "unknown backend variant"),
    };

    public void Dispose()
    {
        foreach (var backend in _backends.Values)
        {
            backend.Dispose();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class OpenClTestGroup : ICollectionFixture<OpenClFixture>
{
    public const string Name = "OpenCL";
}
