namespace OrleansRep.Storage.Backup;

/// <summary>
/// A hot backup could not finish consistently and left nothing behind: the environment was closed or re-initialised
/// (internal init) while it was being copied, or its log was rolled back under the copy. Retrying is safe.
/// </summary>
public sealed class BackupInterruptedException : StorageException
{
    public BackupInterruptedException(string message)
        : base(message)
    {
    }

    public BackupInterruptedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
