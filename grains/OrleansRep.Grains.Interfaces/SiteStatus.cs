namespace OrleansRep.Grains.Interfaces;

/// <summary>A site's status: its id, the group's sites with their priorities, and each of its shard replicas.</summary>
public sealed record SiteStatus(int Site, IReadOnlyList<SiteMember> Members, IReadOnlyList<ReplicaStatus> Shards)
{
    /// <summary>The stream namespace of the site event feed; the stream key is the site id in decimal.</summary>
    public const string EventNamespace = "orep-events";
}
