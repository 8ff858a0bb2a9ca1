using OrleansRep.Storage.IO;

namespace OrleansRep.Storage.Tests.Engine.Model;

/// <summary>
/// Wraps a <see cref="MemoryFileSystem"/> and, once armed, pulls the plug at an exact point: the Nth file write or
/// flush from now does not happen; instead the machine crashes (<see cref="MemoryFileSystem.Crash"/> with the armed
/// mode, or <see cref="MemoryFileSystem.KillProcess"/>) and the call throws <see cref="IOException"/>, as every later
/// call on a handle of the dead process does. Deterministic: the same workload crashes at the same byte.
/// </summary>
public sealed class CrashingFileSystem(MemoryFileSystem inner) : IFileSystem
{
    private readonly System.Threading.Lock _gate = new();
    private int _countdown;
    private CrashMode? _mode;
    private int _seed;

    public MemoryFileSystem Inner { get; } = inner;

    /// <summary>True once an armed crash has happened (until the next <see cref="Arm"/>).</summary>
    public bool Fired { get; private set; }

    /// <summary>Writes and flushes that went through since the file system was created.</summary>
    public long Operations { get; private set; }

    /// <summary>The <paramref name="afterOperations"/>th write or flush from now (1 = the next one) crashes the
    /// machine with <paramref name="mode"/>, or kills the process when it is null.</summary>
    public void Arm(int afterOperations, CrashMode? mode, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(afterOperations, 1);
        lock (_gate)
        {
            _countdown = afterOperations;
            _mode = mode;
            _seed = seed;
            Fired = false;
        }
    }

    public void Disarm()
    {
        lock (_gate)
        {
            _countdown = 0;
        }
    }

    /// <summary>Disarms and forgets that a crash fired.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _countdown = 0;
            Fired = false;
        }
    }

    private void Tick(string path)
    {
        lock (_gate)
        {
            Operations++;
            if (_countdown == 0 || --_countdown > 0)
            {
                return;
            }

            Fired = true;
            if (_mode is { } mode)
            {
                Inner.Crash(mode, _seed);
            }
            else
            {
                Inner.KillProcess();
            }
        }

        throw new IOException($"'{path}': simulated power loss at this write");
    }

    public IStorageFile Open(string path, bool create) => new File(this, Inner.Open(path, create));

    public bool Exists(string path) => Inner.Exists(path);

    public void Delete(string path) => Inner.Delete(path);

    public void Rename(string source, string destination) => Inner.Rename(source, destination);

    public void CreateDirectory(string path) => Inner.CreateDirectory(path);

    public IReadOnlyList<string> List(string directory, string pattern) => Inner.List(directory, pattern);

    public void SyncDirectory(string directory) => Inner.SyncDirectory(directory);

    public IDisposable Lock(string path, string home) => Inner.Lock(path, home);

    private sealed class File(CrashingFileSystem fs, IStorageFile file) : IStorageFile
    {
        public string Path => file.Path;

        public long Length => file.Length;

        public int Read(long offset, Span<byte> buffer) => file.Read(offset, buffer);

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            fs.Tick(Path);
            file.Write(offset, data);
        }

        public void Flush()
        {
            fs.Tick(Path);
            file.Flush();
        }

        public void SetLength(long length) => file.SetLength(length);

        public void Allocate(long length)
        {
            fs.Tick(Path);
            file.Allocate(length);
        }

        public void Dispose() => file.Dispose();
    }
}
