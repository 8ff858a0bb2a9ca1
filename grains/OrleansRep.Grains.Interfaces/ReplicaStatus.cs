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
}
