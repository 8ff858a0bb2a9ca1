using OrleansRep.Storage.IO;

namespace OrleansRep.Storage.Tests.IO;

public sealed class FaultInjectingFileSystemTests
{
    private const string Home = "/db";
    private const string DataPath = "/db/data.db";

    private readonly MemoryFileSystem memory = new();
    private readonly FaultInjectingFileSystem fs;

    public FaultInjectingFileSystemTests()
    {
        memory.CreateDirectory(Home);
        fs = new FaultInjectingFileSystem(memory);
    }

    [Fact]
    public void Without_faults_everything_passes_through()
    {
        using (var file = fs.Open(DataPath, create: true))
        {
            file.Write(0, [1, 2, 3]);
            file.Flush();
            Assert.Equal(3, file.Length);
        }

        fs.SyncDirectory(Home);
        Assert.True(fs.Exists(DataPath));
        Assert.Equal(["data.db"], fs.List(Home, "*"));
        Assert.Equal([1, 2, 3], memory.ReadAll(DataPath));
        Assert.Equal(0, fs.InjectedFaults);
    }

    [Fact]
    public void A_full_disk_fails_the_write_that_would_overflow_it_and_writes_nothing_of_it()
    {
        using var file = fs.Open(DataPath, create: true);
        file.Write(0, [1, 1, 1, 1]);
        fs.DiskFullAfterBytes(8);
        file.Write(4, [2, 2, 2, 2, 2, 2]);

        // 2 bytes are left: a 3-byte write fails whole rather than writing 2.

        var e = Assert.Throws<IOException>(() => file.Write(10, [3, 3, 3]));

        Assert.Equal(FaultInjectingFileSystem.NoSpaceHResult, e.HResult);
        Assert.Contains("No space left on device", e.Message, StringComparison.Ordinal);
        Assert.Equal([1, 1, 1, 1, 2, 2, 2, 2, 2, 2], memory.ReadAll(DataPath));
        Assert.Equal(10, file.Length);
        Assert.Equal(1, fs.DiskFullFaults);
    }

    [Fact]
    public void A_full_disk_counts_bytes_across_files_and_still_takes_a_write_that_fits()
    {
        using var a = fs.Open("/db/a", create: true);
        using var b = fs.Open("/db/b", create: true);
        fs.DiskFullAfterBytes(5);
        a.Write(0, [1, 1, 1]);

        Assert.Throws<IOException>(() => b.Write(0, [2, 2, 2]));
        b.Write(0, [2, 2]);
        Assert.Throws<IOException>(() => a.Write(3, [1]));

        Assert.Equal([1, 1, 1], memory.ReadAll("/db/a"));
        Assert.Equal([2, 2], memory.ReadAll("/db/b"));
        Assert.Equal(2, fs.DiskFullFaults);
    }

    [Fact]
    public void A_failed_flush_throws_and_leaves_the_writes_unsynced()
    {
        using (var file = fs.Open(DataPath, create: true))
        {
            fs.SyncDirectory(Home);
            file.Write(0, [1]);
            fs.FailNextFlush();

            var e = Assert.Throws<IOException>(file.Flush);
            Assert.Equal(FaultInjectingFileSystem.IOErrorHResult, e.HResult);
        }

        memory.Crash(CrashMode.LoseUnsynced, seed: 1);

        Assert.Empty(memory.ReadAll(DataPath));
        Assert.Equal(0, memory.FlushCount);
    }

    [Fact]
    public void FailNextFlush_fails_one_flush_only()
    {
        using var file = fs.Open(DataPath, create: true);
        fs.FailNextFlush();

        Assert.Throws<IOException>(file.Flush);
        file.Flush();
        Assert.Equal(1, fs.FlushFaults);
        Assert.Equal(1, memory.FlushCount);
    }

    [Fact]
    public void FailFlushes_fails_every_flush_until_turned_off()
    {
        using var file = fs.Open(DataPath, create: true);
        fs.FailFlushes(true);

        Assert.Throws<IOException>(file.Flush);
        Assert.Throws<IOException>(file.Flush);
        fs.FailFlushes(false);
        file.Flush();

        Assert.Equal(2, fs.FlushFaults);
    }

    [Fact]
    public void FailOpenCreate_fails_creating_a_file_but_not_opening_an_existing_one()
    {
        fs.Open(DataPath, create: true).Dispose();
        fs.FailOpenCreate(true);

        Assert.Throws<IOException>(() => fs.Open("/db/new.log", create: true));
        Assert.False(fs.Exists("/db/new.log"));
        fs.Open(DataPath, create: true).Dispose();
        fs.Open(DataPath, create: false).Dispose();
        Assert.Equal(1, fs.OpenCreateFaults);
    }

    [Fact]
    public void Clear_removes_every_fault_and_keeps_the_counts()
    {
        using var file = fs.Open(DataPath, create: true);
        fs.DiskFullAfterBytes(0);
        fs.FailFlushes(true);
        fs.FailNextFlush();
        fs.FailOpenCreate(true);
        Assert.Throws<IOException>(() => file.Write(0, [1]));

        fs.Clear();

        file.Write(0, new byte[10_000]);
        file.Flush();
        fs.Open("/db/new.log", create: true).Dispose();
        Assert.Equal(1, fs.InjectedFaults);
    }

    [Fact]
    public void Faults_apply_to_files_opened_before_they_were_set()
    {
        using var file = fs.Open(DataPath, create: true);
        file.Write(0, [1]);

        fs.DiskFullAfterBytes(0);
        fs.FailFlushes(true);

        Assert.Throws<IOException>(() => file.Write(1, [2]));
        Assert.Throws<IOException>(file.Flush);
        Assert.Equal(2, fs.InjectedFaults);
    }

    [Fact]
    public void A_write_the_inner_file_system_rejects_gives_its_bytes_back()
    {
        var file = fs.Open(DataPath, create: true);
        fs.DiskFullAfterBytes(3);
        file.Dispose();

        Assert.Throws<ObjectDisposedException>(() => file.Write(0, [1, 2, 3]));
        using var again = fs.Open(DataPath, create: true);
        again.Write(0, [1, 2, 3]);
        Assert.Equal(0, fs.DiskFullFaults);
    }

    [Fact]
    public void Concurrent_writers_never_overdraw_the_budget()
    {
        using var file = fs.Open(DataPath, create: true);
        fs.DiskFullAfterBytes(1000);
        var written = 0;

        Parallel.For(0, 2000, i =>
        {
            try
            {
                file.Write(i, [1]);
                Interlocked.Increment(ref written);
            }
            catch (IOException)
            {
                // The disk is full.
            }
        });

        Assert.Equal(1000, written);
        Assert.Equal(1000, fs.DiskFullFaults);
        Assert.Equal(1000, memory.ReadAll(DataPath).Count(b => b == 1));
    }

    [Fact]
    public void Locks_pass_through()
    {
        using var hold = fs.Lock("/db/__orep.lock", Home);

        Assert.Throws<EnvironmentLockedException>(() => memory.Lock("/db/__orep.lock", Home));
    }
}
