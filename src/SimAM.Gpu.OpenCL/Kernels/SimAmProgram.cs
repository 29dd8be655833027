using System;
using System.Globalization;
using System.IO;
using System.Text;
using SimAM.Gpu.Interop;

namespace SimAM.Gpu.Kernels;

/// <summary>
/// The kernels of Kernels/simam.cl, built once for one context and device. Building is the expensive
/// step (POCL runs LLVM; GPU drivers compile too), so an <see cref="OpenClBackend"/> builds once and
/// keeps the program for its lifetime.
/// </summary>
internal sealed unsafe class SimAmProgram : IDisposable
{
    private const string ResourceName = "SimAM.Gpu.Kernels.simam.cl";

    private static readonly Lazy<string> s_source = new(ReadSource);

    private readonly ProgramHandle _program;

    private SimAmProgram(ProgramHandle program, int workGroupSize, bool float64)
    {
        _program = program;
        WorkGroupSize = workGroupSize;
        Float64 = float64;
        Forward = CreateKernel("simam_forward");
        Backward = CreateKernel("simam_backward");
        PartMax = CreateKernel("simam_part_max");
        PartSum = CreateKernel("simam_part_sum");
        PartSquares = CreateKernel("simam_part_squares");
        ForwardApply = CreateKernel("simam_forward_apply");
        BackwardPart = CreateKernel("simam_backward_part");
        BackwardApply = CreateKernel("simam_backward_apply");
    }

    /// <summary>Gets the OpenCL C source embedded in this assembly.</summary>
    public static string Source => s_source.Value;

    /// <summary>Gets the work-group size the program was built for (WG); every launch uses it.</summary>
    public int WorkGroupSize { get; }

    /// <summary>Gets a value indicating whether the sums accumulate in double (SIMAM_FP64).</summary>
    public bool Float64 { get; }

    public KernelHandle Forward { get; }

    public KernelHandle Backward { get; }

    public KernelHandle PartMax { get; }

    public KernelHandle PartSum { get; }

    public KernelHandle PartSquares { get; }

    public KernelHandle ForwardApply { get; }

    public KernelHandle BackwardPart { get; }

    public KernelHandle BackwardApply { get; }

    /// <summary>
    /// Builds the program with the largest power-of-two work-group size up to <paramref name="requestedWorkGroupSize"/>
    /// that the device accepts for every kernel (a kernel's limit is only known after building, so this may build twice).
    /// </summary>
    public static SimAmProgram Build(ContextHandle context, OpenClDeviceInfo device, bool float64, int requestedWorkGroupSize)
    {
        var workGroupSize = FloorPowerOfTwo(Math.Min(requestedWorkGroupSize, device.MaxWorkGroupSize));
        while (true)
        {
            var program = new SimAmProgram(Compile(context, device.DeviceId, Source, Options(workGroupSize, float64)), workGroupSize, float64);
            var limit = program.KernelLimit(device.DeviceId);
            if (limit >= workGroupSize)
            {
                return program;
            }

            program.Dispose();
            workGroupSize = FloorPowerOfTwo(limit);
        }
    }

    /// <summary>Compiles OpenCL C source for one device; a failed build throws with the compiler's log.</summary>
    internal static ProgramHandle Compile(ContextHandle context, nint device, string source, string options)
    {
        var sourceBytes = Encoding.UTF8.GetBytes(source);
        var optionBytes = Encoding.UTF8.GetBytes(options + "\0");
        int status;
        ProgramHandle program;
        fixed (byte* text = sourceBytes)
        {
            var strings = text;
            var length = (nuint)sourceBytes.Length;
            program = OpenClNative.clCreateProgramWithSource(context, 1, &strings, &length, &status);
        }

        OpenClErrors.Check(status, "clCreateProgramWithSource");
        fixed (byte* optionText = optionBytes)
        {
            status = OpenClNative.clBuildProgram(program, 1, &device, optionText, 0, 0);
        }

        if (status != OpenClConstants.Success)
        {
            var log = BuildLog(program, device);
            program.Dispose();
            throw new OpenClException("clBuildProgram", status, log);
        }

        return program;
    }

