using System;

namespace SimAM.Benchmarks.Infrastructure;

/// <summary>How many tensor-sized streams each method of a suite reads or writes (for the GB/s column).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class BytesMovedAttribute : Attribute
{
    public int Streams { get; set; } = 2;
}
