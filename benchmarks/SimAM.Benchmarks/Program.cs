using BenchmarkDotNet.Running;
using SimAM.Benchmarks.Gam;
using SimAM.Benchmarks.Infrastructure;
using SimAM.Benchmarks.Paths;
using SimAM.Benchmarks.Peers;
using SimAM.Benchmarks.Suites;

// gam-compare: the GAM module against ONNX Runtime in this process (see Gam/GamCompare.cs):
//   dotnet run -c Release --project benchmarks/SimAM.Benchmarks -- gam-compare --models DIR [--quick] [--json FILE]
if (args.Length > 0 && args[0] == GamCompare.CommandName)
{
    return GamCompare.Run(args[1..], System.Console.Out);
}

// simam-compare: SimAM's forward against ONNX Runtime in this process (see Peers/SimAmCompare.cs):
//   dotnet run -c Release --project benchmarks/SimAM.Benchmarks -- simam-compare [--quick] [--shape N,C,...]... [--json FILE]
if (args.Length > 0 && args[0] == SimAmCompare.CommandName)
{
    return SimAmCompare.Run(args[1..], System.Console.Out);
}

// simam-paths: every path of SimAM (NCHW, NHWC, Half, exact; forward, backward with saved and recomputed statistics)
// against the streaming and 3-stream floors and float NCHW fast, in one process (see Paths/SimAmPaths.cs):
//   dotnet run -c Release --project benchmarks/SimAM.Benchmarks -- simam-paths [--quick] [--shape N,C,...]... [--json FILE]
if (args.Length > 0 && args[0] == SimAmPaths.CommandName)
{
    return SimAmPaths.Run(args[1..], System.Console.Out);
}

// Otherwise the whole BenchmarkDotNet suite runs unless a --filter narrows it:
//   dotnet run -c Release --project benchmarks/SimAM.Benchmarks -- --filter '*'
if (GamBenchmarks.ModelsDirectory is null)
{
    System.Console.WriteLine($"GamBenchmarks: {GamBenchmarks.ModelsVariable} is not set, so the ONNX Runtime benchmarks are left out " +
        "(benchmarks/torch/compare_gam.py --keep DIR prepares a model directory).");
}

var filterGiven = System.Array.Exists(args, a => a is "--filter" or "-f");
var arguments = filterGiven ? args : [.. args, "--filter", "*"];
BenchmarkSwitcher.FromAssembly(typeof(TensorShape).Assembly).Run(arguments, BenchmarkSettings.Create(args));
return 0;
