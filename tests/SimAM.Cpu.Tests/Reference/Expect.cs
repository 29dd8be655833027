using System;
using Xunit.Sdk;

namespace SimAM.Tests.Reference;

/// <summary>
/// An assertion whose message is built only when it fails: the per-element checks of the property tests
/// describe the whole sample, which would otherwise be formatted millions of times.
/// </summary>
public static class Expect
{
    public static void That(bool condition, Func<string> message)
    {
        if (!condition)
        {
            throw new XunitException(message());
        }
    }
}
