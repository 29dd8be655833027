using System;
using System.IO;

namespace SimAM.Gam.IO;

/// <summary>
/// Writes a file all or nothing: the content goes to a temporary file beside the target, which replaces
/// the target only once it is complete. A failure at any point leaves the target as it was (absent or
/// old) and removes the temporary file.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>.</summary>
    /// <param name="path">The target file; its directory must exist.</param>
    /// <param name="write">Writes the whole content to the stream it is given.</param>
    /// <exception cref="IOException">The temporary file cannot be created or moved into place.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory or target is not writable.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        using var staged = Stage(path, write);
        staged.Commit();
    }

    /// <summary>
    /// Writes the content of <paramref name="path"/> to a complete temporary file beside it, without touching the target:
    /// <see cref="StagedFile.Commit"/> moves it into place, disposing it uncommitted removes it. Staging several files
    /// before committing any writes either all of them or, when one cannot be written, none.
    /// </summary>
    /// <param name="path">The target file; its directory must exist.</param>
    /// <param name="write">Writes the whole content to the stream it is given.</param>
    /// <returns>The staged file.</returns>
    /// <exception cref="IOException">The temporary file cannot be created or written.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory is not writable.</exception>
    public static StagedFile Stage(string path, Action<Stream> write)
    {
        var target = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(target) ?? throw new IOException($"{path} has no directory.");
        var temporary = Path.Combine(directory, $".{Path.GetFileName(target)}.{Path.GetRandomFileName()}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            return new StagedFile(path, temporary, target);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Tells whether two paths name the same file, following symbolic links of existing files.</summary>
    /// <param name="first">A path.</param>
    /// <param name="second">Another path.</param>
    /// <returns><see langword="true"/> when writing one would overwrite the other.</returns>
    public static bool SameFile(string first, string second)
    {
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
            ? StringComparison.OrdinalIgnoreCase
            : StringComparison.Ordinal;
        return string.Equals(Resolve(first), Resolve(second), comparison);
    }

    private static string Resolve(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            var target = new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true);
            return target is null ? full : Path.GetFullPath(target.FullName);
        }
        catch (IOException)
        {
            return full;
        }
        catch (UnauthorizedAccessException)
        {
            return full;
        }
    }

    /// <summary>Removes a file if it can, keeping quiet when it cannot: the failure that led here is the one worth reporting.</summary>
    /// <param name="path">The file.</param>
    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original failure is the one worth reporting.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
