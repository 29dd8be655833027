using System;

namespace SimAM.Benchmarks.Infrastructure;

/// <summary>
/// What one call of a benchmark moves, for the GB/s column: <see cref="Streams"/> tensor-sized streams read or
/// written, of <see cref="ElementSize"/>-byte values. On a class it applies to every method; on a method it
/// replaces the class's (for suites whose methods move different streams or element types).
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class BytesMovedAttribute : Attribute
{
    /// <summary>Gets or sets how many tensor-sized streams one call reads and writes (forward 2, backward 3).</summary>
    public int Streams { get; set; } = 2;

    /// <summary>Gets or sets the bytes of one tensor element: 4 for float (the default), 2 for Half.</summary>
    public int ElementSize { get; set; } = sizeof(float);
}
