using System;
using System.IO;
using System.Linq;
using SimAM.Cli.Npy;

namespace SimAM.Cli.Tests.Infrastructure;

/// <summary>A fresh directory under the system temp folder, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "simam-cli-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Saves an array as a .npy file in the directory.</summary>
    /// <returns>The file's path.</returns>
    public string WriteNpy(string name, NpyArray array)
    {
        var path = File(name);
        System.IO.File.WriteAllBytes(path, NpyWriter.ToBytes(array));
        return path;
    }

    /// <summary>Gets the names of every file in the directory (temporary files included).</summary>
    public string[] FileNames() => [.. Directory.GetFiles(Path).Select(System.IO.Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
