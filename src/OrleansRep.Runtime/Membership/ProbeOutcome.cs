namespace OrleansRep.Runtime.Membership;

/// <summary>What one probe result did to the view.</summary>
public enum ProbeOutcome
{
    /// <summary>Nothing changed (an answer, a miss below the limit, or a probe of a silo no longer watched).</summary>
    None,

    /// <summary>This silo cast (or refreshed) its vote; not enough votes yet.</summary>
    Suspected,

    /// <summary>This silo's vote completed the quorum: the peer is now dead in the view.</summary>
    DeclaredDead,
}
