using System;
using Xunit.Sdk;

namespace SimAM.Tests.Reference;

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

    public static void AssertIdentical(ReadOnlySpan<PlaneStatistics> expected, ReadOnlySpan<PlaneStatistics> actual, string context)
    {
        if (expected.Length != actual.Length)
        {
            throw new XunitException($"{context}: length {actual.Length}, expected {expected.Length}.");
        }

        for (var i = 0; i < expected.Length; i++)
        {
            if (BitConverter.DoubleToInt64Bits(expected[i].Mean) != BitConverter.DoubleToInt64Bits(actual[i].Mean)
                || BitConverter.DoubleToInt64Bits(expected[i].Variance) != BitConverter.DoubleToInt64Bits(actual[i].Variance))
            {
                throw new XunitException($"{context}: statistics {i} are {actual[i]}, expected {expected[i]}.");
            }
        }
    }
}
