namespace SimAM.Cli.Commands;

/// <summary>The process exit codes of <c>simam</c>.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked (for <c>selftest</c>: every path passed).</summary>
    public const int Success = 0;

    /// <summary>Bad input or usage: a malformed or unsupported file, a bad option, a failed self-test.</summary>
    public const int BadInput = 1;

    /// <summary>A bug or an environment failure the tool did not anticipate.</summary>
    public const int InternalError = 2;
}
