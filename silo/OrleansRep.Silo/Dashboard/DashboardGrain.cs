using OrleansRep.Runtime.Core;

namespace OrleansRep.Silo.Dashboard;

/// <summary>Answers other sites' dashboards from this silo's <see cref="DashboardSiteSource"/>. Reentrant: it holds no
/// state, so concurrent callers need not queue behind each other.</summary>
[Reentrant]
internal sealed class DashboardGrain(DashboardSiteSource source) : Grain, IDashboardGrain
{
    public Task<DashboardSiteSample> GetSample(string incarnation, long eventsAfter) => source.SampleAsync(incarnation, eventsAfter);
}
