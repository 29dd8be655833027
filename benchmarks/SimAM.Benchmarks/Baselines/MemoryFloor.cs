using System;
using System.Numerics.Tensors;
using System.Threading.Tasks;

namespace SimAM.Benchmarks.Baselines;

/// <summary>
/// The memory-bandwidth floors, on all cores: a copy (read x, write y — the least any forward pass
/// must move) and a 3-stream kernel (read x and g, write dx — the least any backward pass must move).
/// </summary>
public static class MemoryFloor
{
    public static void Copy(float[] source, float[] destination)
    {
        var parts = Environment.ProcessorCount;
        Parallel.For(0, parts, part =>
        {
            var (start, length) = Slice(source.Length, parts, part);
            source.AsSpan(start, length).CopyTo(destination.AsSpan(start, length));
        });
    }

    public static void ThreeStream(float[] x, float[] g, float[] destination)
    {
        var parts = Environment.ProcessorCount;
        Parallel.For(0, parts, part =>
        {
            var (start, length) = Slice(x.Length, parts, part);
            TensorPrimitives.Add(x.AsSpan(start, length), g.AsSpan(start, length), destination.AsSpan(start, length));
        });
    }

    private static (int Start, int Length) Slice(int count, int parts, int part)
    {
        var start = (int)((long)count * part / parts);
        var end = (int)((long)count * (part + 1) / parts);
        return (start, end - start);
    }
}
