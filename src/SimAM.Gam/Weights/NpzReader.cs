using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.IO.Compression;
using SimAM.Gam.IO;

namespace SimAM.Gam.Weights;

/// <summary>
/// Loads GAM weights from an .npz file as <c>np.savez</c> or <c>np.savez_compressed</c> writes a
/// <c>state_dict</c>: a zip archive with one .npy file per tensor, named <c>name.npy</c>, stored or deflated.
/// </summary>
/// <remarks>
/// The archive is read twice: first every entry's .npy header (names, element types, shapes, checked against the
/// entry's sizes before anything is allocated), then, once the names and shapes are known to form a GAM module's
/// state, every entry's data.
/// </remarks>
internal static class NpzReader
{
    /// <summary>
    /// The most bytes deflate can produce from one compressed byte (its longest match, 258 bytes, costs at least
    /// about two bits). An entry that claims more than this is not allocated for.
    /// </summary>
    private const long MaxDeflateRatio = 1032;

    private static readonly TensorElementType[] s_accepted =
        [TensorElementType.Float32, TensorElementType.Float64, TensorElementType.Float16, TensorElementType.Int64];

    /// <summary>Reads weights from the current position of <paramref name="stream"/> to its end.</summary>
    /// <param name="stream">A readable stream; a stream that cannot seek is first copied to memory.</param>
    /// <param name="sourceName">The file's name for messages.</param>
    /// <returns>The weights, complete and checked.</returns>
    /// <exception cref="GamWeightsFormatException">The content is not an .npz file of a GAM module's state.</exception>
    /// <exception cref="IOException">The stream cannot be read.</exception>
    public static GamWeights Read(Stream stream, string sourceName)
    {
        if (!stream.CanSeek)
        {
            // The entries' sizes are checked against the archive's real size before anything is allocated.
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            return Read(copy, sourceName);
        }

        var archiveLength = stream.Length - stream.Position;
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException exception)
        {
            throw NotAnArchive(sourceName, exception);
        }
        catch (IOException exception) when (IsCorruptEntry(exception))
        {
            throw NotAnArchive(sourceName, exception);
        }

