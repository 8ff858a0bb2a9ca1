using OrleansRep.Replication;
using OrleansRep.Simulation.Network;

namespace OrleansRep.Simulation.Tests.Support;

/// <summary>Sites 1..n; <see cref="Masters"/> maps a site to the master it believes in.</summary>
internal sealed class FakeDirectory(int sites) : ISiteDirectory
{
    public IReadOnlyList<SiteId> Sites { get; } = Enumerable.Range(1, sites).Select(i => new SiteId(i)).ToList();

    public Dictionary<SiteId, SiteId> Masters { get; } = [];

    public SiteId BelievedMaster(SiteId site) => Masters.GetValueOrDefault(site);

    public bool IsMaster(SiteId site) => Masters.GetValueOrDefault(site) == site;
}
