using OrleansRep.Replication.Messages;

namespace OrleansRep.Replication;

/// <summary>One site's VOTE1 as an election tallies it: who voted and what it said.</summary>
internal sealed record Vote(SiteId Site, VotePayload Payload)
{
    /// <summary>May this vote's site become master at all (electable; priority 0 only for mixed versions).</summary>
    public bool CanWin => Payload.Electable;
}
