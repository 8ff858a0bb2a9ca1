using OrleansRep.Storage;

namespace OrleansRep.Replication.Messages;

/// <summary>The type-specific part of a <see cref="RepMessage"/>.</summary>
public abstract record RepPayload;

/// <summary>One log record (LOG, VERIFY, and the record a master resends).</summary>
public sealed record RecordPayload(LogRecordView Record) : RepPayload;

/// <summary>Several consecutive log records (BULK_LOG), in LSN order, within the bulk byte limit.</summary>
public sealed record BulkPayload(IReadOnlyList<LogRecordView> Records) : RepPayload;

/// <summary>The end of a requested range (LOG_REQ: records from the header LSN up to, not including, End).</summary>
public sealed record RangePayload(Lsn End) : RepPayload;

/// <summary>An election vote (VOTE1; VOTE2 uses only <see cref="Egen"/>). <see cref="Appointed"/>: the voter was promoted
/// by hand and holds this election to take the generation (<see cref="VoteRanking"/> puts it first).</summary>
public sealed record VotePayload(
    uint Egen,
    int Nsites,
    int Nvotes,
    int Priority,
    bool Electable,
    uint DataGen,
    Lsn LastCommit,
    uint Tiebreaker,
    bool FullElection,
    bool Appointed = false) : RepPayload;

/// <summary>ALIVE: the sender's election generation.</summary>
public sealed record AlivePayload(uint Egen) : RepPayload;

/// <summary>A site's identity for membership messages.</summary>
public sealed record SitePayload(SiteInfo Site) : RepPayload;

/// <summary>The whole group as the master committed it (MEMBERSHIP).</summary>
public sealed record MembershipPayload(IReadOnlyList<SiteInfo> Sites, long Version) : RepPayload;

/// <summary>UPDATE: what internal init transfers. <see cref="FirstLsn"/> is where the log after the snapshot starts
/// (the master's stable LSN); the message LSN is the master's end of log. <see cref="SnapshotId"/> names the snapshot
/// the master's host prepared; <see cref="Chunks"/> how many chunks it has.</summary>
public sealed record UpdatePayload(Lsn FirstLsn, long SnapshotId, int Chunks) : RepPayload;

/// <summary>UPDATE_REQ (optional payload): <see cref="Repeat"/> is true when the client asks again because no
/// UPDATE came (the master then offers the snapshot it already prepared for that client); false for a fresh start of
/// internal init (the master prepares a new snapshot, as the client may have given up on the old one). A request
/// without this payload is a fresh start.</summary>
public sealed record UpdateRequestPayload(bool Repeat) : RepPayload;

/// <summary>PAGE: one chunk of an internal-init snapshot.</summary>
public sealed record ChunkPayload(long SnapshotId, int Index, int Count, ReadOnlyMemory<byte> Data) : RepPayload;

/// <summary>PAGE_REQ: the chunk wanted.</summary>
public sealed record ChunkRequestPayload(long SnapshotId, int Index) : RepPayload;

/// <summary>LEASE_GRANT / PERM timestamps for master leases: the master's time when it sent the PERM record.</summary>
public sealed record LeasePayload(long MasterTime) : RepPayload;

/// <summary>NEWMASTER: where the master's generation (the message's gen) began in its log, for the receivers' LSN
/// history. The message LSN is the master's end of log, as Berkeley DB's. <see cref="Earlier"/> is the master's LSN
/// history before its generation (oldest first; null or empty: none sent): a client that was down while a generation
/// ran never heard that generation's NEWMASTER, yet receives its records from a later master; without the entry it
/// would judge every commit token of that generation lost (Berkeley DB replicates its LSN history database for the
/// same reason). At most <see cref="MaxEarlier"/> entries, the newest.</summary>
public sealed record NewMasterPayload(Lsn GenerationStart, IReadOnlyList<GenerationStart>? Earlier = null) : RepPayload
{
    /// <summary>How many earlier LSN-history entries a NEWMASTER carries at most (16 bytes each on the wire): a site
    /// that missed more generations than this while it was down still lacks the older ones.</summary>
    public const int MaxEarlier = 1024;

    /// <summary>Value equality, the history compared entry by entry (null and empty alike).</summary>
    public bool Equals(NewMasterPayload? other) =>
        other is not null && GenerationStart == other.GenerationStart && (Earlier ?? []).SequenceEqual(other.Earlier ?? []);

    public override int GetHashCode() => HashCode.Combine(GenerationStart, Earlier?.Count ?? 0);

    public override string ToString() => Earlier is not { Count: > 0 } earlier
        ? $"NewMasterPayload {{ GenerationStart = {GenerationStart} }}"
        : $"NewMasterPayload {{ GenerationStart = {GenerationStart}, Earlier = {string.Join(", ", earlier.Select(e => $"gen {e.Gen} {e.Master} {e.Start}"))} }}";
}
