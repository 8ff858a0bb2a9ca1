using OrleansRep.Storage.IO;

namespace OrleansRep.Storage.Tests.Engine.Model;

/// <summary>
/// Wraps a file system and, once armed, parks the first write to a file whose name ends with a given suffix until the
/// test releases it: a deterministic way to make something happen in the middle of, say, a checkpoint running on
/// another thread. Waits have a deadline so a broken test fails instead of hanging.
/// </summary>
public sealed class PausingFileSystem(IFileSystem inner) : IFileSystem, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly ManualResetEventSlim _paused = new();
    private readonly ManualResetEventSlim _release = new();
    private string? _suffix;

    /// <summary>The next write to a file ending with <paramref name="fileNameSuffix"/> waits for <see cref="Release"/>.</summary>
    public void PauseNextWriteTo(string fileNameSuffix)
    {
        _paused.Reset();
        _release.Reset();
        Volatile.Write(ref _suffix, fileNameSuffix);
    }

    /// <summary>Blocks until the armed write has started (and is parked).</summary>
    public void WaitUntilPaused()
    {
        if (!_paused.Wait(Deadline))
        {
            throw new TimeoutException("the armed write never came");
        }
    }

    public void Release() => _release.Set();

    public void Dispose()
    {
        _paused.Dispose();
        _release.Dispose();
    }

    private void MaybePause(string path)
    {
        var suffix = Volatile.Read(ref _suffix);
        if (suffix != null && path.EndsWith(suffix, StringComparison.Ordinal) && Interlocked.CompareExchange(ref _suffix, null, suffix) == suffix)
        {
            _paused.Set();
            if (!_release.Wait(Deadline))
            {
                throw new TimeoutException("the parked write was never released");
            }
        }
    }

    public IStorageFile Open(string path, bool create) => new File(this, inner.Open(path, create));

    public bool Exists(string path) => inner.Exists(path);

    public void Delete(string path) => inner.Delete(path);

    public void Rename(string source, string destination) => inner.Rename(source, destination);

    public void CreateDirectory(string path) => inner.CreateDirectory(path);

    public IReadOnlyList<string> List(string directory, string pattern) => inner.List(directory, pattern);

    public void SyncDirectory(string directory) => inner.SyncDirectory(directory);

    public IDisposable Lock(string path, string home) => inner.Lock(path, home);

    private sealed class File(PausingFileSystem fs, IStorageFile file) : IStorageFile
    {
        public string Path => file.Path;

        public long Length => file.Length;

        public int Read(long offset, Span<byte> buffer) => file.Read(offset, buffer);

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            fs.MaybePause(Path);
            file.Write(offset, data);
        }

        public void Flush() => file.Flush();

        public void SetLength(long length) => file.SetLength(length);

        public void Allocate(long length) => file.Allocate(length);

        public void Dispose() => file.Dispose();
    }
}
