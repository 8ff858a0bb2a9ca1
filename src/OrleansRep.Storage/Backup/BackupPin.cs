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

    public void Dispose()
    {
        logRetention.Dispose();
        pageHold.Dispose();
    }
}
