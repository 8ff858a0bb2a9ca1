namespace OrleansRep.Replication;

/// <summary>How many acknowledgements a PERM record needs before its commit is durable (repmgr's ack policies, with
/// their values). See reference section 3 for the arithmetic.</summary>
public enum AckPolicy
{
    All = 1,
    AllAvailable = 2,
    AllPeers = 3,
    None = 4,
    One = 5,
    OnePeer = 6,

    /// <summary>The default: enough electable peers that every election-winning majority holds the record.</summary>
    Quorum = 7,
}
