using System;
using System.Diagnostics.CodeAnalysis;

namespace SimAM.Validation;

/// <summary>
/// Cold throw paths, kept out of the callers so that the hot methods stay small and inlinable.
/// Every message names the offending argument and value.
/// </summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowRankTooSmall(int rank, string parameterName) =>
        ThrowRankTooSmall(rank, parameterName, SimAmLayout.ChannelsFirst);

    [DoesNotReturn]
    public static void ThrowRankTooSmall(int rank, string parameterName, SimAmLayout layout) =>
        throw new ArgumentException(
            layout == SimAmLayout.ChannelsLast
                ? $"shape must be [N, d1, ..., dk, C] (channels last) with at least one spatial dimension (rank >= 3); got rank {rank}."
                : $"shape must be [N, C, d1, ..., dk] with at least one spatial dimension (rank >= 3); got rank {rank}.",
            parameterName);

    [DoesNotReturn]
    public static void ThrowNonPositiveDimension(int axis, int value, string parameterName) =>
        throw new ArgumentOutOfRangeException(
            parameterName, value, $"shape[{axis}] is {value}; every dimension must be positive.");

    [DoesNotReturn]
    public static void ThrowTooManyElements(string shape, string parameterName) =>
        throw new ArgumentException(
            $"shape {shape} has more elements than a span can hold ({int.MaxValue}).", parameterName);

    [DoesNotReturn]
    public static void ThrowSpatialSizeOne(string shape, string parameterName) =>
        throw new ArgumentException(
            $"shape {shape} has spatial size 1: SimAM's variance divides by S - 1 = 0 (the reference module returns NaN). Use a spatial size of at least 2.",
            parameterName);

    [DoesNotReturn]
    public static void ThrowLengthMismatch(string parameterName, int actual, int expected, string shape) =>
        throw new ArgumentException(
            $"{parameterName} has {actual} elements but shape {shape} needs exactly {expected}.", parameterName);

    [DoesNotReturn]
    public static void ThrowStatisticsLengthMismatch(string parameterName, int actual, int expected) =>
        throw new ArgumentException(
            $"{parameterName} has room for {actual} planes but the tensor has {expected} (N x C).", parameterName);

    [DoesNotReturn]
    public static void ThrowPartialOverlap(string first, string second) =>
        throw new ArgumentException(
            $"{first} and {second} partially overlap; they must be the very same buffer (in place) or not overlap at all.", second);

    [DoesNotReturn]
    public static void ThrowInvalidLambda(double lambda, string parameterName) =>
        throw new ArgumentOutOfRangeException(
            parameterName, lambda, "lambda must be finite and greater than zero (the paper uses 1e-4 and 0.1).");

    [DoesNotReturn]
    public static void ThrowKernelNotSupported(SimAmKernel kernel) =>
        throw new NotSupportedException(
            $"The {kernel} kernel is not accelerated on this processor; supported: {string.Join(", ", SimAmKernels.Supported)}.");

    [DoesNotReturn]
    public static void ThrowNonContiguous(string parameterName, string lengths, string strides) =>
        throw new ArgumentException(
            $"{parameterName} has lengths {lengths} and strides {strides}: SimAM needs a dense row-major tensor (strides that follow from the lengths). Copy it into a contiguous tensor first.",
            parameterName);

    [DoesNotReturn]
    public static void ThrowDimensionTooLarge(string parameterName, string lengths) =>
        throw new ArgumentException(
            $"{parameterName} has lengths {lengths}: a dimension exceeds {int.MaxValue}.", parameterName);

    [DoesNotReturn]
    public static void ThrowShapeMismatch(string parameterName, string actual, string expected) =>
        throw new ArgumentException(
            $"{parameterName} has lengths {actual} but the input has {expected}; they must match.", parameterName);
}
