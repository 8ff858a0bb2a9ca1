using OrleansRep.Storage.IO;

namespace OrleansRep.Storage.Log;

/// <summary>
/// Which log files may go (Berkeley DB's log_archive): those before the file of the last checkpoint's redo point, not
/// the current file, and none that a retention hook (a lagging replica, a running backup) still needs.
/// </summary>
internal sealed class LogArchive(IFileSystem fs, string home, Func<Lsn> redoLsn, Func<Lsn> logEnd)
{
    private readonly List<Func<Lsn>> _retention = [];

    /// <summary>Registers a hook that says the oldest LSN someone still needs; dispose the result to unregister.</summary>
    public IDisposable AddRetention(Func<Lsn> oldestNeeded)
    {
        ArgumentNullException.ThrowIfNull(oldestNeeded);
        lock (_retention)
        {
            _retention.Add(oldestNeeded);
        }

        return new Retention(this, oldestNeeded);
    }

    /// <summary>Names of the files that may be removed, oldest first.</summary>
    public IReadOnlyList<string> ArchivableFiles()
    {
        var redo = redoLsn();
        var keepFrom = redo.IsZero ? 0u : redo.File;
        lock (_retention)
        {
            foreach (var hook in _retention)
            {
                var needed = hook();
                if (!needed.IsZero && needed.File < keepFrom)
                {
                    keepFrom = needed.File;
                }
            }
        }

        var current = logEnd().File;
        return LogReader.ListFiles(fs, home)
            .Where(f => f < keepFrom && f < current)
            .Select(LogFormat.FileName)
            .ToList();
    }

    /// <summary>Removes the archivable files (durably); returns their names.</summary>
    public IReadOnlyList<string> RemoveArchivable()
    {
        var files = ArchivableFiles();
        foreach (var name in files)
        {
            fs.Delete(Path.Combine(home, name));
        }

        fs.SyncDirectory(home);
        return files;
    }

    private sealed class Retention(LogArchive archive, Func<Lsn> hook) : IDisposable
    {
        public void Dispose()
        {
            lock (archive._retention)
            {
                archive._retention.Remove(hook);
            }
        }
    }
}
