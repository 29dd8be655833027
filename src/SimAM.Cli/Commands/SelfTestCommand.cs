using System;
using System.CommandLine;
using System.Globalization;
using SimAM.Cli.Platform;
using SimAM.Cli.SelfTest;

namespace SimAM.Cli.Commands;

/// <summary><c>simam selftest</c>: every kernel path this machine runs, checked against the float64 reference.</summary>
internal static class SelfTestCommand
{
    /// <summary>Creates the command.</summary>
    /// <param name="context">Where it writes.</param>
    /// <returns>The command.</returns>
    public static Command Create(CliContext context)
    {
        var seed = new Option<int?>("--seed")
        {
            Description = "Seed for the random shapes and values (default: a new one each run, printed so a failure can be replayed).",
            HelpName = "n",
        };
        var shapes = CommonOptions.Number("--shapes", "How many random shapes to add to the fixed ones.", 8, "count", min: 0, max: 1000);
        var noGpu = new Option<bool>("--no-gpu")
        {
            Description = "Check the CPU engine only: do not list or check the GPU backends' devices.",
        };
        var command = new Command(
            "selftest",
            "Checks every SIMD kernel path of this machine (and the float64 path) against the float64 reference on random shapes, " +
            "forward and backward, then lists the devices the GPU backends (OpenCL, ILGPU) find and checks each of them the same way; " +
            "exit code 1 if any path exceeds its accuracy bound.\n" +
            "Example: simam selftest --seed 42")
        {
            seed, shapes, noGpu,
        };
        command.SetAction(parse => Run(context, parse.GetValue(seed), parse.GetValue(shapes), !parse.GetValue(noGpu)));
        return command;
    }

    private static int Run(CliContext context, int? seedOption, int randomShapes, bool gpu)
    {
        var seed = seedOption ?? Environment.TickCount & int.MaxValue;
        var cases = SelfTestCase.Create(seed, randomShapes);
        var output = context.Out;
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"simam selftest: {cases.Count} shapes (seed {seed}); bounds per plane: forward {KernelSelfTest.ForwardBound:G2}*max|x|, backward {KernelSelfTest.BackwardBound:G2}*max|dx64|"));
        output.WriteLine($"instruction sets: {InstructionSets.Describe()}");
        output.WriteLine($"kernel paths: {string.Join(' ', SimAmKernels.Supported)}");

        var failed = 0;
        void Report(SelfTestResult result)
        {
            failed += result.Passed ? 0 : 1;
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{(result.Passed ? "PASS" : "FAIL")}  {result.Path,-10} forward {result.ForwardRatio,7:F3} of bound   backward {result.BackwardRatio,7:F3} of bound"));
            if (result.ForwardRatio > 1)
            {
                output.WriteLine($"      worst forward: {result.WorstForward}");
            }

            if (result.BackwardRatio > 1)
            {
                output.WriteLine($"      worst backward: {result.WorstBackward}");
            }
        }

        foreach (var kernel in SimAmKernels.Supported)
        {
            Report(KernelSelfTest.CheckFloat(kernel, cases));
        }

        Report(KernelSelfTest.CheckDouble(cases));
        var paths = SimAmKernels.Supported.Count + 1;
        if (gpu)
        {
            paths += GpuSelfTest.Run(output, cases, Report);
        }

        if (failed > 0)
        {
            context.Error.WriteLine($"error: {failed} path(s) exceeded the accuracy bound; replay with: simam selftest --seed {seed}");
            return ExitCodes.BadInput;
        }

        output.WriteLine($"all {paths} paths passed (best CPU path: {SimAmKernels.Best})");
        return ExitCodes.Success;
    }
}
