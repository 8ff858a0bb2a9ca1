namespace OrleansRep.Silo.Dashboard;

/// <summary>
/// One cell of the cluster map: a shard's replica on a site. <see cref="Lsn"/> is "file/offset"; the lag is against
/// the shard's master's log end: <see cref="LagBytes"/> within the same log file, else <see cref="LagFiles"/> files
/// behind (null when unknown); <see cref="LagMs"/> is how long since the replica last heard from its master.
/// <see cref="Health"/>: ok, lagging, no-master, removed, unknown (no status), down (site unreachable).
/// <see cref="Bans"/> stays empty until the recovery master bans sites.
/// </summary>
public sealed record DashboardReplica(
    int Site,
    int Shard,
    string Role,
    uint Gen,
    int Master,
    string Lsn,
    ulong LogEnd,
    long? LagBytes,
    long? LagFiles,
    long LagMs,
    string Health,
    string Bans);
