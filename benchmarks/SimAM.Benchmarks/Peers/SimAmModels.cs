using System;
using System.Collections.Generic;
using System.IO;

namespace SimAM.Benchmarks.Peers;

/// <summary>
/// The SimAM module exported to ONNX (benchmarks/torch/export_simam_onnx.py), one file per tensor rank: the files are
/// committed under Models/ and copied to the build output, so the ONNX Runtime peer runs on a fresh clone without Python.
/// </summary>
internal static class SimAmModels
{
    /// <summary>Gets the tensor ranks an exported model exists for: [N, C, L], [N, C, H, W] and [N, C, D, H, W].</summary>
    public static IReadOnlyList<int> Ranks { get; } = [3, 4, 5];

    /// <summary>Gets the model for tensors of <paramref name="rank"/> dimensions in the build output.</summary>
    /// <param name="rank">The tensor's rank, one of <see cref="Ranks"/>.</param>
    /// <returns>The .onnx file's path.</returns>
    /// <exception cref="ArgumentOutOfRangeException">No model is exported for <paramref name="rank"/>.</exception>
    /// <exception cref="FileNotFoundException">The file is not in the build output.</exception>
    public static string Path(int rank)
    {
        if (rank is < 3 or > 5)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, "the exported SimAM models are for ranks 3, 4 and 5 ([N, C, L], [N, C, H, W], [N, C, D, H, W])");
        }

        // The mean runs over dims 2.., and the traced graph names them: hence one file per rank.
        var path = System.IO.Path.Combine(AppContext.BaseDirectory, "Models", $"simam_rank{rank}.onnx");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is missing: the benchmarks project copies Models/simam_rank*.onnx to its output (benchmarks/torch/export_simam_onnx.py makes them)", path);
    }
}
