namespace OrleansRep.Storage;

/// <summary>A transaction was used after commit/abort, or a write was attempted in a read transaction.</summary>
public sealed class TransactionStateException(string message) : StorageException(message);
