namespace OrleansRep.Silo.Dashboard;

/// <summary>
/// What every open dashboard page gets each <see cref="DashboardOptions.SampleInterval"/> (as JSON, event
/// "snapshot"): the cluster map (every site's replicas), the grain table, this interval's chart sample and the events
/// new since the last snapshot. <see cref="RecoveryMaster"/> is null until the cluster has one (the page shows "none").
/// </summary>
public sealed record DashboardSnapshot(
    long Tick,
    int Site,
    DateTimeOffset Time,
    int? RecoveryMaster,
    IReadOnlyList<DashboardSite> Sites,
    IReadOnlyList<DashboardReplica> Replicas,
    IReadOnlyList<DashboardGrainRow> Grains,
    DashboardChartSample Sample,
    IReadOnlyList<DashboardEvent> Events);
