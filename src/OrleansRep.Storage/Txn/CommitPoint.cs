namespace OrleansRep.Storage.Txn;

/// <summary>The newest committed version and the log position just past its commit record, published together.</summary>
internal sealed record CommitPoint(long Version, Lsn End);
