using System;
using System.IO;

namespace SimAM.Gam.IO;

/// <summary>
/// A complete temporary file beside its target, made by <see cref="AtomicFile.Stage"/>: <see cref="Commit"/> moves it
/// into place; <see cref="Dispose"/> removes it if it was not committed, leaving the target as it was.
/// </summary>
internal sealed class StagedFile : IDisposable
{
    private readonly string _temporary;
    private readonly string _target;
    private bool _committed;

    /// <summary>Initializes a new instance of the <see cref="StagedFile"/> class.</summary>
    /// <param name="path">The target as the caller named it.</param>
    /// <param name="temporary">The complete temporary file.</param>
    /// <param name="target">The target's full path.</param>
    internal StagedFile(string path, string temporary, string target)
    {
        Path = path;
        _temporary = temporary;
        _target = target;
    }

    /// <summary>Gets the target as the caller named it.</summary>
    public string Path { get; }

    /// <summary>Moves the temporary file onto the target, replacing any file there.</summary>
    /// <exception cref="IOException">The file cannot be moved into place.</exception>
    /// <exception cref="UnauthorizedAccessException">The target is not writable.</exception>
    public void Commit()
    {
        File.Move(_temporary, _target, overwrite: true);
        _committed = true;
    }

    /// <summary>Removes the temporary file unless it was committed.</summary>
    public void Dispose()
    {
        if (!_committed)
        {
            AtomicFile.TryDelete(_temporary);
        }
    }
}
