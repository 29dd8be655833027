using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.ML.OnnxRuntime;
using SimAM.Benchmarks.Gam;

namespace SimAM.Benchmarks.Peers;

/// <summary>
/// An ONNX Runtime session on the exported SimAM module for one tensor shape, bound to fixed input and output buffers:
/// <see cref="Run"/> is one inference into the preallocated output.
/// </summary>
/// <remarks>
/// The input and output are <see cref="OrtValue"/> tensors over the caller's (pinned) arrays, created once and passed
/// to every <see cref="Run"/>: ORT neither copies the input nor allocates the output per call, which is how a user
/// who cares runs it, and how SimAm.Forward is called (caller's buffers). Only the intermediate tensors of the graph
/// (17 nodes for rank 4 after ORT's optimisations, none fused into another) come from ORT's arena, as for any user. The session
/// options are those of the GAM comparison (<see cref="OrtGamSession.CreateOptions"/>): every graph optimisation,
/// intra-op threads = the given count, one inter-op thread, sequential.
/// </remarks>
internal sealed class OrtSimAmSession : IDisposable
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue _input;
    private readonly OrtValue _output;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly OrtValue[] _inputs;
    private readonly OrtValue[] _outputs;

    /// <summary>Initializes a new instance of the <see cref="OrtSimAmSession"/> class.</summary>
    /// <param name="input">The input, pinned for the session's lifetime.</param>
    /// <param name="output">Receives the output, pinned for the session's lifetime.</param>
    /// <param name="shape">[N, C, d1, ..., dk] with k from 1 to 3 (an exported model per rank, <see cref="SimAmModels"/>).</param>
    /// <param name="threads">Intra-op threads.</param>
    /// <param name="spinning">Whether ORT's idle intra-op threads spin (its default) or sleep at once.</param>
    public OrtSimAmSession(float[] input, float[] output, IReadOnlyList<int> shape, int threads, bool spinning)
    {
        var model = SimAmModels.Path(shape.Count);
        _options = OrtGamSession.CreateOptions(threads, spinning);
        try
        {
            _session = new InferenceSession(model, _options);
        }
        catch
        {
            _options.Dispose();
            throw;
        }

        var dimensions = new long[shape.Count];
        for (var i = 0; i < dimensions.Length; i++)
        {
            dimensions[i] = shape[i];
        }

        _input = OrtValue.CreateTensorValueFromMemory(input, dimensions);
        _output = OrtValue.CreateTensorValueFromMemory(output, dimensions);
        _inputNames = [_session.InputNames[0]];
        _outputNames = [_session.OutputNames[0]];
        _inputs = [_input];
        _outputs = [_output];
    }

    /// <summary>
    /// Gets the operators of the graph ORT runs for tensors of <paramref name="rank"/> dimensions, after its optimisations
    /// (as <see cref="OrtGamSession.CreateOptions"/> sets them): ORT writes the optimised graph to a temporary file,
    /// which is read back and deleted.
    /// </summary>
    /// <param name="rank">The tensor's rank (3 to 5).</param>
    /// <param name="threads">Intra-op threads (the optimisations do not depend on them; given for the same options).</param>
    /// <returns>The operator type of every node, in graph order (a domain other than ONNX's prefixed, as "com.microsoft.X").</returns>
    public static IReadOnlyList<string> OptimizedOperators(int rank, int threads)
    {
        var file = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"simam_rank{rank}.{Environment.ProcessId}.optimized.onnx");
        try
        {
            using (var options = OrtGamSession.CreateOptions(threads, spinning: false))
            {
                options.OptimizedModelFilePath = file;

                // ORT warns that a graph optimised at ORT_ENABLE_ALL may hold hardware-specific (NCHWc) nodes and belongs to
                // this machine only: true, and the file is only counted here, never run elsewhere.
                options.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR;
                using var session = new InferenceSession(SimAmModels.Path(rank), options);
            }

            return OnnxGraph.Operators(File.ReadAllBytes(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Runs the model once on the bound input into the bound output.</summary>
    public void Run() => _session.Run(_runOptions, _inputNames, _inputs, _outputNames, _outputs);

    public void Dispose()
    {
        _input.Dispose();
        _output.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
        _options.Dispose();
    }
}
