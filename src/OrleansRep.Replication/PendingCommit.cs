using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>A commit on the master waiting for its ack policy (and its own durability): the proposal to answer (0:
/// none, only PERM_FAILED is reported), the generation it was written in (the master may be demoted into another
/// before it is answered), the commit LSN, the acks it needs and when the ack timeout ends.</summary>
internal sealed class PendingCommit(long proposalId, uint gen, Lsn commitLsn, AckRequirement requirement, long deadline)
{
    public long ProposalId { get; } = proposalId;

    public uint Gen { get; } = gen;

    public Lsn CommitLsn { get; } = commitLsn;

    public AckRequirement Requirement { get; } = requirement;

    public long Deadline { get; } = deadline;

    /// <summary>The acks made it durable in time; only the master's own flush is awaited.</summary>
    public bool AcksMet { get; set; }
}
