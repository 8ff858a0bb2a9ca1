using OrleansRep.Replication;

namespace OrleansRep.Simulation.Network;

/// <summary>What the network needs to know of the sites to route: who exists, and each site's own view of the master
/// (a host routes "to the master" by what its site believes).</summary>
public interface ISiteDirectory
{
    IReadOnlyList<SiteId> Sites { get; }

    /// <summary>The master <paramref name="site"/> believes in, or <see cref="SiteId.None"/>.</summary>
    SiteId BelievedMaster(SiteId site);

    /// <summary>Whether <paramref name="site"/> is master by its own account.</summary>
    bool IsMaster(SiteId site);
}
