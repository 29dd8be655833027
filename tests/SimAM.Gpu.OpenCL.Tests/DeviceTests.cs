using System;
using System.Linq;
using SimAM.Gpu.Interop;
using SimAM.Gpu.Kernels;
using Xunit;

namespace SimAM.Gpu.Tests;

/// <summary>Device discovery and selection, the reasons given when there is none, and OpenCL errors.</summary>
[Collection(OpenClTestGroup.Name)]
public sealed class DeviceTests(OpenClFixture fixture, ITestOutputHelper output)
{
    [OpenClFact]
    public void The_device_is_found_and_reported()
    {
        var backend = fixture[OpenClFixture.Auto];
        Assert.True(OpenClBackend.IsAvailable(out var reason), reason);
        var devices = OpenClBackend.GetDevices();
        output.WriteLine($"OpenCL device: {backend.Device.Name}");
        output.WriteLine($"platform: {backend.Device.Platform}; driver {backend.Device.DriverVersion}; {backend.Device.Version}");
        output.WriteLine($"backend: {backend.Name}; work-group size {backend.WorkGroupSize}; accumulation {backend.Accumulation}");
        output.WriteLine($"all devices: {string.Join("; ", devices)}");

        Assert.Contains(backend.Device, devices);
        Assert.False(string.IsNullOrWhiteSpace(backend.Device.Name));
        Assert.True(backend.Device.ComputeUnits > 0);
        Assert.InRange(backend.WorkGroupSize, 1, 256);
        Assert.True(int.IsPow2(backend.WorkGroupSize));
        Assert.Equal(backend.Device.SupportsDouble ? OpenClAccumulation.DoublePrecision : OpenClAccumulation.CompensatedSinglePrecision, backend.Accumulation);
        Assert.Equal(OpenClAccumulation.CompensatedSinglePrecision, fixture[OpenClFixture.Compensated].Accumulation);
        Assert.Equal(64, fixture[OpenClFixture.AutoSplit].WorkGroupSize);
    }

    [OpenClFact]
    public void The_default_choice_prefers_a_GPU_and_a_name_selects_a_device()
    {
        OpenClEnvironment.EnsureAvailable();
        var devices = OpenClBackend.GetDevices();
        var expected = devices.FirstOrDefault(d => d.Kind == OpenClDeviceKind.Gpu) ?? devices[0];
        Assert.Equal(expected, fixture[OpenClFixture.Auto].Device);

        var last = devices[^1];
        Assert.True(OpenClBackend.TryCreate(out var named, out var reason, last.Name[..Math.Min(6, last.Name.Length)].ToUpperInvariant()), reason);
        using (named)
        {
            Assert.Contains(last.Name[..Math.Min(6, last.Name.Length)], named.Device.Name, StringComparison.Ordinal);
        }
    }

    [OpenClFact]
    public void An_unknown_device_name_is_refused_with_the_list_of_devices()
    {
        OpenClEnvironment.EnsureAvailable();
        Assert.False(OpenClBackend.TryCreate(out var backend, out var reason, "no-such-device-xyz"));
        Assert.Null(backend);
        Assert.StartsWith("no OpenCL device name contains 'no-such-device-xyz'", reason, StringComparison.Ordinal);
        Assert.Contains(fixture[OpenClFixture.Auto].Device.Name, reason, StringComparison.Ordinal);

        var e = Assert.Throws<PlatformNotSupportedException>(() => OpenClBackend.Create(new OpenClBackendOptions { DeviceName = "no-such-device-xyz" }));
        Assert.Equal(reason, e.Message);
    }

    [OpenClFact]
    public void A_program_that_fails_to_build_reports_the_error_name_and_the_build_log()
    {
        var backend = fixture[OpenClFixture.Auto];
        var e = Assert.Throws<OpenClException>(() =>
            SimAmProgram.Compile(backend.Context, backend.Device.DeviceId, "kernel void broken(global float* x) { x[0] = undefined_name; }", string.Empty).Dispose());
        output.WriteLine(e.Message);
        Assert.Equal("CL_BUILD_PROGRAM_FAILURE", e.ErrorName);
        Assert.Equal(-11, e.ErrorCode);
        Assert.Equal("clBuildProgram", e.Function);
        Assert.Contains("undefined_name", e.BuildLog, StringComparison.Ordinal);
        Assert.Contains(e.BuildLog!, e.Message, StringComparison.Ordinal);
    }

    [OpenClFact]
    public void Large_planes_are_split_only_when_the_planes_alone_cannot_fill_the_device()
    {
        var backend = fixture[OpenClFixture.Auto];
        var units = backend.Device.ComputeUnits;

        // Plenty of planes: one work-group each (the fused kernels).
        Assert.Equal(1, backend.Layout(8 * 256, 56 * 56).Groups);
        Assert.Equal(1, backend.Layout(4 * units, 1 << 20).Groups);

        // One huge plane: split, every chunk still large, the chunks cover the plane exactly.
        var layout = backend.Layout(1, 1024 * 1024);
        Assert.InRange(layout.Groups, 2, 64);
        Assert.True(layout.Chunk >= 16 * backend.WorkGroupSize);
        Assert.True((long)(layout.Groups - 1) * layout.Chunk < 1024 * 1024 && (long)layout.Groups * layout.Chunk >= 1024 * 1024);

        // A forced split never makes empty chunks.
        var forced = fixture[OpenClFixture.AutoSplit].Layout(1, 2);
        Assert.Equal(new SplitLayout(2, 2, 1), forced);
    }

    [Fact]
    public void OpenCL_status_codes_have_their_names()
    {
        Assert.Equal("CL_INVALID_WORK_GROUP_SIZE", OpenClErrors.Name(-54));
        Assert.Equal("CL_BUILD_PROGRAM_FAILURE", OpenClErrors.Name(-11));
        Assert.Equal("CL_PLATFORM_NOT_FOUND_KHR", OpenClErrors.Name(-1001));
        Assert.Equal("CL_UNKNOWN_ERROR(-9999)", OpenClErrors.Name(-9999));
        var e = new OpenClException("clEnqueueNDRangeKernel", -54);
        Assert.Equal("clEnqueueNDRangeKernel failed: CL_INVALID_WORK_GROUP_SIZE (-54).", e.Message);
        Assert.Null(e.BuildLog);
    }

    [Fact]
    public void The_loader_is_looked_up_by_its_runtime_name_first()
    {
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(["libOpenCL.so.1", "libOpenCL.so", "OpenCL"], OpenClLibrary.Candidates);
        }
    }
}
