using OrleansRep.Replication;

namespace OrleansRep.Silo.Dashboard;

/// <summary>An event of a site's feed as the dashboard's timeline shows it: the site's sequence number, when, which
/// replica, the kind (ELECTED, NEWMASTER, PERM_FAILED, ...), its generation and the site it names (0: none).</summary>
public sealed record DashboardEvent(long Sequence, DateTimeOffset Time, int Site, int Shard, RepEventKind Kind, uint Gen, int About);
