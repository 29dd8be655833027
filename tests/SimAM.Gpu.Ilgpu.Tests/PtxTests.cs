using System;
using System.Linq;
using System.Text.RegularExpressions;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using SimAM.Gpu.Ilgpu.Kernels;
using Xunit;

namespace SimAM.Gpu.Ilgpu.Tests;

/// <summary>
/// The kernels compiled to PTX for an H100 (sm_90) without a GPU: ILGPU's PTX backend runs anywhere, so CI checks that
/// every kernel compiles for CUDA, calls nothing unresolved, and that the gate's exp is the hardware ex2 — the claim
/// behind keeping the gate in float (docs/gpu.md).
/// </summary>
public sealed partial class PtxTests(ITestOutputHelper output)
{
    public static TheoryData<string> Kernels =>
    [
        nameof(PlaneKernels.Forward), nameof(PlaneKernels.Backward), nameof(PlaneKernels.PartialSums), nameof(PlaneKernels.PartialSquares),
        nameof(PlaneKernels.ForwardChunk), nameof(PlaneKernels.BackwardPartials), nameof(PlaneKernels.BackwardChunk),
    ];

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Every_kernel_compiles_to_PTX_for_sm_90_without_unresolved_calls(string kernel)
    {
        var ptx = Compile(KernelSet.Method(kernel));
        var count = InstructionCount(ptx);
        output.WriteLine($"{kernel}: {count} PTX instructions, {Count(ptx, "ex2.approx.f32")} ex2.approx.f32, {Count(ptx, "bar.sync")} bar.sync, {Count(ptx, ".f64")} f64 operands");
        Assert.DoesNotContain(".extern .func", ptx, StringComparison.Ordinal);
        Assert.Contains(".entry", ptx, StringComparison.Ordinal);
    }

    [Fact]
    public void The_float_gate_is_one_ex2_approx_and_a_double_exp_would_be_a_long_routine()
    {
        var forward = Compile(KernelSet.Method(nameof(PlaneKernels.Forward)));
        var floatExp = Compile(typeof(ExpKernels).GetMethod(nameof(ExpKernels.FloatExp))!);
        var doubleExp = Compile(typeof(ExpKernels).GetMethod(nameof(ExpKernels.DoubleExp))!);
        var floatCount = InstructionCount(floatExp);
        var doubleCount = InstructionCount(doubleExp);
        output.WriteLine($"y = MathF.Exp(x): {floatCount} PTX instructions; y = (float)Math.Exp(x): {doubleCount}");

        Assert.Equal(1, Count(floatExp, "ex2.approx.f32"));
        Assert.Equal(1, Count(forward, "ex2.approx.f32"));
        Assert.True(doubleCount > 20 * floatCount, $"double exp: {doubleCount} instructions, float exp: {floatCount}");
    }

    private static string Compile(System.Reflection.MethodInfo kernel)
    {
        using var context = Context.Create(builder => builder.Cuda().EnableAlgorithms().Optimize(OptimizationLevel.O2));
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null);
        var specialization = KernelSpecialization.Empty;
        var entry = EntryPointDescription.FromExplicitlyGroupedKernel(kernel);
        return ((PTXCompiledKernel)backend.Compile(entry, specialization)).PTXAssembly;
    }

    private static int Count(string ptx, string text) => (ptx.Length - ptx.Replace(text, string.Empty, StringComparison.Ordinal).Length) / text.Length;

    /// <summary>Lines that are instructions: tab-indented, not a directive, label, brace or comment.</summary>
    private static int InstructionCount(string ptx) => ptx.Split('\n').Count(line => Instruction().IsMatch(line));

    [GeneratedRegex(@"^\t+[a-z]")]
    private static partial Regex Instruction();
}

/// <summary>One exp per thread, in float and in double, to compare what each becomes in PTX.</summary>
public static class ExpKernels
{
    public static void FloatExp(ArrayView<float> x, ArrayView<float> y)
    {
        var i = Grid.GlobalIndex.X;
        y[i] = MathF.Exp(x[i]);
    }

    public static void DoubleExp(ArrayView<float> x, ArrayView<float> y)
    {
        var i = Grid.GlobalIndex.X;
        y[i] = (float)Math.Exp(x[i]);
    }
}
