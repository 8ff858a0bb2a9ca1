namespace OrleansRep.Grains.Interfaces;

/// <summary>The last rollback of a replica's diverged tail (<see cref="ReplicaStatus.LastRollback"/>): when, in which
/// generation (the new master's), the LSN the log was cut back to, and the transactions undone (at most
/// <see cref="MaxListed"/>; <see cref="Count"/> says how many there were).</summary>
public sealed record RollbackReport(DateTimeOffset Time, uint Gen, int Master, ulong To, int Count, IReadOnlyList<RolledBackCommit> Transactions)
{
    /// <summary>Most transactions listed in a report (the count is exact).</summary>
    public const int MaxListed = 100;
}
