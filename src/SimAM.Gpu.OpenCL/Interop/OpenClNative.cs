using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SimAM.Gpu.Interop;

/// <summary>
/// Source-generated bindings for the OpenCL 1.2 entry points this backend uses, and nothing else.
/// Every parameter is blittable (pointers, handles, integers), so the generated stubs do no
/// marshalling beyond <see cref="SafeHandle"/> reference counting. The library name "OpenCL" is
/// mapped to the installed loader by <see cref="OpenClLibrary"/>.
/// </summary>
internal static unsafe partial class OpenClNative
{
    public const string Library = "OpenCL";

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial int clGetPlatformIDs(uint numEntries, nint* platforms, uint* numPlatforms);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial int clGetPlatformInfo(nint platform, uint paramName, nuint valueSize, void* value, nuint* valueSizeReturned);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial int clGetDeviceIDs(nint platform, ulong deviceType, uint numEntries, nint* devices, uint* numDevices);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial int clGetDeviceInfo(nint device, uint paramName, nuint valueSize, void* value, nuint* valueSizeReturned);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial ContextHandle clCreateContext(nint* properties, uint numDevices, nint* devices, nint notify, nint userData, int* errorCode);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial int clReleaseContext(nint context);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial CommandQueueHandle clCreateCommandQueue(ContextHandle context, nint device, ulong properties, int* errorCode);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial int clReleaseCommandQueue(nint queue);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial int clFinish(CommandQueueHandle queue);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial ProgramHandle clCreateProgramWithSource(ContextHandle context, uint count, byte** strings, nuint* lengths, int* errorCode);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial int clBuildProgram(ProgramHandle program, uint numDevices, nint* devices, byte* options, nint notify, nint userData);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial int clGetProgramBuildInfo(ProgramHandle program, nint device, uint paramName, nuint valueSize, void* value, nuint* valueSizeReturned);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial int clReleaseProgram(nint program);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial KernelHandle clCreateKernel(ProgramHandle program, byte* kernelName, int* errorCode);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial int clReleaseKernel(nint kernel);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial int clSetKernelArg(KernelHandle kernel, uint index, nuint size, void* value);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial int clGetKernelWorkGroupInfo(KernelHandle kernel, nint device, uint paramName, nuint valueSize, void* value, nuint* valueSizeReturned);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial MemObjectHandle clCreateBuffer(ContextHandle context, ulong flags, nuint size, void* hostPointer, int* errorCode);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial int clReleaseMemObject(nint memObject);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial int clEnqueueWriteBuffer(CommandQueueHandle queue, MemObjectHandle buffer, uint blocking, nuint offset, nuint size, void* source, uint numEvents, nint* waitList, nint* completion);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial int clEnqueueReadBuffer(CommandQueueHandle queue, MemObjectHandle buffer, uint blocking, nuint offset, nuint size, void* destination, uint numEvents, nint* waitList, nint* completion);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    public static partial int clEnqueueNDRangeKernel(CommandQueueHandle queue, KernelHandle kernel, uint workDimensions, nuint* globalOffset, nuint* globalSize, nuint* localSize, uint numEvents, nint* waitList, nint* completion);
}
