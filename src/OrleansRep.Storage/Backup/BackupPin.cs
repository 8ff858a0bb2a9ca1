using OrleansRep.Storage.Log;
using OrleansRep.Storage.Tree;

namespace OrleansRep.Storage.Backup;

/// <summary>
/// What <see cref="StorageEnvironment.PinForBackup"/> holds for a hot backup of one environment: the last durable
/// checkpoint (its redo point and page count), both meta pages as they were when it was taken, the log's truncation
/// count then, and the two holds (its pages are not reused; its log from the redo point is not archived).
/// </summary>
internal sealed class BackupPin(Lsn redoLsn, ulong pageCount, int pageSize, byte[] metaPages, long truncations, IDisposable pageHold, IDisposable logRetention) : IDisposable
{
    public Lsn RedoLsn { get; } = redoLsn;

    public ulong PageCount { get; } = pageCount;

    public int PageSize { get; } = pageSize;

    /// <summary>Pages 0 and 1 of the data file as they were when pinned (a later checkpoint overwrites one of them).</summary>
    public byte[] MetaPages { get; } = metaPages;

    public long Truncations { get; } = truncations;

    /// <summary>
    /// Pins the last durable checkpoint of <paramref name="checkpointer"/>. The caller holds the environment's
    /// checkpoint gate, so no checkpoint writes a meta page or moves the redo point while the pin is taken.
    /// </summary>
    public static BackupPin Take(Checkpointer checkpointer, PageStore store, LogWriter log, LogArchive archive)
    {
        var (meta, hold) = checkpointer.HoldPages();
        IDisposable? retention = null;
        try
        {
            var redo = meta.RedoLsn;
            retention = archive.AddRetention(() => redo.IsZero ? new Lsn(1, LogFormat.FileHeaderSize) : redo);
            var metaPages = new byte[2 * store.PageSize];
            if (store.ReadRaw(0, metaPages.AsSpan(0, store.PageSize)) != store.PageSize || store.ReadRaw(1, metaPages.AsSpan(store.PageSize)) != store.PageSize)
            {
                throw new CorruptionException(store.Path, 0, "the data file is shorter than its two meta pages");
            }

            return new BackupPin(meta.RedoLsn, meta.PageCount, store.PageSize, metaPages, log.Truncations, hold, retention);
        }
        catch
        {
            retention?.Dispose();
            hold.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        logRetention.Dispose();
        pageHold.Dispose();
    }
}
