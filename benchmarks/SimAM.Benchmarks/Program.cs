using BenchmarkDotNet.Running;
using SimAM.Benchmarks.Infrastructure;

// Runs the whole suite unless a --filter narrows it:
//   dotnet run -c Release --project benchmarks/SimAM.Benchmarks -- --filter '*'
var filterGiven = System.Array.Exists(args, a => a is "--filter" or "-f");
var arguments = filterGiven ? args : [.. args, "--filter", "*"];
BenchmarkSwitcher.FromAssembly(typeof(TensorShape).Assembly).Run(arguments, BenchmarkSettings.Create(args));
