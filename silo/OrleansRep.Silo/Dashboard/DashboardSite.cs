namespace OrleansRep.Silo.Dashboard;

/// <summary>A site as this site sees it: healthy in this silo's membership view, and whether it answered this sample.</summary>
public sealed record DashboardSite(int Id, string Address, int Priority, bool Healthy, bool Reachable);
