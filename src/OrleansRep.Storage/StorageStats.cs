namespace OrleansRep.Storage;

/// <summary>A point-in-time picture of an environment (what <c>orep db stat</c> prints).</summary>
public sealed record StorageStats
{
    public required int PageSize { get; init; }
    public required ulong PageCount { get; init; }
    public required int FreePages { get; init; }
    public required long DataFileBytes { get; init; }
    public required IReadOnlyList<DatabaseStats> Databases { get; init; }
    public required long PageReads { get; init; }
    public required long PageWrites { get; init; }
    public required long CacheHits { get; init; }
    public required long CacheMisses { get; init; }

    /// <summary>Memory held by loaded leaves when the evictor last measured (after each checkpoint).</summary>
    public required long CacheResidentBytes { get; init; }

    public required long CacheEvictions { get; init; }
    public required long Version { get; init; }
    public required Lsn LogEnd { get; init; }
    public required Lsn LogDurable { get; init; }
    public required long LogBytesWritten { get; init; }
    public required int LogFiles { get; init; }
    public required long LogWrites { get; init; }
    public required long FsyncCount { get; init; }
    public required double FsyncP50Us { get; init; }
    public required double FsyncP99Us { get; init; }
    public required double FsyncMaxUs { get; init; }
    public required long Commits { get; init; }
    public required long Checkpoints { get; init; }
    public required Lsn LastCheckpointLsn { get; init; }
    public required int ActiveReaders { get; init; }
    public required bool WriteFailed { get; init; }
}

/// <summary>Shape of one database's tree.</summary>
public sealed record DatabaseStats(string Name, uint Id, long Entries, int Depth, long LeafNodes, long BranchNodes);
