using System;
using System.IO;
using SimAM.Gam.IO;
using SimAM.Gam.Weights;

namespace SimAM.Gam;

/// <summary>Loading and saving PyTorch weight files (safetensors, .npz).</summary>
public sealed partial class GamWeights
{
    /// <summary>
    /// Loads weights from a PyTorch weight file: safetensors, or .npz as <c>np.savez</c> writes a <c>state_dict</c>.
    /// The format is told by the content (a zip archive is .npz, a header length followed by <c>{</c> is safetensors),
    /// else by the extension.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <returns>New weights, whose sizes come from the file's shapes (see <see cref="LoadSafeTensors(Stream, string)"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="GamWeightsFormatException">The file is neither format, or is not a valid file of a GAM module's state (the message names the file, the tensor and the problem).</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">Its directory does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be opened for reading.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static GamWeights Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        Span<byte> start = stackalloc byte[9];
        var read = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        stream.Position = 0;
        var extension = Path.GetExtension(path);
        if (read >= 4 && start[0] == 'P' && start[1] == 'K' && start[2] is 3 or 5 && start[3] == start[2] + 1)
        {
            // "PK\x03\x04" starts a zip file's first entry, "PK\x05\x06" an empty archive.
            return NpzReader.Read(stream, path);
        }

        if (read == start.Length && start[8] == '{')
        {
            return SafeTensorsReader.Read(stream, path);
        }

        if (extension.Equals(".npz", StringComparison.OrdinalIgnoreCase))
        {
            return NpzReader.Read(stream, path);
        }

        if (extension.Equals(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            return SafeTensorsReader.Read(stream, path);
        }

        throw new GamWeightsFormatException(path, null, "is neither a safetensors file nor an .npz archive");
    }

    /// <summary>
    /// Loads weights from a safetensors file: 8 bytes of little-endian header length N, N bytes of JSON header naming
    /// each tensor's dtype, shape and byte range, then the little-endian data.
    /// </summary>
    /// <param name="stream">A readable stream, read from its current position to its end (a stream that cannot seek is first copied to memory).</param>
    /// <param name="sourceName">The name messages give the file.</param>
    /// <returns>New weights, complete and checked.</returns>
    /// <remarks>
    /// <para>
    /// The file must hold the sixteen tensors of <see cref="AllTensors"/> under their <c>state_dict</c> names, each
    /// once; the two batch counters (<see cref="BatchesTrackedName1"/>, <see cref="BatchesTrackedName2"/>, I64
    /// scalars) are optional and 0 when absent, as PyTorch's <c>load_state_dict</c> treats a file without them. Any
    /// other tensor is rejected, as <c>load_state_dict(strict=True)</c> does.
    /// </para>
    /// <para>
    /// The sizes are inferred: C and m from <c>channel_attention.0.weight</c> [m, C], the groups from
    /// <c>spatial_attention.0.weight</c> [m, C/groups, 7, 7], out from <c>spatial_attention.3.weight</c>
    /// [out, m/groups, 7, 7]; every other shape must then match. F32 and F64 data are read exactly; F16 and BF16
    /// are converted (exactly: double holds every such value). Values must be finite and running variances
    /// non-negative: weights holding NaN come from a broken training run, and every output would be NaN.
    /// </para>
    /// <para>
    /// Nothing in the header is trusted: its length, every dtype, shape and byte range are checked against the
    /// data before anything is allocated, and the byte ranges must cover the data exactly, without overlap, as the
    /// reference implementation requires. The weights are returned only once everything has been read and checked.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> or <paramref name="sourceName"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> cannot be read.</exception>
    /// <exception cref="GamWeightsFormatException">
    /// The content is not a valid safetensors file of a GAM module's state: truncated, a header that is not JSON or
    /// does not match the data, an unsupported dtype, a missing, unexpected or repeated tensor, a wrong shape, a NaN
    /// or infinite value. The message names the source, the tensor and the problem.
    /// </exception>
    /// <exception cref="IOException">The stream cannot be read.</exception>
    public static GamWeights LoadSafeTensors(Stream stream, string sourceName)
    {
        CheckReadable(stream, sourceName);
        return SafeTensorsReader.Read(stream, sourceName);
    }

