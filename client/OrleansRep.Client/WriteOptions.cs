using OrleansRep.Replication;

namespace OrleansRep.Client;

/// <summary>How durable a write must be before it is acknowledged: the shard's ack policy for this request.</summary>
/// <param name="Durability">None, One, OnePeer, Quorum, AllPeers, AllAvailable or All. Default Quorum.</param>
public sealed record WriteOptions(AckPolicy Durability = AckPolicy.Quorum)
{
    /// <summary>Quorum: a majority of the sites has the commit durably.</summary>
    public static WriteOptions Default { get; } = new();
}
