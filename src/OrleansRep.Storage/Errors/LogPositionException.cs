namespace OrleansRep.Storage;

/// <summary>A log operation named an LSN that does not fit the log (not at its end, before a truncation point, archived).</summary>
public sealed class LogPositionException(string message) : StorageException(message);
