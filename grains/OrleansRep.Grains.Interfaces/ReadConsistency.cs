namespace OrleansRep.Grains.Interfaces;

/// <summary>How fresh a read must be.</summary>
public enum ReadConsistency
{
    /// <summary>On the master only, while it holds its lease (no other master can have committed since).</summary>
    Linearizable = 0,

    /// <summary>Any replica that heard from its master within the given maximum staleness (0: no bound).</summary>
    AnyReplica = 1,

    /// <summary>Any replica that has applied the commit a token names (read-your-writes); waits for it briefly.</summary>
    AtLeast = 2,
}
