using ILGPU;

namespace SimAM.Gpu.Ilgpu.Kernels;

/// <summary>
/// Sums over one group in shared memory, in double. The tree has a fixed order (the group size is a power of
/// two), so a sum is bitwise reproducible from run to run. Every thread of the group must call these (they hold
/// barriers) and every thread gets the total.
/// </summary>
internal static class GroupReduce
{
    /// <summary>Σ value over the group; <paramref name="scratch"/> holds at least one double per thread.</summary>
    public static double Sum(double value, ArrayView<double> scratch)
    {
        var lane = Group.IdxX;
        scratch[lane] = value;
        Group.Barrier();
        for (var stride = Group.DimX / 2; stride > 0; stride >>= 1)
        {
            if (lane < stride)
            {
                scratch[lane] += scratch[lane + stride];
            }

            Group.Barrier();
        }

        var total = scratch[0];
        Group.Barrier();
        return total;
    }

    /// <summary>
    /// Σ first and Σ second over the group in one tree (half the barriers of two sums); <paramref name="scratch"/>
    /// holds at least two doubles per thread.
    /// </summary>
    public static void SumPair(ref double first, ref double second, ArrayView<double> scratch)
    {
        var lane = Group.IdxX;
        var size = Group.DimX;
        scratch[lane] = first;
        scratch[size + lane] = second;
        Group.Barrier();
        for (var stride = size / 2; stride > 0; stride >>= 1)
        {
            if (lane < stride)
            {
                scratch[lane] += scratch[lane + stride];
                scratch[size + lane] += scratch[size + lane + stride];
            }

            Group.Barrier();
        }

        first = scratch[0];
        second = scratch[size];
        Group.Barrier();
    }
}
