using System;
using Xunit.Sdk;

namespace SimAM.Gam.Tests.Infrastructure;

/// <summary>Bit-for-bit comparisons: NaN payloads and the sign of zero count, as they would in a checksum.</summary>
public static class Bits
{
    public static void AssertIdentical(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string context)
    {
        if (expected.Length != actual.Length)
        {
            throw new XunitException($"{context}: length {actual.Length}, expected {expected.Length}.");
        }

        for (var i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                throw new XunitException($"{context}: element {i} is {actual[i]:R} (0x{BitConverter.SingleToInt32Bits(actual[i]):X8}), expected {expected[i]:R} (0x{BitConverter.SingleToInt32Bits(expected[i]):X8}).");
            }
        }
    }

    public static void AssertIdentical(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, string context)
    {
        if (expected.Length != actual.Length)
        {
            throw new XunitException($"{context}: length {actual.Length}, expected {expected.Length}.");
        }

        for (var i = 0; i < expected.Length; i++)
        {
            if (BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]))
            {
                throw new XunitException($"{context}: element {i} is {actual[i]:R} (0x{BitConverter.DoubleToInt64Bits(actual[i]):X16}), expected {expected[i]:R} (0x{BitConverter.DoubleToInt64Bits(expected[i]):X16}).");
            }
        }
    }

    /// <summary>Asserts that two weights hold the same bits in every tensor and the same batch counters.</summary>
    public static void AssertIdentical(GamWeights expected, GamWeights actual, string context)
    {
        for (var i = 0; i < expected.AllTensors().Count; i++)
        {
            var tensor = expected.AllTensors()[i];
            AssertIdentical(tensor.Values, actual.AllTensors()[i].Values, $"{context}: {tensor.Name}");
        }

        if ((expected.BatchesTracked1, expected.BatchesTracked2) != (actual.BatchesTracked1, actual.BatchesTracked2))
        {
            throw new XunitException(
                $"{context}: num_batches_tracked are ({actual.BatchesTracked1}, {actual.BatchesTracked2}), expected ({expected.BatchesTracked1}, {expected.BatchesTracked2}).");
        }
    }
}
