using System.Buffers.Binary;
using OrleansRep.Storage.IO;
using OrleansRep.Storage.Log;
using OrleansRep.Storage.Tree;

namespace OrleansRep.Storage.Txn;

/// <summary>
/// The internal-init marker (Berkeley DB's <c>__db.rep.init</c>): while the file <see cref="FileName"/> is in a home,
/// the environment there is being filled from another site's snapshot and is not to be trusted. Every open that finds
/// it empties the environment again and restarts its log at the marker's LSN (<see cref="Reset"/>), so a crash at any
/// point of an init leaves an empty environment that says it still needs one, never a half-loaded one that looks
/// complete. <see cref="ReplicaLog.FinishInit"/> removes it once the loaded data is durable.
/// <code>
/// file: 0 u64 magic "ORPINIT1" | 8 u64 first LSN | 16 u32 crc32c of bytes 0..16
/// </code>
/// Written to a temporary name, fsynced and renamed, so the marker is either whole or absent.
/// </summary>
internal static class InitMarker
{
    public const string FileName = "__orep.init";

    private const ulong Magic = 0x3154_494E_4950_524F; // "ORPINIT1"
    private const int Size = 20;

    public static void Write(IFileSystem fs, string home, Lsn firstLsn)
    {
        Span<byte> bytes = stackalloc byte[Size];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, Magic);
        firstLsn.WriteTo(bytes[8..]);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[16..], Checksum.Crc32C(bytes[..16]));
        var temp = Path.Combine(home, FileName + ".tmp");
        using (var file = fs.Open(temp, create: true))
        {
            file.SetLength(0);
            file.Write(0, bytes);
            file.Flush();
        }

        fs.Rename(temp, Path.Combine(home, FileName));
        fs.SyncDirectory(home);
    }

    /// <summary>The first LSN of the init under way in <paramref name="home"/>, or null when there is none.</summary>
    public static Lsn? TryRead(IFileSystem fs, string home)
    {
        var path = Path.Combine(home, FileName);
        if (!fs.Exists(path))
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[Size];
        using var file = fs.Open(path, create: false);
        var n = file.Read(0, bytes);
        if (n != Size || BinaryPrimitives.ReadUInt64LittleEndian(bytes) != Magic || BinaryPrimitives.ReadUInt32LittleEndian(bytes[16..]) != Checksum.Crc32C(bytes[..16]))
        {
            // Renamed into place only once whole and durable: damage here is not a crash's doing.
            throw new CorruptionException(path, 0, "internal-init marker is damaged; remove the environment's files and initialise it again");
        }

        return Lsn.ReadFrom(bytes[8..]);
    }

    public static void Remove(IFileSystem fs, string home)
    {
        fs.Delete(Path.Combine(home, FileName));
        fs.SyncDirectory(home);
    }

    /// <summary>
    /// Empties the environment in <paramref name="home"/> (the caller holds its lock) and restarts its log at
    /// <paramref name="firstLsn"/>: the data file is replaced by one with no databases whose redo point is
    /// <paramref name="firstLsn"/>, and the log is one file, number <c>firstLsn.File</c>, whose first record goes at
    /// <c>firstLsn.Offset</c>. The log file goes first: a crash in between leaves the marker, and the next open resets
    /// again.
    /// </summary>
    public static void Reset(IFileSystem fs, string home, StorageOptions options, Lsn firstLsn)
    {
        foreach (var name in fs.List(home, "log.*"))
        {
            fs.Delete(Path.Combine(home, name));
        }

        var dataPath = Path.Combine(home, PageStore.FileName);
        if (fs.Exists(dataPath))
        {
            fs.Delete(dataPath);
        }

        fs.SyncDirectory(home);
        using (var log = fs.Open(Path.Combine(home, LogFormat.FileName(firstLsn.File)), create: true))
        {
            log.Allocate(Math.Max(options.LogFileSize, firstLsn.Offset));
            Span<byte> header = stackalloc byte[LogFormat.FileHeaderSize];
            LogFormat.WriteFileHeader(header, firstLsn.File, options.LogFileSize, firstLsn.Offset);
            log.Write(0, header);
            log.Flush();
        }

        using (var store = new PageStore(fs.Open(dataPath, create: true), options.PageSize))
        {
            store.WriteMeta(new MetaPage(0, firstLsn, 0, 2, 0, 0, 0, 0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0, options.PageSize));
            store.Sync();
        }

        fs.SyncDirectory(home);
    }

    /// <summary>Null when <paramref name="firstLsn"/> can start a log, else why not.</summary>
    public static string? Check(Lsn firstLsn) =>
        firstLsn.File == 0 || firstLsn.Offset < LogFormat.FileHeaderSize ? $"{firstLsn} cannot start a log (file 1 or later, offset {LogFormat.FileHeaderSize} or more)" : null;
}
