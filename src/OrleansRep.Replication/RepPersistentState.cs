using System.Collections.Immutable;

namespace OrleansRep.Replication;

/// <summary>
/// What the machine keeps across a crash (the bookkeeping the host writes on <see cref="Actions.PersistState"/>):
/// Berkeley DB's __db.rep.gen / __db.rep.egen, the master it last knew, the group membership and whether internal
/// init was under way.
/// </summary>
public sealed record RepPersistentState
{
    public RepRole Role { get; init; }

    /// <summary>Generation of the current master.</summary>
    public uint Gen { get; init; }

    /// <summary>Election generation: the next election votes in this one (persisted before voting).</summary>
    public uint Egen { get; init; } = 1;

    public SiteId Master { get; init; }

    /// <summary>The group has had a master at some time (REPCTL_GROUP_ESTD).</summary>
    public bool GroupEstablished { get; init; }

    /// <summary>The group, this site included, keyed by site id.</summary>
    public ImmutableSortedDictionary<SiteId, SiteInfo> Sites { get; init; } = ImmutableSortedDictionary<SiteId, SiteInfo>.Empty;

    /// <summary>Membership version (bumped by every committed change).</summary>
    public long MembershipVersion { get; init; }

    /// <summary>Non-zero while internal init of this snapshot is under way (the __db.rep.init marker).</summary>
    public long InitSnapshotId { get; init; }

    /// <summary>Generation of each master this log has seen, with where its records start (Berkeley DB's LSN
    /// history): the <c>data_gen</c> of a vote, and commit-token checks.</summary>
    public ImmutableList<GenerationStart> History { get; init; } = ImmutableList<GenerationStart>.Empty;

    /// <summary>The newest generation whose master's log this site's log is known to follow: set when this site
    /// becomes master, and on a client when sync with the master completes (verify match, internal init done). A
    /// <see cref="History"/> entry is learned from NEWMASTER before sync, while the log may still hold another
    /// lineage's records past that generation's start; Berkeley DB's LSN history is a replicated database, so a
    /// client holds a generation's entry only once it holds the master's log there. Votes count only entries up to
    /// this generation (see <see cref="Vote.PayloadFor"/>).</summary>
    public uint SyncedGen { get; init; }

    /// <summary>The newest election in which this site gave its VOTE2 (persisted before the vote is sent). The winner of
    /// that election may be master in that generation with a log that ends where this site's ended when it voted; a
    /// client that went on acknowledging an older master's records would let that master count acknowledgements for
    /// writes the new one lacks. So a client never follows a master of a generation older than this again (Raft's
    /// rule that a vote ends the voter's term; Berkeley DB has no such rule).</summary>
    public uint VotedEgen { get; init; }
}

/// <summary>Generation <see cref="Gen"/> began, under <see cref="Master"/>, at <see cref="Start"/>.</summary>
public sealed record GenerationStart(uint Gen, SiteId Master, Storage.Lsn Start);
