using OrleansRep.Replication;

namespace OrleansRep.Simulation.Sites;

/// <summary>What invariant checkers may look at of a site (a <see cref="SimSite"/>, or a hand-made history in tests).</summary>
public interface ISiteView
{
    SiteId Id { get; }

    /// <summary>False while crashed.</summary>
    bool IsUp { get; }

    /// <summary>Bumped by every crash: per-incarnation facts (events seen, sync done) start over.</summary>
    int Incarnation { get; }

    RepRole Role { get; }

    uint Gen { get; }

    /// <summary>The election generation as persisted.</summary>
    uint Egen { get; }

    SiteId Master { get; }

    bool HoldsLease { get; }

    ReplicationOptions Options { get; }

    IReplicaStore Store { get; }

    /// <summary>How this site judges a read-your-writes token now (<see cref="ReplicationNode.CheckApplied"/>).</summary>
    TokenStatus CheckApplied(CommitToken token);
}
