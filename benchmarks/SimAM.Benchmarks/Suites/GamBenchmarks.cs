using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using SimAM.Benchmarks.Gam;
using SimAM.Cli.Benchmarking;
using SimAM.Cli.Benchmarking.Gam;
using SimAM.Gam;

namespace SimAM.Benchmarks.Suites;

/// <summary>
/// The GAM module's forward pass (eval and train) on the benchmark cases of <c>simam gam bench</c>, and ONNX Runtime
/// on the same module exported to ONNX when <see cref="ModelsVariable"/> names a model directory (as prepared by
/// benchmarks/torch/compare_gam.py; without it the ONNX Runtime benchmarks are left out by <see cref="GamBenchmarkConfig"/>).
/// </summary>
[Config(typeof(GamBenchmarkConfig))]
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "BenchmarkDotNet calls the [GlobalCleanup] method, which disposes the session.")]
public class GamBenchmarks
{
    /// <summary>The environment variable naming the directory of <c>&lt;case&gt;.safetensors</c> and <c>&lt;case&gt;.onnx</c>.</summary>
    public const string ModelsVariable = "SIMAM_GAM_MODELS";

    private GamModule _module = null!;
    private float[] _input = null!;
    private float[] _output = null!;
    private OrtGamSession? _session;

    [ParamsSource(nameof(Cases))]
    public GamCase Case { get; set; } = null!;

    public static IEnumerable<GamCase> Cases => GamBenchCase.Standard.Select(c => new GamCase(c));

    /// <summary>Gets the model directory, or <see langword="null"/> when <see cref="ModelsVariable"/> is not set.</summary>
    public static string? ModelsDirectory => Environment.GetEnvironmentVariable(ModelsVariable) is { Length: > 0 } directory ? directory : null;

    [GlobalSetup(Targets = [nameof(Eval), nameof(Train)])]
    public void Setup()
    {
        var c = Case.Value;
        var weights = ModelsDirectory is { } directory
            ? GamWeights.Load(GamCaseFiles.Weights(directory, c))
            : GamWeights.CreateDefault(c.Channels, c.Rate, c.Groups, seed: 1);
        _module = new GamModule(weights, new GamOptions { ShuffleGroups = c.ShuffleGroups });
        _input = new float[c.Shape[0] * c.Shape[1] * c.Shape[2] * c.Shape[3]];
        var random = new Random(7);
        for (var i = 0; i < _input.Length; i++)
        {
            _input[i] = (float)((random.NextDouble() * 2) - 1);
        }

        _output = new float[_input.Length];
    }

    [GlobalSetup(Target = nameof(OnnxRuntime))]
    public void SetupOnnxRuntime()
    {
        Setup();
        var directory = ModelsDirectory ?? throw new InvalidOperationException($"{ModelsVariable} is not set");
        var model = GamCaseFiles.Model(directory, Case.Value);
        if (!File.Exists(model))
        {
            throw new FileNotFoundException($"{model} does not exist (benchmarks/torch/compare_gam.py --keep {directory} creates it)", model);
        }

        _session = new OrtGamSession(model, _input, _output, Case.Value.Shape, Environment.ProcessorCount, spinning: false);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session?.Dispose();
        _session = null;
    }

    [Benchmark(Baseline = true, Description = "GamModule eval")]
    public void Eval() => _module.Forward(_input, _output, Case.Value.Shape, GamMode.Eval);

    [Benchmark(Description = "GamModule train")]
    public void Train() => _module.Forward(_input, _output, Case.Value.Shape, GamMode.Train);

    [Benchmark(Description = "ONNX Runtime eval")]
    public void OnnxRuntime() => _session!.Run();
}

/// <summary>A GAM benchmark case as a BenchmarkDotNet parameter: "[8,256,28,28] g4s4" (groups 4, shuffle 4; short enough not to be cut).</summary>
public sealed class GamCase
{
    internal GamCase(GamBenchCase value) => Value = value;

    /// <summary>Gets the multiply-adds of one forward pass, 2 FLOPs each.</summary>
    public double Flops => Value.Flops;

    internal GamBenchCase Value { get; }

    public override string ToString() => BenchShapes.Format(Value.Shape) + (Value.Variant == "default" ? string.Empty : $" g{Value.Groups}s{Value.ShuffleGroups}");
}
