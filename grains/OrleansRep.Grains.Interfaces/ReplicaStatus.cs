using OrleansRep.Replication;

namespace OrleansRep.Grains.Interfaces;

/// <summary>
/// One replica as it sees itself (not a hot path: JSON on the wire). <see cref="LogEnd"/> is the log's end as
/// <c>Lsn.ToUInt64()</c> (file in the high 32 bits). <see cref="LagMs"/>: on a client, how long since it last heard
/// from its master (-1: never); 0 on the master.
/// </summary>
public sealed record ReplicaStatus(
    int Shard,
    int Site,
    RepRole Role,
    uint Gen,
    uint Egen,
    int Master,
    ulong LogEnd,
    long LagMs,
    bool HoldsLease,
    IReadOnlyList<string> RecentEvents)
{
    /// <summary>The replica's counters (null from a site that does not report them).</summary>
    public ReplicaCounters? Counters { get; init; }

    /// <summary>The group as this replica's state machine holds it (empty from a site that does not report it).</summary>
    public IReadOnlyList<SiteMember> Members { get; init; } = [];

    /// <summary>The version of <see cref="Members"/> (bumped by every committed change; 0: a joining replica that has
    /// not had the group's list from a master yet).</summary>
    public long MembershipVersion { get; init; }

    /// <summary>The last rollback of a diverged tail on this replica since it was activated (null: none).</summary>
    public RollbackReport? LastRollback { get; init; }

    /// <summary>This replica's site was removed from the group: it takes no part and serves nothing.</summary>
    public bool Removed { get; init; }

    /// <summary>On a master, the oldest LSN its last log archiving kept for lagging clients (as <see cref="LogEnd"/>;
    /// 0: none held).</summary>
    public ulong LogRetainedFrom { get; init; }

    /// <summary>How many log files its last log archiving kept only because a lagging client still needs them.</summary>
    public int LogFilesKeptForClients { get; init; }

    /// <summary>On a master, how far each other member is behind it, in records and bytes of its log (empty elsewhere).</summary>
    public IReadOnlyList<ClientLag> ClientsBehind { get; init; } = [];
}
