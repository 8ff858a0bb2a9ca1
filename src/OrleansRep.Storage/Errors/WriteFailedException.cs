namespace OrleansRep.Storage;

/// <summary>
/// A write or fsync failed (disk full, I/O error). Like Berkeley DB after WRITE_FAILED the environment refuses every
/// further write until it is reopened (and recovered); reads of committed data keep working.
/// </summary>
public sealed class WriteFailedException : StorageException
{
    public WriteFailedException(string message, Exception inner) : base(message, inner) { }

    public WriteFailedException(string message) : base(message) { }
}
