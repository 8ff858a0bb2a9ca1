namespace OrleansRep.Silo.Dashboard;

/// <summary>What a page gets first (event "init"): the latest snapshot, the chart history and the timeline.</summary>
public sealed record DashboardInit(DashboardSnapshot? Snapshot, IReadOnlyList<DashboardChartSample> History, IReadOnlyList<DashboardEvent> Timeline);
