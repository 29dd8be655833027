using System;

namespace SimAM;

/// <summary>
/// Execution options for a SimAM call. Options never change the result: any degree of parallelism
/// gives bitwise-identical output (only the <see cref="Kernel"/> choice may change the last bits).
/// </summary>
public sealed class SimAmOptions
{
    private readonly int _maxDegreeOfParallelism = -1;

    /// <summary>Gets the default options: all cores, fastest kernel.</summary>
    public static SimAmOptions Default { get; } = new();

    /// <summary>
    /// Gets the largest number of threads a call may use; <c>-1</c> (the default) means
    /// <see cref="Environment.ProcessorCount"/>. Small tensors run on the calling thread regardless.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is 0 or less than -1.</exception>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        init
        {
            if (value == 0 || value < -1)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(MaxDegreeOfParallelism), value, "MaxDegreeOfParallelism must be -1 (all cores) or a positive number.");
            }

            _maxDegreeOfParallelism = value;
        }
    }

    /// <summary>
    /// Gets the SIMD path to run; <see cref="SimAmKernel.Auto"/> (the default) picks <see cref="SimAmKernels.Best"/>.
    /// A path the processor does not accelerate makes the call throw <see cref="NotSupportedException"/>.
    /// </summary>
    public SimAmKernel Kernel { get; init; } = SimAmKernel.Auto;

    internal int EffectiveDegreeOfParallelism =>
        _maxDegreeOfParallelism == -1 ? Environment.ProcessorCount : _maxDegreeOfParallelism;
}
