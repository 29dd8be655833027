using System;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Tests.Concurrency;

/// <summary>
/// No allocation proportional to the tensor, and none at all on the calling thread when a call runs
/// serially: workers are struct actions over pointers, scratch comes from the stack or the array pool.
/// Runs alone: the process-wide allocation counter would otherwise count other tests' allocations.
/// </summary>
[Collection(AllocationMeasurement.Name)]
public class AllocationTests
{
    [Theory]
    [InlineData(new[] { 1, 64, 56, 56 })]   // whole planes
    [InlineData(new[] { 1, 3, 256, 256 })]  // planes over several chunks
    [InlineData(new[] { 2, 8, 5 })]         // small planes (backward in double)
    public void Serial_calls_allocate_nothing_in_steady_state(int[] shape)
    {
        var count = 1;
        foreach (var d in shape)
        {
            count *= d;
        }

        var x = TestData.Normal(count, seed: 1);
        var g = TestData.Normal(count, seed: 2);
        var y = new float[count];
        var dx = new float[count];
        var statistics = new PlaneStatistics[SimAm.PlaneCount(shape)];
        var serial = new SimAmOptions { MaxDegreeOfParallelism = 1 };

        void Step()
        {
            SimAm.Forward(x, y, shape, statistics, SimAm.DefaultLambda, serial);
            SimAm.Backward(x, g, dx, shape, statistics, SimAm.DefaultLambda, serial);
            SimAm.Backward(x, g, dx, shape, SimAm.DefaultLambda, serial);
        }

        Assert.Equal(0, SteadyState.AllocatedBytes(Step, calls: 20));
    }

    [Fact]
    public void Parallel_calls_allocate_a_small_constant_independent_of_the_tensor_size()
    {
        // Parallel.For's own bookkeeping (task objects, a closure per call) is all that remains; it must
        // not grow with the tensor. Measured over all threads.
        var small = PerCallBytes([4, 64, 32, 32]);
        var large = PerCallBytes([16, 64, 64, 64]);
        Assert.InRange(small, 0, 8192);
        Assert.InRange(large, 0, 8192);
    }

    private static long PerCallBytes(int[] shape)
    {
        var count = 1;
        foreach (var d in shape)
        {
            count *= d;
        }

        var x = TestData.Normal(count, seed: 3);
        var y = new float[count];
        var options = new SimAmOptions { MaxDegreeOfParallelism = 2 };
        for (var i = 0; i < 5; i++)
        {
            SimAm.Forward(x, y, shape, SimAm.DefaultLambda, options);
        }

        const int Calls = 50;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < Calls; i++)
        {
            SimAm.Forward(x, y, shape, SimAm.DefaultLambda, options);
        }

        return (GC.GetTotalAllocatedBytes(precise: true) - before) / Calls;
    }
}

/// <summary>A collection xunit runs with no other test in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasurement
{
    public const string Name = "Allocation measurement";
}
