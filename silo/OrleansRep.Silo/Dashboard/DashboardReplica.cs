namespace OrleansRep.Silo.Dashboard;

/// <summary>
/// One cell of the cluster map: a shard's replica on a site. <see cref="Lsn"/> is "file/offset". The lag is what the
/// shard's master counted in its log after the replica's last acknowledgement: <see cref="LagRecords"/> records
/// (<see cref="LagRecordsAtLeast"/>: counting stopped there) of <see cref="LagBytes"/> bytes. Without the master's
/// count it is the LSN difference: <see cref="LagBytes"/> within the same log file, else <see cref="LagFiles"/> files
/// behind (null when unknown). <see cref="LagMs"/> is how long since the replica last heard from its master.
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
    long? LagRecords,
    bool LagRecordsAtLeast,
    long LagMs,
    string Health,
    string Bans);
