using System.Text;
using OrleansRep.Storage.IO;

namespace OrleansRep.Storage.Tests.Engine;

/// <summary><see cref="Durability.Buffered"/>: visible at once, on disk only with the next write-out, lost only as a suffix.</summary>
public sealed class BufferedDurabilityTests
{
    private const string Home = "/env";

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static readonly StorageOptions Options = new() { CheckpointInterval = TimeSpan.Zero, CheckpointLogBytes = 0 };

    [Fact]
    public void Buffered_commits_die_with_the_process_until_a_sync_commit_writes_them()
    {
        var fs = new MemoryFileSystem();
        var env = StorageEnvironment.Open(Home, Options, fs);
        var db = env.OpenDatabase("d", create: true);
        for (var i = 0; i < 10; i++)
        {
            using var txn = env.BeginWrite();
            txn.Put(db, B($"lost{i}"), B("x"));
            txn.Commit(Durability.Buffered);
            Assert.NotNull(env.Get(db, B($"lost{i}"))); // visible at once
        }

        fs.KillProcess();
        env = StorageEnvironment.Open(Home, Options, fs);
        db = env.OpenDatabase("d");
        Assert.All(Enumerable.Range(0, 10), i => Assert.Null(env.Get(db, B($"lost{i}"))));

        for (var i = 0; i < 10; i++)
        {
            using var txn = env.BeginWrite();
            txn.Put(db, B($"kept{i}"), B("x"));
            txn.Commit(Durability.Buffered);
        }

        using (var txn = env.BeginWrite())
        {
            txn.Put(db, B("sync"), B("x"));
            txn.Commit(Durability.Sync);
        }

        fs.Crash(CrashMode.LoseUnsynced, seed: 1);
        using var reopened = StorageEnvironment.Open(Home, Options, fs);
        db = reopened.OpenDatabase("d");
        Assert.All(Enumerable.Range(0, 10), i => Assert.NotNull(reopened.Get(db, B($"kept{i}"))));
        Assert.NotNull(reopened.Get(db, B("sync")));
    }

    [Fact]
    public void Durability_buffered_is_accepted_in_orep_conf()
    {
        var options = new StorageOptions().Parse(["durability buffered # like DB_TXN_NOSYNC"]);
        Assert.Equal(Durability.Buffered, options.DefaultDurability);
        Assert.Throws<StorageConfigException>(() => new StorageOptions().Parse(["durability sometimes"]));
    }
}
