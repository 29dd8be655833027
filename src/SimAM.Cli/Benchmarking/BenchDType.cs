using System;

namespace SimAM.Cli.Benchmarking;

/// <summary>The element type of the tensors <c>simam bench</c> gives SimAM.</summary>
internal enum BenchDType
{
    /// <summary><see cref="float"/>: 4 bytes per value.</summary>
    Float32,

    /// <summary><see cref="Half"/>: 2 bytes per value.</summary>
    Float16,
}
