namespace OrleansRep.Storage;

/// <summary>What opening an environment found: where redo started and ended, what it replayed, what it cut.</summary>
public sealed record RecoveryReport(
    bool Created,
    Lsn RedoFrom,
    Lsn LogEnd,
    int RecordsScanned,
    int CommitsReplayed,
    Lsn TornTailAt,
    long TornTailBytes,
    string? TornTailReason,
    string? MetaFallback);
