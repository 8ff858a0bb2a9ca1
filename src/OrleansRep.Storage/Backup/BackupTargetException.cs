namespace OrleansRep.Storage.Backup;

/// <summary>
/// The directory a backup goes to (or a restore fills) cannot be used: a relative path (a backup's directory is on the
/// site's host, so a path relative to the caller's directory would mean something else there), a file, or a
/// directory that is not empty. Nothing was written.
/// </summary>
public sealed class BackupTargetException(string message) : StorageException(message)
{
}
