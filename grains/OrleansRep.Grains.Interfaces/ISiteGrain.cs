using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Grains.Interfaces;

/// <summary>
/// The site itself ("site@{site}", <see cref="GrainKeys.Site"/>): its shard replicas, its group membership (kept as
/// grain state in the site's engine) and its event feed, a stream in namespace <see cref="SiteStatus.EventNamespace"/>
/// keyed by the site id, carrying <see cref="SiteEvent"/>s.
/// </summary>
public interface ISiteGrain : IGrainWithStringKey
{
    /// <summary>Activates every shard replica of this site (the silo host calls it at start; idempotent).</summary>
    [RequiresRole(ClientRoles.Admin)]
    Task Start();

    /// <summary>Every shard replica of this site: role, gen, LSN, master, lag.</summary>
    [RequiresRole(ClientRoles.Read)]
    Task<SiteStatus> GetStatus();

    /// <summary>The newest events of this site's replicas (at most the retained window), oldest first.</summary>
    [RequiresRole(ClientRoles.Read)]
    Task<IReadOnlyList<SiteEvent>> RecentEvents();
}
