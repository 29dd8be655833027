using System;
using Microsoft.ML.OnnxRuntime;

namespace SimAM.Benchmarks.Gam;

/// <summary>
/// An ONNX Runtime session on an exported GAM model, bound to fixed input and output buffers: <see cref="Run"/>
/// is one inference into the preallocated output, without allocating tensors per call (as the GAM module runs).
/// </summary>
internal sealed class OrtGamSession : IDisposable
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

    /// <summary>Initializes a new instance of the <see cref="OrtGamSession"/> class.</summary>
    /// <param name="modelPath">The .onnx file (one float32 input [N, C, H, W], one output of the same shape).</param>
    /// <param name="input">The input, pinned for the session's lifetime.</param>
    /// <param name="output">Receives the output, pinned for the session's lifetime.</param>
    /// <param name="shape">[N, C, H, W].</param>
    /// <param name="threads">Intra-op threads.</param>
    /// <param name="spinning">Whether ORT's idle intra-op threads spin (its default) or sleep at once.</param>
    public OrtGamSession(string modelPath, float[] input, float[] output, int[] shape, int threads, bool spinning)
    {
        _options = CreateOptions(threads, spinning);
        try
        {
            _session = new InferenceSession(modelPath, _options);
        }
        catch
        {
            _options.Dispose();
            throw;
        }

        var dimensions = Array.ConvertAll(shape, d => (long)d);
        _input = OrtValue.CreateTensorValueFromMemory(input, dimensions);
        _output = OrtValue.CreateTensorValueFromMemory(output, dimensions);
        _inputNames = [_session.InputNames[0]];
        _outputNames = [_session.OutputNames[0]];
        _inputs = [_input];
        _outputs = [_output];
    }

    /// <summary>Gets the ONNX Runtime version string.</summary>
    public static string Version => OrtEnv.Instance().GetVersionString();

    /// <summary>
    /// Creates the session options of the comparison: every graph optimisation (ORT_ENABLE_ALL), <paramref name="threads"/>
    /// intra-op threads, one inter-op thread, sequential execution.
    /// </summary>
    /// <param name="threads">Intra-op threads.</param>
    /// <param name="spinning">Whether idle intra-op threads spin before they sleep (ORT's default).</param>
    /// <returns>The options (the caller disposes them).</returns>
    public static SessionOptions CreateOptions(int threads, bool spinning)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
        return options;
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