    /// <summary>
    /// Loads weights from an .npz archive as <c>np.savez(path, **{k: v.numpy() for k, v in state_dict.items()})</c> or
    /// <c>np.savez_compressed</c> writes it: one <c>name.npy</c> entry per tensor, stored or deflated.
    /// </summary>
    /// <param name="stream">A readable stream, read from its current position to its end.</param>
    /// <param name="sourceName">The name messages give the file.</param>
    /// <returns>New weights, complete and checked.</returns>
    /// <remarks>
    /// The entries must be little-endian, C-ordered float32, float64 or float16 arrays (<c>'&lt;f4'</c>,
    /// <c>'&lt;f8'</c>, <c>'&lt;f2'</c>), and int64 scalars (<c>'&lt;i8'</c>) for the batch counters; the names,
    /// shapes and values are checked as <see cref="LoadSafeTensors(Stream, string)"/> describes. Each entry's header
    /// is checked against the entry's size before anything is allocated.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> or <paramref name="sourceName"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> cannot be read.</exception>
    /// <exception cref="GamWeightsFormatException">
    /// The content is not a valid .npz archive of a GAM module's state: not a zip archive, an entry that is not a
    /// valid .npy file of a supported dtype, a missing, unexpected or repeated tensor, a wrong shape, a NaN or
    /// infinite value. The message names the source, the tensor and the problem.
    /// </exception>
    /// <exception cref="IOException">The stream cannot be read.</exception>
    public static GamWeights LoadNpz(Stream stream, string sourceName)
    {
        CheckReadable(stream, sourceName);
        return NpzReader.Read(stream, sourceName);
    }

    /// <summary>
    /// Writes these weights as a safetensors file that PyTorch loads with <c>safetensors.torch.load_file</c> and
    /// <c>load_state_dict</c>: the sixteen tensors, the two batch counters as I64 scalars, metadata
    /// <c>{"format": "pt"}</c>, laid out byte for byte as the reference writer lays them out (deterministic).
    /// </summary>
    /// <param name="stream">A writable stream; the file is written from its current position.</param>
    /// <param name="type">The element type of the tensors: <see cref="GamTensorType.F32"/> (the default, what PyTorch modules hold; each value rounded to the nearest float32) or <see cref="GamTensorType.F64"/> (exact).</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> cannot be written.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is not a defined <see cref="GamTensorType"/>.</exception>
    /// <exception cref="InvalidOperationException">A value is NaN or infinite, or beyond float32's range with <see cref="GamTensorType.F32"/>: the loader would refuse the file. Nothing is written.</exception>
    /// <exception cref="IOException">The stream cannot be written.</exception>
    public void SaveSafeTensors(Stream stream, GamTensorType type = GamTensorType.F32)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream cannot be written.", nameof(stream));
        }

        CheckType(type);
        SafeTensorsWriter.Write(stream, this, type);
    }

    /// <summary>
    /// Writes these weights to a safetensors file (see <see cref="SaveSafeTensors(Stream, GamTensorType)"/>), all or
    /// nothing: the content goes to a temporary file in the same folder, which replaces <paramref name="path"/> only
    /// once complete, so a failure leaves the target as it was.
    /// </summary>
    /// <param name="path">The file to write; its folder must exist.</param>
    /// <param name="type">The element type of the tensors: <see cref="GamTensorType.F32"/> (the default) or <see cref="GamTensorType.F64"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is not a defined <see cref="GamTensorType"/>.</exception>
    /// <exception cref="InvalidOperationException">A value is NaN or infinite, or beyond float32's range with <see cref="GamTensorType.F32"/>. Nothing is written.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or the target is not writable.</exception>
    /// <exception cref="IOException">The file cannot be written or moved into place.</exception>
    public void SaveSafeTensors(string path, GamTensorType type = GamTensorType.F32)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckType(type);
        AtomicFile.Write(path, stream => SafeTensorsWriter.Write(stream, this, type));
    }

    private static void CheckReadable(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        if (!stream.CanRead)
        {
            throw new ArgumentException("The stream cannot be read.", nameof(stream));
        }
    }

    internal static void CheckType(GamTensorType type)
    {
        if (type is not (GamTensorType.F32 or GamTensorType.F64))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "type must be Float32 or Float64.");
        }
    }
}
