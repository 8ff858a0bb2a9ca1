namespace OrleansRep.Grains.Interfaces;

/// <summary>A committed transaction that sync rolled back when this replica's diverged tail was undone (it had been
/// written under a master whose log the new master does not hold): its transaction id, its commit record's LSN
/// (<c>Lsn.ToUInt64()</c>) and how many operations it had.</summary>
public sealed record RolledBackCommit(ulong TxnId, ulong CommitLsn, int Operations);
