namespace OrleansRep.Replication;

/// <summary>How a proposal (a local commit on the master) ended, as its caller sees it.</summary>
public abstract record ProposalOutcome;

/// <summary>Durable per the ack policy. The token gives read-your-writes on any client.</summary>
public sealed record Committed(CommitToken Token) : ProposalOutcome;

/// <summary>The commit stands locally but the ack policy was not met within the ack timeout (PERM_FAILED).</summary>
public sealed record AckPolicyNotMet(CommitToken Token, int Acks, int Needed) : ProposalOutcome;

/// <summary>This site is not master; <see cref="Master"/> is the one it knows of, if any.</summary>
public sealed record NotMaster(SiteId Master) : ProposalOutcome;

/// <summary>
/// The site is locked out (Berkeley DB's DB_REP_LOCKOUT): a role change, the truncation after verify or internal init
/// is under way (<see cref="ReplicationNode.LockedOut"/>). Only given under <see cref="ReplicationOptions.NoWait"/>;
/// without it the host holds the operation until the lockout ends. The caller may retry later.
/// </summary>
public sealed record LockedOut : ProposalOutcome;
