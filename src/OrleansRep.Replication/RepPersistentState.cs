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
}

/// <summary>Generation <see cref="Gen"/> began, under <see cref="Master"/>, at <see cref="Start"/>.</summary>
public sealed record GenerationStart(uint Gen, SiteId Master, Storage.Lsn Start);
