using OrleansRep.Storage.IO;
using OrleansRep.Storage.Log;
using OrleansRep.Storage.Tree;

namespace OrleansRep.Storage.Backup;

/// <summary>
/// A hot backup of open environments into a directory (Berkeley DB's db_hotbackup): writers go on throughout. For each
/// environment, in turn:
/// <list type="number">
/// <item>a checkpoint (so the log to copy is short), then under the checkpoint gate a pin on the last durable checkpoint
/// (<see cref="StorageEnvironment.PinForBackup"/>): its meta pages as they are, a hold that keeps later checkpoints from
/// reusing its pages, and a log retention from its redo point that keeps archiving from removing those files;</item>
/// <item>the data file's pages up to that checkpoint's page count. Shadow paging writes a checkpoint's changes only to
/// pages the previous checkpoint does not use, and with the hold nothing the pinned one uses is free again, so these
/// pages hold still while they are copied (free pages may change under the copy: nothing reads them);</item>
/// <item>the log end is taken and made durable (a record boundary, after every commit made before the backup began),
/// and the log files from the redo point's file to it are copied, the last one up to the end and zero-filled after;</item>
/// <item>the pin is released.</item>
/// </list>
/// Opening the copy redoes the log from the checkpoint to the end: every transaction committed before the backup began
/// and a prefix of those committed during it. A log cut back (a replication rollback) during the copy fails the backup
/// (<see cref="BackupInterruptedException"/>), since it rewrites bytes the copy may have read. Every file is fsync'd;
/// the manifest (<see cref="BackupManifest"/>) is written last, so a backup that fails or crashes is never taken for a
/// whole one, and a failed backup removes what it wrote.
/// </summary>
public static class HotBackup
{
    private const int CopyChunk = 1 << 20;

    /// <summary>Backs up <paramref name="sources"/> into <paramref name="directory"/> (absolute; absent or empty).</summary>
    /// <exception cref="BackupTargetException">The directory is relative, a file, or not empty; nothing written.</exception>
    /// <exception cref="BackupInterruptedException">An environment was closed, re-initialised or rolled back meanwhile.</exception>
    public static BackupManifest Run(IReadOnlyList<BackupSource> sources, string directory, string sourceLabel, IProgress<BackupProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Count == 0 || sources.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count() != sources.Count || sources.Any(s => !BackupManifest.IsName(s.Name)))
        {
            throw new ArgumentException("a backup needs at least one environment, each with a distinct plain name", nameof(sources));
        }

