namespace SimAM.Cli.Npy;

/// <summary>The element types the CLI reads and writes: the two SimAM has overloads for.</summary>
internal enum NpyDType
{
    /// <summary>Little-endian IEEE float32, numpy descr <c>'&lt;f4'</c>.</summary>
    Float32,

    /// <summary>Little-endian IEEE float64, numpy descr <c>'&lt;f8'</c>.</summary>
    Float64,
}
