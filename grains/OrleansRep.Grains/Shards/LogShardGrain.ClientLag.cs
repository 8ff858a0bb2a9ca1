using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;

namespace OrleansRep.Grains.Shards;

/// <summary>The replica's part in reporting its clients' lag: on the master, each member's lag in records and bytes of
/// its log, for <see cref="ReplicaStatus.ClientsBehind"/> (the dashboard's map).</summary>
internal sealed partial class LogShardGrain
{
    private readonly ClientLagCounter _clientLag = new();

    /// <summary>On the master, each other member's lag in its log (<see cref="ClientLagCounter"/>; members it has no
    /// acknowledgement from in its generation are left out).</summary>
    private List<ClientLag> ClientsBehind(ReplicationNode node)
    {
        if (node.Role != RepRole.Master)
        {
            return [];
        }

        var others = node.State.Sites.Values.Where(s => s.Id != node.Self).Select(s => s.Id).ToList();
        _clientLag.Retain([.. others.Select(s => s.Value)]);
        var now = time.GetElapsedTime(_started);
        return [.. others.Select(s => _clientLag.Lag(Store, s.Value, node.AckedBy(s), Store.LogEnd, now)).OfType<ClientLag>()];
    }
}
