using System.IO.Enumeration;

namespace OrleansRep.Storage.IO;

/// <summary>
/// An in-memory twin of <see cref="OsFileSystem"/> for crash and fault tests. It keeps the real one's observable rules
/// on Linux (same exceptions, same listing, flock-style locks, rename that replaces its target) and models
/// what a power loss may take away:
/// <list type="bullet">
/// <item>each file has durable content (as of its last <see cref="IStorageFile.Flush"/>) and current content (what
/// reads see); <see cref="Crash"/> chooses, per <see cref="CrashMode"/>, what of the difference survives;</item>
/// <item>a directory has durable entries (as of its last <see cref="SyncDirectory"/>) and current ones: a file created
/// or deleted since may come back or vanish (a rename is a creation plus a deletion: each may survive on its own,
/// which allows more outcomes than a journaled rename and so tests the engine against a superset). Flushing a file also makes its own entry durable, as fsync of a new file
/// does on ext4 and XFS, so only a file that was neither flushed nor synced into its directory can vanish;</item>
/// <item>directories themselves are durable once created: the engine creates its home once, before anything whose
/// durability matters, and modelling that too would only make every test sync the parent of its home.</item>
/// </list>
/// Paths are case-sensitive, made absolute with <see cref="Path.GetFullPath(string)"/>; the root always exists.
/// Thread-safe: one lock guards everything, which is fast enough for tests and keeps every operation atomic.
/// </summary>
public sealed class MemoryFileSystem : IFileSystem
{
    /// <summary>The unit a disk writes atomically; torn and reordered writes happen at this granularity.</summary>
    public const int SectorSize = 512;

    private readonly System.Threading.Lock gate = new();
    private readonly HashSet<string> directories = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MemoryFile> files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MemoryFile> durableFiles = new(StringComparer.Ordinal);

    // Bumped by every crash: handles and locks from an older epoch belong to a dead process.
    private long epoch;
    private long writeCount;
    private long flushCount;

    /// <summary>Calls to <see cref="IStorageFile.Write"/> on files of this file system, including empty ones.</summary>
    public long WriteCount
    {
        get
        {
            lock (gate)
            {
                return writeCount;
            }
        }
    }

    /// <summary>Calls to <see cref="IStorageFile.Flush"/> on files of this file system.</summary>
    public long FlushCount
    {
        get
        {
            lock (gate)
            {
                return flushCount;
            }
        }
    }

    public IStorageFile Open(string path, bool create)
    {
        var full = FullPath(path);
        lock (gate)
        {
            ThrowIfDirectory(full);
            ThrowIfParentMissing(full);
            if (files.TryGetValue(full, out var file))
            {
                if (file.ExclusiveHolder is not null)
                {
                    // The real open takes flock(LOCK_SH), which an exclusive Lock on the same file refuses.
                    throw new IOException($"The process cannot access the file '{full}' because it is being used by another process.");
                }
            }
            else if (create)
            {
                file = new MemoryFile(full);
                files.Add(full, file);
            }
            else
            {
                throw new FileNotFoundException($"Could not find file '{full}'.", full);
            }

            file.SharedHolders++;
            return new Handle(this, file, path, epoch);
        }
    }

    public bool Exists(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return false;
        }

