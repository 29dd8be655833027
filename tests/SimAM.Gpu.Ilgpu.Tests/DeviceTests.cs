using System;
using System.Linq;
using SimAM.Gpu.Ilgpu.Runtime;
using Xunit;

namespace SimAM.Gpu.Ilgpu.Tests;

/// <summary>Accelerator discovery and choice: CUDA first, then OpenCL, the CPU accelerator only by name; the reasons given when there is none.</summary>
public sealed class DeviceTests(IlgpuFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void The_devices_are_listed_GPUs_first_and_the_CPU_accelerator_last()
    {
        IlgpuEnvironment.Require();
        var devices = IlgpuBackend.GetDevices();
        foreach (var device in devices)
        {
            output.WriteLine(device.ToString());
        }

        Assert.NotEmpty(devices);
        Assert.Equal(IlgpuAcceleratorKind.Cpu, devices[^1].Kind);
        Assert.Equal(IlgpuBackend.CpuDeviceName, devices[^1].Name);
        var kinds = devices.Select(d => d.Kind).ToList();
        Assert.Equal(kinds.OrderBy(k => k), kinds);
        Assert.Single(devices, d => d.Kind == IlgpuAcceleratorKind.Cpu);
    }

    [Fact]
    public void The_default_choice_is_a_GPU_and_never_the_CPU_accelerator()
    {
        IlgpuEnvironment.Require();
        var gpu = IlgpuBackend.GetDevices().FirstOrDefault(d => d.Kind != IlgpuAcceleratorKind.Cpu);
        var created = IlgpuBackend.TryCreate(out var backend, out var reason);
        output.WriteLine(reason);
        using (backend)
        {
            Assert.Equal(gpu is not null, created);
            Assert.Equal(created, IlgpuBackend.IsGpuAvailable(out var availability));
            if (gpu is null)
            {
                // This machine: no CUDA driver, and POCL is refused by ILGPU's OpenCL accelerator.
                Assert.Null(backend);
                Assert.StartsWith("no CUDA or OpenCL device that ILGPU accepts", reason, StringComparison.Ordinal);
                Assert.Contains($"device '{IlgpuBackend.CpuDeviceName}'", reason, StringComparison.Ordinal);
                Assert.Equal(reason, availability);
                var e = Assert.Throws<PlatformNotSupportedException>(() => IlgpuBackend.Create());
                Assert.Equal(reason, e.Message);
            }
            else
            {
                Assert.Equal(gpu, backend!.Device);
            }
        }
    }

    [Fact]
    public void The_CPU_accelerator_is_chosen_by_its_name_in_any_case()
    {
        var backend = fixture[IlgpuFixture.Cpu];
        output.WriteLine($"tests run on {backend.Device}; groups of up to {backend.MaxGroupSize} threads");
        Assert.Equal(16, fixture[IlgpuFixture.Groups16].MaxGroupSize);
        if (IlgpuFixture.OnCpuAccelerator)
        {
            Assert.Equal(IlgpuAcceleratorKind.Cpu, backend.Device.Kind);
            Assert.Equal("ilgpu (Cpu: cpu)", backend.Name);
            Assert.Equal(4, backend.MaxGroupSize);
            Assert.True(backend.Device.MaxGroupSize >= 256, "the CPU accelerator is created with groups of up to 256 threads");
        }

        Assert.True(IlgpuBackend.TryCreate(out var upper, out var reason, "CPU"), reason);
        using (upper)
        {
            Assert.Equal(IlgpuAcceleratorKind.Cpu, upper.Device.Kind);
        }
    }

    [Fact]
    public void An_unknown_device_name_is_refused_with_the_list_of_devices()
    {
        IlgpuEnvironment.Require();
        Assert.False(IlgpuBackend.TryCreate(out var backend, out var reason, "no-such-device-xyz"));
        Assert.Null(backend);
        Assert.StartsWith("no ILGPU device name contains 'no-such-device-xyz'", reason, StringComparison.Ordinal);
        Assert.Contains("Cpu: cpu", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Large_planes_are_split_only_when_the_planes_alone_cannot_fill_the_device()
    {
        var backend = fixture[IlgpuFixture.Cpu];

        // Plenty of planes: one group each (the fused kernels).
        Assert.Equal(1, backend.Layout(8 * 256, 56 * 56).Groups);

        // One huge plane: split, every chunk still large, the chunks cover the plane exactly.
        var layout = backend.Layout(1, 1024 * 1024);
        Assert.InRange(layout.Groups, 2, 64);
        Assert.True(layout.Chunk >= 16 * layout.GroupSize);
        Assert.True((long)(layout.Groups - 1) * layout.Chunk < 1024 * 1024 && (long)layout.Groups * layout.Chunk >= 1024 * 1024);

        // A forced split never makes empty chunks; small planes get small groups (at least a warp).
        var forced = fixture[IlgpuFixture.Split].Layout(1, 2);
        Assert.Equal((2, 2, 1), (forced.PlaneSize, forced.Groups, forced.Chunk));
        Assert.Equal(16, fixture[IlgpuFixture.Groups16].Layout(10, 64).GroupSize);
        Assert.Equal(Math.Max(8, Math.Min(16, backend.Device.WarpSize)), fixture[IlgpuFixture.Groups16].Layout(10, 32).GroupSize);
    }

    [Fact]
    public void The_driver_libraries_are_looked_up_by_their_runtime_names_first()
    {
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(["libcuda.so.1", "libcuda.so", "cuda"], NativeLibraries.CudaCandidates);
            Assert.Equal(["libOpenCL.so.1", "libOpenCL.so", "OpenCL"], NativeLibraries.OpenClCandidates);
        }
    }
}
