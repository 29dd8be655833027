using System;
using System.Linq;
using SimAM.Gam.Compute;
using Xunit;

namespace SimAM.Gam.Tests.Compute;

/// <summary>
/// The element-wise and reduction steps give the same bits wherever their span lies in memory: every workspace (another
/// module, a second concurrent caller) holds its planes at other addresses, and a result must not depend on them. Each
/// case places the same values at every offset within one 64-byte line and compares.
/// </summary>
public class AddressIndependenceTests
{
    /// <summary>
    /// The sigmoid over a train pass's chunk, inputs beyond the vectorised exponential's range among them (TensorPrimitives
    /// takes a vector holding one the scalar way, and on a long span groups vectors by the address).
    /// </summary>
    [Theory]
    [InlineData(70)]
    [InlineData(248)]
    [InlineData(1024)]
    public void The_sigmoid_of_a_span_does_not_depend_on_its_address(int length)
    {
        AssertSameAtEveryOffset<double>(length, span => Logistic<double>.InPlace(span), -800);
        AssertSameAtEveryOffset<float>(length, span => Logistic<float>.InPlace(span), -200);
    }

    /// <summary>The sums of BatchNorm's statistics over chunks of rows (TensorPrimitives' reductions align their loads on long spans, but keep one grouping).</summary>
    [Theory]
    [InlineData(70)]
    [InlineData(248)]
    [InlineData(1024)]
    public void Row_sums_do_not_depend_on_their_address(int length)
    {
        AssertSameAtEveryOffset<double>(length, span => span[0] = RowReductions<double>.Sum(span) + RowReductions<double>.SumOfSquares(span) + RowReductions<double>.Dot(span[..^1], span[1..]), 0);
        AssertSameAtEveryOffset<float>(length, span => span[0] = (float)(RowReductions<float>.Sum(span) + RowReductions<float>.SumOfSquares(span) + RowReductions<float>.Dot(span[..^1], span[1..])), 0);
    }

    private delegate void SpanStep<T>(Span<T> values);

    private static void AssertSameAtEveryOffset<T>(int length, SpanStep<T> step, double outlier)
        where T : unmanaged, IEquatable<T>
    {
        var random = new Random(length);
        var values = Enumerable.Range(0, length)
            .Select(i => i % 13 == 5 ? outlier - i : (random.NextDouble() * 80) - 40)
            .Select(v => typeof(T) == typeof(float) ? (T)(object)(float)v : (T)(object)v)
            .ToArray();
        T[]? expected = null;
        var lanes = 64 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        for (var offset = 0; offset < lanes; offset++)
        {
            var buffer = new T[length + lanes];
            values.CopyTo(buffer, offset);
            var span = buffer.AsSpan(offset, length);
            step(span);
            var result = span.ToArray();
            expected ??= result;
            for (var i = 0; i < length; i++)
            {
                Assert.True(expected[i].Equals(result[i]), $"{typeof(T).Name}, {length} values at offset {offset}: element {i} is {result[i]}, at offset 0 {expected[i]}");
            }
        }
    }
}