        // A plain IOException anywhere in the archive (its directory, an entry, disposing it) is the archive's corruption
        // on .NET 8 (see IsCorruptEntry); entries report it with their names where they can.
        try
        {
            using (archive)
            {
                ReadOnlyCollection<ZipArchiveEntry> zipEntries;
                try
                {
                    zipEntries = archive.Entries;
                }
                catch (InvalidDataException exception)
                {
                    throw NotAnArchive(sourceName, exception);
                }
                catch (IOException exception) when (IsCorruptEntry(exception))
                {
                    throw NotAnArchive(sourceName, exception);
                }

                var entries = new List<TensorEntry>();
                foreach (var zipEntry in zipEntries)
                {
                    var name = TensorName(zipEntry, sourceName);
                    entries.Add(ReadHeader(zipEntry, name, archiveLength, sourceName));
                }

                var weights = StateDictLoader.CreateWeights(entries, sourceName);
                var buffer = new byte[StateDictLoader.ChunkBytes];
                for (var i = 0; i < entries.Count; i++)
                {
                    ReadData(weights, entries[i], zipEntries[i], sourceName, buffer);
                }

                weights.MarkChanged();
                return weights;
            }
        }
        catch (IOException exception) when (IsCorruptEntry(exception))
        {
            throw NotAnArchive(sourceName, exception);
        }
    }

    /// <summary>The tensor name of an entry: its file name without <c>.npy</c>, as <c>np.load</c> gives it.</summary>
    private static string TensorName(ZipArchiveEntry zipEntry, string sourceName)
    {
        const string Extension = ".npy";
        if (!zipEntry.FullName.EndsWith(Extension, StringComparison.Ordinal))
        {
            throw new GamWeightsFormatException(
                sourceName, zipEntry.FullName, "is not a .npy entry (np.savez stores each array as name.npy)");
        }

        return zipEntry.FullName[..^Extension.Length];
    }

    private static TensorEntry ReadHeader(ZipArchiveEntry zipEntry, string name, long archiveLength, string sourceName)
    {
        if (zipEntry.CompressedLength > archiveLength)
        {
            throw new GamWeightsFormatException(
                sourceName, name, $"the entry claims {zipEntry.CompressedLength} compressed bytes, more than the whole archive ({archiveLength} bytes)");
        }

        int[] shape;
        TensorElementType type;
        int dataOffset;
        try
        {
            using var content = zipEntry.Open();
            shape = NpyFile.ReadHeader(content, s_accepted, out type, out dataOffset);
        }
        catch (InvalidDataException exception)
        {
            throw new GamWeightsFormatException(sourceName, name, $"is not a valid .npy entry: {OneLine(exception.Message)}", exception);
        }
        catch (IOException exception) when (IsCorruptEntry(exception))
        {
            throw new GamWeightsFormatException(sourceName, name, $"the entry is corrupt: {OneLine(exception.Message)}", exception);
        }

        var entry = new TensorEntry(name, type, shape, dataOffset);
        var expected = dataOffset + entry.ByteCount;
        if (zipEntry.Length != expected)
        {
            throw new GamWeightsFormatException(
                sourceName,
                name,
                $"the entry is {zipEntry.Length} bytes, but its .npy header and {NpyHeaderText.FormatShape(shape)} '{NpyHeaderText.Descr(type)}' data make {expected}");
        }

        if (zipEntry.Length > (zipEntry.CompressedLength * MaxDeflateRatio) + 1024)
        {
            throw new GamWeightsFormatException(
                sourceName, name, $"the entry claims {zipEntry.Length} bytes from {zipEntry.CompressedLength} compressed bytes, more than deflate can produce");
        }

        return entry;
    }

    private static void ReadData(GamWeights weights, TensorEntry entry, ZipArchiveEntry zipEntry, string sourceName, byte[] buffer)
    {
        try
        {
            using var content = zipEntry.Open();
            for (var skipped = 0L; skipped < entry.DataOffset;)
            {
                var step = (int)Math.Min(buffer.Length, entry.DataOffset - skipped);
                if (content.ReadAtLeast(buffer.AsSpan(0, step), step, throwOnEndOfStream: false) < step)
                {
                    throw new GamWeightsFormatException(sourceName, entry.Name, "the entry ends inside its .npy header");
                }

                skipped += step;
            }

            StateDictLoader.ReadValues(weights, entry, content, sourceName, buffer);
            if (content.Read(buffer, 0, 1) != 0)
            {
                throw new GamWeightsFormatException(sourceName, entry.Name, "the entry has bytes after its data");
            }
        }
        catch (InvalidDataException exception)
        {
            throw new GamWeightsFormatException(sourceName, entry.Name, $"the entry's data is corrupt: {OneLine(exception.Message)}", exception);
        }
        catch (IOException exception) when (IsCorruptEntry(exception))
        {
            throw new GamWeightsFormatException(sourceName, entry.Name, $"the entry's data is corrupt: {OneLine(exception.Message)}", exception);
        }
    }

    /// <summary>
    /// On .NET 8 a compressed entry that ends early makes the zip reader throw a plain <see cref="IOException"/>
    /// ("Zip file corrupt: unexpected end of stream reached") where .NET 10 throws <see cref="InvalidDataException"/>, and
    /// some damaged records an <see cref="EndOfStreamException"/> (a random edit of a deflated archive found one); the
    /// archive is in memory or a file already opened, so either here is the archive, not the disk.
    /// </summary>
    private static bool IsCorruptEntry(IOException exception) => exception.GetType() == typeof(IOException) || exception is EndOfStreamException;

    private static GamWeightsFormatException NotAnArchive(string sourceName, Exception exception) =>
        new(sourceName, null, $"is not a valid .npz (zip) archive: {OneLine(exception.Message)}", exception);

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