        var created = PrepareTarget(directory, "backup");
        var totals = new long[sources.Count];
        var copied = 0L;
        try
        {
            for (var i = 0; i < sources.Count; i++)
            {
                totals[i] = Estimate(sources[i]);
            }

            var environments = new List<BackupEnvironment>();
            for (var i = 0; i < sources.Count; i++)
            {
                var source = sources[i];
                var before = copied;
                var env = CopyEnvironment(source, directory, bytes =>
                {
                    copied += bytes;
                    cancellationToken.ThrowIfCancellationRequested();
                    progress?.Report(new BackupProgress(source.Name, copied, Math.Max(copied, totals.Sum())));
                }, total => totals[i] = total);
                totals[i] = copied - before;
                environments.Add(env);
            }

            var manifest = new BackupManifest(DateTimeOffset.UtcNow, sourceLabel, environments);
            manifest.Write(directory);
            progress?.Report(new BackupProgress(sources[^1].Name, copied, copied));
            return manifest;
        }
        catch
        {
            RemoveContents(directory, created);
            throw;
        }
    }

    /// <summary>Checks a backup directory without writing anything (a caller that runs the backup later can refuse a bad
    /// one at once): absolute, not a file, absent or empty.</summary>
    /// <exception cref="BackupTargetException">It is not usable.</exception>
    public static void CheckTarget(string directory) => CheckTarget(directory, "backup");

    private static void CheckTarget(string directory, string what)
    {
        if (string.IsNullOrWhiteSpace(directory) || !Path.IsPathFullyQualified(directory))
        {
            throw new BackupTargetException($"the {what} directory must be an absolute path, not '{directory}'");
        }

        if (File.Exists(directory))
        {
            throw new BackupTargetException($"the {what} directory {directory} is a file");
        }

        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new BackupTargetException($"the {what} directory {directory} is not empty");
        }
    }

    /// <summary>Checks the target and makes it exist; returns whether it was created here.</summary>
    internal static bool PrepareTarget(string directory, string what)
    {
        CheckTarget(directory, what);
        if (Directory.Exists(directory))
        {
            return false;
        }

        Directory.CreateDirectory(directory);
        return true;
    }

    internal static void RemoveContents(string directory, bool created)
    {
        try
        {
            if (created)
            {
                Directory.Delete(directory, recursive: true);
                return;
            }

            foreach (var dir in Directory.EnumerateDirectories(directory))
            {
                Directory.Delete(dir, recursive: true);
            }

            foreach (var file in Directory.EnumerateFiles(directory))
            {
                File.Delete(file);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: without its manifest what is left is not taken for a backup anyway.
        }
    }

    private static long Estimate(BackupSource source)
    {
        var env = source.Environment;
        try
        {
            var stats = env.GetStats(walkTrees: false);
            var logFiles = Math.Max(1, env.LogEnd.File - Math.Max(1, env.CheckpointLsn.File) + 1);
            return stats.DataFileBytes + (logFiles * (long)env.Options.LogFileSize);
        }
        catch (ObjectDisposedException e)
        {
            throw Closed(source, e);
        }
    }

    private static BackupInterruptedException Closed(BackupSource source, Exception? inner = null)
    {
        var message = $"{source.Name} was closed while it was being backed up (the site stopped, or the shard began an internal init); back it up again";
        return inner is null ? new(message) : new(message, inner);
    }

    private static BackupEnvironment CopyEnvironment(BackupSource source, string directory, Action<long> copied, Action<long> estimate)
    {
        var env = source.Environment;
        var target = Path.Combine(directory, source.Name);
        Directory.CreateDirectory(target);
        var files = new List<BackupFile>();
        try
        {
            if (env.InitPending)
            {
                throw new BackupInterruptedException($"{source.Name} is being re-initialised (internal init); back it up once that is done");
            }

            env.Checkpoint();
            using var pin = env.PinForBackup();
            var fs = env.FileSystem;
            var dataBytes = (long)pin.PageCount * pin.PageSize;
            var logStart = pin.RedoLsn.IsZero ? new Lsn(1, LogFormat.FileHeaderSize) : pin.RedoLsn;
            estimate(dataBytes + ((long)(env.LogEnd.File - logStart.File + 1) * env.Options.LogFileSize));

            var config = Path.Combine(env.Home, StorageOptions.ConfigFileName);
            if (fs.Exists(config))
            {
                using var from = fs.Open(config, create: false);
                files.Add(CopyFile(source.Name, StorageOptions.ConfigFileName, target, (o, b) => from.Read(o, b), from.Length, 0, copied));
            }

            files.Add(CopyFile(source.Name, PageStore.FileName, target, (offset, buffer) =>
            {
                // Pages 0 and 1 as pinned: a checkpoint after the pin overwrites the older meta page in place.
                var n = 0;
                if (offset < pin.MetaPages.Length)
                {
                    n = (int)Math.Min(buffer.Length, pin.MetaPages.Length - offset);
                    pin.MetaPages.AsSpan((int)offset, n).CopyTo(buffer);
                }

                return n == buffer.Length ? n : n + env.ReadDataFile(offset + n, buffer[n..]);
            }, dataBytes, 0, copied));

            // Every commit made so far (all those before the backup began) ends before this point, now durable.
            var end = env.LogEnd;
            env.Flush();
            for (var f = logStart.File; f <= end.File; f++)
            {
                var name = LogFormat.FileName(f);
                var path = Path.Combine(env.Home, name);
                if (!fs.Exists(path))
                {
                    throw new BackupInterruptedException($"{source.Name}: log file {name} is gone (the environment was re-initialised or its log rolled back)");
                }

                using var from = fs.Open(path, create: false);
                var length = from.Length;
                var upTo = f == end.File ? Math.Min(end.Offset, length) : length;
                files.Add(CopyFile(source.Name, name, target, (o, b) => from.Read(o, b), upTo, f == end.File ? length : 0, copied));
            }

            if (env.LogTruncations != pin.Truncations)
            {
                throw new BackupInterruptedException($"{source.Name}: its log was rolled back while it was being copied (a replication rollback); back it up again");
            }

            if (env.Closed)
            {
                // Closed under the copy: internal init empties the home right after, and may write new files under
                // the names just read. Everything read before the close is this environment's, but not provably so.
                throw Closed(source);
            }

            OsFileSystem.Instance.SyncDirectory(target);
            return new BackupEnvironment(source.Name, pin.RedoLsn, end, files);
        }
        catch (Exception e) when (e is ObjectDisposedException || (env.Closed && e is not BackupInterruptedException))
        {
            throw Closed(source, e);
        }
    }

    /// <summary>Copies <paramref name="length"/> bytes through <paramref name="read"/> into a new file, then zeros up to
    /// <paramref name="zeroFillTo"/> (a log file keeps its full size), syncs it, and returns its entry.</summary>
    private static BackupFile CopyFile(string env, string name, string targetDir, ReadAt read, long length, long zeroFillTo, Action<long> copied)
    {
        var path = Path.Combine(targetDir, name);
        using var to = OsFileSystem.Instance.Open(path, create: true);
        var buffer = new byte[CopyChunk];
        var crc = 0xFFFFFFFFu;
        long offset = 0;
        while (offset < length)
        {
            var want = (int)Math.Min(buffer.Length, length - offset);
            var n = read(offset, buffer.AsSpan(0, want));
            if (n != want)
            {
                throw new BackupInterruptedException($"{env}/{name} ended at {offset + n} bytes where {length} were expected (the environment changed under the copy)");
            }

            to.Write(offset, buffer.AsSpan(0, n));
            crc = Checksum.Append(crc, buffer.AsSpan(0, n));
            offset += n;
            copied(n);
        }

        if (zeroFillTo > length)
        {
            Array.Clear(buffer);
            while (offset < zeroFillTo)
            {
                var n = (int)Math.Min(buffer.Length, zeroFillTo - offset);
                to.Write(offset, buffer.AsSpan(0, n));
                crc = Checksum.Append(crc, buffer.AsSpan(0, n));
                offset += n;
            }
        }

        to.Flush();
        return new BackupFile($"{env}/{name}", offset, crc ^ 0xFFFFFFFFu);
    }

    private delegate int ReadAt(long offset, Span<byte> buffer);
}