    /// <summary>Sets argument <paramref name="index"/> of a kernel to a buffer.</summary>
    public static void SetArgument(KernelHandle kernel, uint index, MemObjectHandle buffer)
    {
        var added = false;
        buffer.DangerousAddRef(ref added);
        try
        {
            var handle = buffer.DangerousGetHandle();
            OpenClErrors.Check(OpenClNative.clSetKernelArg(kernel, index, (nuint)sizeof(nint), &handle), "clSetKernelArg");
        }
        finally
        {
            if (added)
            {
                buffer.DangerousRelease();
            }
        }
    }

    /// <summary>Sets argument <paramref name="index"/> of a kernel to a 32-bit value (uint or float).</summary>
    public static void SetArgument<T>(KernelHandle kernel, uint index, T value)
        where T : unmanaged =>
        OpenClErrors.Check(OpenClNative.clSetKernelArg(kernel, index, (nuint)sizeof(T), &value), "clSetKernelArg");

    /// <summary>Enqueues a kernel over a (global0 × global1) range in work-groups of (WG × 1).</summary>
    public void Enqueue(CommandQueueHandle queue, KernelHandle kernel, long global0, long global1 = 1)
    {
        var global = stackalloc nuint[2] { (nuint)global0, (nuint)global1 };
        var local = stackalloc nuint[2] { (nuint)WorkGroupSize, 1 };
        OpenClErrors.Check(
            OpenClNative.clEnqueueNDRangeKernel(queue, kernel, global1 == 1 ? 1u : 2u, null, global, local, 0, null, null),
            "clEnqueueNDRangeKernel");
    }

    public void Dispose()
    {
        Forward.Dispose();
        Backward.Dispose();
        PartMax.Dispose();
        PartSum.Dispose();
        PartSquares.Dispose();
        ForwardApply.Dispose();
        BackwardPart.Dispose();
        BackwardApply.Dispose();
        _program.Dispose();
    }

    private static string Options(int workGroupSize, bool float64) =>
        string.Create(CultureInfo.InvariantCulture, $"-D WG={workGroupSize}{(float64 ? " -D SIMAM_FP64=1" : string.Empty)}");

    private static int FloorPowerOfTwo(long value) => value < 1 ? 1 : (int)(1L << (int)(63 - long.LeadingZeroCount(value)));

    private static string ReadSource()
    {
        using var stream = typeof(SimAmProgram).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The kernel source {ResourceName} is not embedded in {typeof(SimAmProgram).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static string BuildLog(ProgramHandle program, nint device)
    {
        nuint size;
        if (OpenClNative.clGetProgramBuildInfo(program, device, OpenClConstants.ProgramBuildLog, 0, null, &size) != OpenClConstants.Success || size == 0)
        {
            return string.Empty;
        }

        var bytes = new byte[(int)size];
        fixed (byte* p = bytes)
        {
            if (OpenClNative.clGetProgramBuildInfo(program, device, OpenClConstants.ProgramBuildLog, size, p, null) != OpenClConstants.Success)
            {
                return string.Empty;
            }
        }

        return OpenClDevices.Decode(bytes);
    }

    private KernelHandle CreateKernel(string name)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name + "\0");
        int status;
        KernelHandle kernel;
        fixed (byte* p = nameBytes)
        {
            kernel = OpenClNative.clCreateKernel(_program, p, &status);
        }

        OpenClErrors.Check(status, "clCreateKernel(" + name + ")");
        return kernel;
    }

    private long KernelLimit(nint device)
    {
        var limit = long.MaxValue;
        foreach (var kernel in new[] { Forward, Backward, PartMax, PartSum, PartSquares, ForwardApply, BackwardPart, BackwardApply })
        {
            nuint size;
            OpenClErrors.Check(OpenClNative.clGetKernelWorkGroupInfo(kernel, device, OpenClConstants.KernelWorkGroupSize, (nuint)sizeof(nuint), &size, null), "clGetKernelWorkGroupInfo");
            limit = Math.Min(limit, (long)size);
        }

        return limit;
    }
}