        var full = FullPath(path);
        lock (gate)
        {
            return files.ContainsKey(full);
        }
    }

    public void Delete(string path)
    {
        var full = FullPath(path);
        lock (gate)
        {
            ThrowIfDirectory(full);
            ThrowIfParentMissing(full);

            // Like unlink: open handles keep the file; the name is gone now, durably once the directory is synced.
            files.Remove(full);
        }
    }

    public void Rename(string source, string destination)
    {
        var from = FullPath(source);
        var target = FullPath(destination);
        lock (gate)
        {
            ThrowIfDirectory(from);
            ThrowIfParentMissing(from);
            var file = GetFile(from);
            ThrowIfDirectory(target);
            ThrowIfParentMissing(target);
            if (from == target)
            {
                return;
            }

            files.Remove(from);
            files[target] = file;
            file.FullPath = target;
        }
    }

    public void CreateDirectory(string path)
    {
        var full = FullPath(path);
        lock (gate)
        {
            var missing = new List<string>();
            for (var dir = full; !IsRoot(dir) && !directories.Contains(dir); dir = Path.GetDirectoryName(dir)!)
            {
                if (files.ContainsKey(dir))
                {
                    throw new IOException($"The file '{dir}' already exists.");
                }

                missing.Add(dir);
            }

            directories.UnionWith(missing);
        }
    }

    public IReadOnlyList<string> List(string directory, string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException("patterns that name a subdirectory are not modelled", nameof(pattern));
        }

        // The same matcher Directory.GetFiles uses (Win32 rules, e.g. "*.*" matches names without a dot), case-sensitive
        // as on Linux.
        var expression = FileSystemName.TranslateWin32Expression(pattern);
        var full = FullPath(directory);
        lock (gate)
        {
            if (!DirectoryExists(full))
            {
                return [];
            }

            return files.Keys
                .Where(p => Path.GetDirectoryName(p) == full)
                .Select(Path.GetFileName)
                .OfType<string>()
                .Where(name => FileSystemName.MatchesWin32Expression(expression, name, ignoreCase: false))
                .Order(StringComparer.Ordinal)
                .ToList();
        }
    }

    public void SyncDirectory(string directory)
    {
        var full = FullPath(directory);
        lock (gate)
        {
            // Like the real one, a missing directory is not an error.
            foreach (var path in durableFiles.Keys.Where(p => Path.GetDirectoryName(p) == full).ToList())
            {
                durableFiles.Remove(path);
            }

            foreach (var (path, file) in files.Where(e => Path.GetDirectoryName(e.Key) == full))
            {
                durableFiles[path] = file;
            }
        }
    }

    public IDisposable Lock(string path, string home)
    {
        var full = FullPath(path);
        lock (gate)
        {
            ThrowIfDirectory(full);
            if (!DirectoryExists(Path.GetDirectoryName(full)!))
            {
                // Mirrors OsFileSystem, which reports every IOException from opening the lock file (here
                // DirectoryNotFoundException) as the environment being locked.
                throw new EnvironmentLockedException(home);
            }

            if (!files.TryGetValue(full, out var file))
            {
                file = new MemoryFile(full);
                files.Add(full, file);
            }

            // flock(LOCK_EX | LOCK_NB) fails against any other lock on the file, shared ones from open handles included.
            if (file.ExclusiveHolder is not null || file.SharedHolders > 0)
            {
                throw new EnvironmentLockedException(home);
            }

            var hold = new LockHold(this, file, epoch);
            file.ExclusiveHolder = hold;
            return hold;
        }
    }

    /// <summary>
    /// Power loss. Every file's content reverts to what <paramref name="mode"/> lets survive of its unsynced changes,
    /// and so do unsynced creations and deletions; what is left is all durable. Open handles stop working (using them
    /// throws <see cref="IOException"/>) and locks are released, as the process died with the machine. The same
    /// <paramref name="seed"/> on the same history gives the same result.
    /// </summary>
    public void Crash(CrashMode mode, int seed)
    {
        var random = new Random(seed);
        lock (gate)
        {
            KillProcessLocked();

            var survivors = new Dictionary<string, MemoryFile>(durableFiles, StringComparer.Ordinal);
            var changedPaths = files.Keys.Union(durableFiles.Keys)
                .Where(p => files.GetValueOrDefault(p) != durableFiles.GetValueOrDefault(p))
                .Order(StringComparer.Ordinal);
            foreach (var path in changedPaths)
            {
                var survives = mode switch
                {
                    CrashMode.LoseUnsynced => false,
                    CrashMode.RandomSectors => random.Next(2) == 0,
                    _ => true,
                };
                if (survives)
                {
                    if (files.TryGetValue(path, out var file))
                    {
                        survivors[path] = file;
                    }
                    else
                    {
                        survivors.Remove(path);
                    }
                }
            }

            files.Clear();
            durableFiles.Clear();

            // A rename whose two halves both survived leaves one file under two names (like a hard link): it loses
            // its unsynced changes once.
            var crashed = new HashSet<MemoryFile>(ReferenceEqualityComparer.Instance);
            foreach (var (path, file) in survivors.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                if (crashed.Add(file))
                {
                    file.Crash(mode, random);
                }

                files.Add(path, file);
                durableFiles.Add(path, file);
            }
        }
    }

    /// <summary>
    /// The process dies but the machine does not: the page cache keeps every write (unsynced ones stay unsynced, so a
    /// later <see cref="Crash"/> may still lose them); handles stop working and locks are released.
    /// </summary>
    public void KillProcess()
    {
        lock (gate)
        {
            KillProcessLocked();
        }
    }

    /// <summary>The current content of a file (what a read sees now).</summary>
    public byte[] ReadAll(string path)
    {
        var full = FullPath(path);
        lock (gate)
        {
            return GetFile(full).ToArray();
        }
    }

    /// <summary>A bad disk: inverts bit <paramref name="bit"/> (0-7) of the byte at <paramref name="offset"/> in the
    /// current and the durable content alike, so no crash or flush brings the good bit back.</summary>
    public void FlipBit(string path, long offset, int bit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(bit);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bit, 7);
        var full = FullPath(path);
        lock (gate)
        {
            GetFile(full).FlipBit(offset, bit);
        }
    }

    private static string FullPath(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));

    private static bool IsRoot(string fullPath) => Path.GetDirectoryName(fullPath) is null;

    private bool DirectoryExists(string fullPath) => IsRoot(fullPath) || directories.Contains(fullPath);

    private void ThrowIfDirectory(string fullPath)
    {
        if (DirectoryExists(fullPath))
        {
            throw new UnauthorizedAccessException($"Access to the path '{fullPath}' is denied.");
        }
    }

    private void ThrowIfParentMissing(string fullPath)
    {
        if (!DirectoryExists(Path.GetDirectoryName(fullPath)!))
        {
            throw new DirectoryNotFoundException($"Could not find a part of the path '{fullPath}'.");
        }
    }

    private MemoryFile GetFile(string fullPath) =>
        files.TryGetValue(fullPath, out var file) ? file : throw new FileNotFoundException($"Could not find file '{fullPath}'.", fullPath);

    private void KillProcessLocked()
    {
        epoch++;
        foreach (var file in files.Values.Concat(durableFiles.Values))
        {
            file.ReleaseLocks();
        }
    }

    /// <summary>An open file. Every call takes the file system's lock and fails once the process has "died".</summary>
    private sealed class Handle(MemoryFileSystem fs, MemoryFile file, string path, long epoch) : IStorageFile
    {
        private bool disposed;

        public string Path { get; } = path;

        public long Length
        {
            get
            {
                lock (fs.gate)
                {
                    ThrowIfUnusable();
                    return file.Length;
                }
            }
        }

        public int Read(long offset, Span<byte> buffer)
        {
            lock (fs.gate)
            {
                ThrowIfUnusable();
                return file.Read(offset, buffer);
            }
        }

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            lock (fs.gate)
            {
                ThrowIfUnusable();
                file.Write(offset, data);
                fs.writeCount++;
            }
        }

        public void Flush()
        {
            lock (fs.gate)
            {
                ThrowIfUnusable();
                file.Flush();
                fs.flushCount++;

                // fsync of a file also commits its own directory entry (see the class summary).
                if (fs.files.TryGetValue(file.FullPath, out var linked) && linked == file)
                {
                    fs.durableFiles[file.FullPath] = file;
                }
            }
        }

        public void SetLength(long length)
        {
            lock (fs.gate)
            {
                ThrowIfUnusable();
                file.SetLength(length);
            }
        }

        /// <summary>No blocks to allocate in memory: growing with zeros is all it does (a resize a crash may lose).</summary>
        public void Allocate(long length)
        {
            lock (fs.gate)
            {
                ThrowIfUnusable();
                if (length > file.Length)
                {
                    file.SetLength(length);
                }

                fs.writeCount++;
            }
        }

        public void Dispose()
        {
            lock (fs.gate)
            {
                if (disposed)
                {
                    return;
                }

                disposed = true;

                // A handle of a dead process holds nothing any more; its file may hold a new process's locks.
                if (epoch == fs.epoch)
                {
                    file.SharedHolders--;
                }
            }
        }

        private void ThrowIfUnusable()
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (epoch != fs.epoch)
            {
                // IOException rather than ObjectDisposedException: engine threads of the "dead" process still running
                // in the test treat it as a failed disk, instead of an unhandled bug that takes down the test host.
                throw new IOException($"'{Path}' was open in a process that has crashed (simulated)");
            }
        }
    }

    /// <summary>The exclusive lock returned by <see cref="Lock"/>. Releasing it after a crash is a no-op, so it cannot
    /// release a lock that a new process took since.</summary>
    private sealed class LockHold(MemoryFileSystem fs, MemoryFile file, long epoch) : IDisposable
    {
        public void Dispose()
        {
            lock (fs.gate)
            {
                if (epoch == fs.epoch && file.ExclusiveHolder == this)
                {
                    file.ExclusiveHolder = null;
                }
            }
        }
    }
}
