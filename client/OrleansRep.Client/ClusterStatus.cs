using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;

namespace OrleansRep.Client;

/// <summary>Every known site's report, and what they add up to.</summary>
public sealed record ClusterStatus(IReadOnlyList<SiteReport> Sites)
{
    /// <summary>The group's members as the first healthy site keeps them (empty when none answered).</summary>
    public IReadOnlyList<SiteMember> Members => Sites.FirstOrDefault(s => s.Healthy)?.Status!.Members ?? [];

    /// <summary>Every replica the healthy sites reported.</summary>
    public IEnumerable<ReplicaStatus> Replicas => Sites.Where(s => s.Healthy).SelectMany(s => s.Status!.Shards);

    /// <summary>The shards any site reported, ascending.</summary>
    public IEnumerable<int> Shards => Replicas.Select(r => r.Shard).Distinct().Order();

    /// <summary>The master of <paramref name="shard"/>: the replica that says it is master with the highest generation
    /// (0: none, an election is due or under way).</summary>
    public ReplicaStatus? MasterOf(int shard) =>
        Replicas.Where(r => r.Shard == shard && r.Role == RepRole.Master).MaxBy(r => r.Gen);
}
