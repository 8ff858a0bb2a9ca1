using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Silo.Dashboard;

/// <summary>
/// A site's part of the dashboard ("dashboard@{site}", <see cref="DashboardGrainKeys.Site"/>: placed on that site's silo): what the other
/// sites' dashboards need from it each second, in one call.
/// </summary>
public interface IDashboardGrain : IGrainWithStringKey
{
    /// <summary>This site's replicas, grain counters and the events it raised after <paramref name="eventsAfter"/>
    /// (a sequence number of this site's feed in the incarnation the caller last saw; 0: from the oldest retained).</summary>
    [RequiresRole(ClientRoles.Read)]
    Task<DashboardSiteSample> GetSample(string incarnation, long eventsAfter);
}
