using System;
using System.Globalization;
using SimAM.Gpu.Interop;

namespace SimAM.Gpu;

/// <summary>
/// An OpenCL call failed. <see cref="ErrorName"/> is the symbolic status (for example
/// <c>CL_INVALID_WORK_GROUP_SIZE</c>); for a kernel program that failed to build,
/// <see cref="BuildLog"/> holds the compiler's log.
/// </summary>
public sealed class OpenClException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="OpenClException"/> class.</summary>
    public OpenClException()
        : this("An OpenCL call failed.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OpenClException"/> class with a message.</summary>
    /// <param name="message">What failed.</param>
    public OpenClException(string message)
        : base(message)
    {
        ErrorName = string.Empty;
        Function = string.Empty;
    }

    /// <summary>Initializes a new instance of the <see cref="OpenClException"/> class with a message and a cause.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public OpenClException(string message, Exception innerException)
        : base(message, innerException)
    {
        ErrorName = string.Empty;
        Function = string.Empty;
    }

    internal OpenClException(string function, int errorCode, string? buildLog = null)
        : base(Describe(function, errorCode, buildLog))
    {
        Function = function;
        ErrorCode = errorCode;
        ErrorName = OpenClErrors.Name(errorCode);
        BuildLog = buildLog;
    }

    /// <summary>Gets the OpenCL function that failed (for example <c>clBuildProgram</c>), or an empty string.</summary>
    public string Function { get; }

    /// <summary>Gets the OpenCL status code (a negative cl_int), or 0 when the failure had no status.</summary>
    public int ErrorCode { get; }

    /// <summary>Gets the symbolic name of <see cref="ErrorCode"/> (for example <c>CL_BUILD_PROGRAM_FAILURE</c>), or an empty string.</summary>
    public string ErrorName { get; }

    /// <summary>Gets the compiler's build log when a kernel program failed to build; otherwise <see langword="null"/>.</summary>
    public string? BuildLog { get; }

    private static string Describe(string function, int errorCode, string? buildLog)
    {
        var message = string.Create(CultureInfo.InvariantCulture, $"{function} failed: {OpenClErrors.Name(errorCode)} ({errorCode}).");
        return string.IsNullOrWhiteSpace(buildLog) ? message : message + Environment.NewLine + "Build log:" + Environment.NewLine + buildLog.TrimEnd();
    }
}
