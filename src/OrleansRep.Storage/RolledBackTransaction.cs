namespace OrleansRep.Storage;

/// <summary>A committed transaction that a log rollback undid (reported to the application, as Berkeley DB does).</summary>
public sealed record RolledBackTransaction(ulong TxnId, Lsn CommitLsn, int Operations);
