namespace OrleansRep.Runtime.Membership;

/// <summary>A silo's vote that another silo is dead, cast after its probes went unanswered, with the time it was cast.</summary>
/// <param name="Suspecter">The silo that cast the vote.</param>
/// <param name="CastAt">When (on the suspecter's clock); a vote older than <see cref="MembershipOptions.DeathVoteExpiration"/> no longer counts.</param>
public readonly record struct SuspicionVote(SiloAddress Suspecter, DateTimeOffset CastAt);
