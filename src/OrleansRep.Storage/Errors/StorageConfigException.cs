namespace OrleansRep.Storage;

/// <summary>An option or a line of orep.conf is invalid; the message says which and why.</summary>
public sealed class StorageConfigException(string message) : StorageException(message);
