namespace OrleansRep.Storage.IO;

/// <summary>
/// Wraps any <see cref="IFileSystem"/> and makes chosen operations fail the way a real disk does, to test the engine's
/// error paths. Faults can be set and cleared at any time, from any thread, and apply to files already open.
/// <list type="bullet">
/// <item><see cref="DiskFullAfterBytes"/>: ENOSPC once a byte budget is spent. A write that does not fit fails whole
/// and writes nothing, not even the prefix that would fit: the engine must not count on a partial write either way,
/// and "nothing" makes a test's expected file content exact. Later, smaller writes that still fit succeed, as on a
/// disk with a few blocks left. The budget counts bytes passed to <see cref="IStorageFile.Write"/>, overwrites
/// included.</item>
/// <item><see cref="FailNextFlush"/> / <see cref="FailFlushes"/>: fsync fails with EIO and is not passed on, so what
/// was written stays unsynced (a later crash of a <see cref="MemoryFileSystem"/> underneath may lose it).</item>
/// <item><see cref="FailOpenCreate"/>: opening a file that does not exist yet, with create set, fails and creates
/// nothing; opening existing files still works.</item>
/// </list>
/// </summary>
public sealed class FaultInjectingFileSystem(IFileSystem inner) : IFileSystem
{
    /// <summary>The HResult .NET gives an <see cref="IOException"/> from errno ENOSPC on Linux (the raw errno).</summary>
    public const int NoSpaceHResult = 28;

    /// <summary>The HResult .NET gives an <see cref="IOException"/> from errno EIO on Linux (the raw errno).</summary>
    public const int IOErrorHResult = 5;

    private readonly IFileSystem inner = inner ?? throw new ArgumentNullException(nameof(inner));
    private readonly System.Threading.Lock gate = new();

    // Bytes still writable before the disk is full; null when the disk has room.
    private long? spaceLeft;
    private bool failNextFlush;
    private bool failFlushes;
    private bool failOpenCreate;
    private long diskFullFaults;
    private long flushFaults;
    private long openCreateFaults;

    /// <summary>Writes that failed because the disk was full.</summary>
    public long DiskFullFaults
    {
        get
        {
            lock (gate)
            {
                return diskFullFaults;
            }
        }
    }

    /// <summary>Flushes that were made to fail.</summary>
    public long FlushFaults
    {
        get
        {
            lock (gate)
            {
                return flushFaults;
            }
        }
    }

    /// <summary>File creations that were made to fail.</summary>
    public long OpenCreateFaults
    {
        get
        {
            lock (gate)
            {
                return openCreateFaults;
            }
        }
    }

    /// <summary>All faults injected so far.</summary>
    public long InjectedFaults
    {
        get
        {
            lock (gate)
            {
                return diskFullFaults + flushFaults + openCreateFaults;
            }
        }
    }

    /// <summary>The disk fills up after <paramref name="bytes"/> more bytes have been written (0: full now).</summary>
    public void DiskFullAfterBytes(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (gate)
        {
            spaceLeft = bytes;
        }
    }

    /// <summary>The next <see cref="IStorageFile.Flush"/>, on any file, fails.</summary>
    public void FailNextFlush()
    {
        lock (gate)
        {
            failNextFlush = true;
        }
    }

    /// <summary>Every <see cref="IStorageFile.Flush"/> fails while <paramref name="fail"/> is set.</summary>
    public void FailFlushes(bool fail)
    {
        lock (gate)
        {
            failFlushes = fail;
        }
    }

    /// <summary>Creating a new file fails while <paramref name="fail"/> is set.</summary>
    public void FailOpenCreate(bool fail)
    {
        lock (gate)
        {
            failOpenCreate = fail;
        }
    }

    /// <summary>Removes every fault; the counts of faults already injected stay.</summary>
    public void Clear()
    {
        lock (gate)
        {
            spaceLeft = null;
            failNextFlush = false;
            failFlushes = false;
            failOpenCreate = false;
        }
    }

    public IStorageFile Open(string path, bool create)
    {
        if (create && !inner.Exists(path))
        {
            lock (gate)
            {
                if (failOpenCreate)
                {
                    openCreateFaults++;
                    throw new IOException($"No space left on device : '{path}' (injected: file creation fails)", NoSpaceHResult);
                }
            }
        }

        return new FaultyFile(this, inner.Open(path, create));
    }

    public bool Exists(string path) => inner.Exists(path);

    public void Delete(string path) => inner.Delete(path);

    public void Rename(string source, string destination) => inner.Rename(source, destination);

    public void CreateDirectory(string path) => inner.CreateDirectory(path);

    public IReadOnlyList<string> List(string directory, string pattern) => inner.List(directory, pattern);

    public void SyncDirectory(string directory) => inner.SyncDirectory(directory);

    public IDisposable Lock(string path, string home) => inner.Lock(path, home);

    /// <summary>Takes <paramref name="bytes"/> from the budget, or throws ENOSPC and takes nothing.</summary>
    private void ReserveSpace(string path, int bytes)
    {
        lock (gate)
        {
            if (bytes > spaceLeft)
            {
                diskFullFaults++;
                throw new IOException($"No space left on device : '{path}' (injected)", NoSpaceHResult);
            }

            spaceLeft -= bytes;
        }
    }

    /// <summary>Gives back what <see cref="ReserveSpace"/> took, for a write the inner file system failed anyway.</summary>
    private void ReturnSpace(int bytes)
    {
        lock (gate)
        {
            spaceLeft += bytes;
        }
    }

    private void CheckFlush(string path)
    {
        lock (gate)
        {
            if (failFlushes || failNextFlush)
            {
                failNextFlush = false;
                flushFaults++;
                throw new IOException($"Input/output error : '{path}' (injected: fsync fails)", IOErrorHResult);
            }
        }
    }

    /// <summary>A file of the inner file system whose writes and flushes go through the faults first.</summary>
    private sealed class FaultyFile(FaultInjectingFileSystem fs, IStorageFile file) : IStorageFile
    {
        public string Path => file.Path;

        public long Length => file.Length;

        public int Read(long offset, Span<byte> buffer) => file.Read(offset, buffer);

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            // Reserve before writing (not under the lock, so writes to different files still overlap).
            fs.ReserveSpace(Path, data.Length);
            try
            {
                file.Write(offset, data);
            }
            catch
            {
                fs.ReturnSpace(data.Length);
                throw;
            }
        }

        public void Flush()
        {
            fs.CheckFlush(Path);
            file.Flush();
        }

        public void SetLength(long length) => file.SetLength(length);

        public void Allocate(long length)
        {
            var bytes = (int)Math.Min(int.MaxValue, Math.Max(0, length - file.Length));
            fs.ReserveSpace(Path, bytes);
            try
            {
                file.Allocate(length);
            }
            catch
            {
                fs.ReturnSpace(bytes);
                throw;
            }
        }

        public void Dispose() => file.Dispose();
    }
}
