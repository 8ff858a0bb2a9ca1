using System.Text;

namespace OrleansRep.Storage.Tests.Engine;

public sealed class ReplicaLogTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "orep-replica-" + Guid.NewGuid().ToString("N"));

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static Dictionary<string, string> Contents(StorageEnvironment env, string db)
    {
        using var read = env.BeginRead();
        if (!read.TryOpenDatabase(db, out var d))
        {
            return [];
        }

        return read.OpenCursor(d).Range(null, null).ToDictionary(p => Encoding.UTF8.GetString(p.Key.Span), p => Encoding.UTF8.GetString(p.Value.Span));
    }

    private static void Ship(StorageEnvironment from, StorageEnvironment to)
    {
        using var reader = from.OpenLogReader();
        foreach (var record in reader.Forward(to.Replica.End))
        {
            to.Replica.Append(record.Lsn, record.Frame);
        }
    }

    [Fact]
    public void Shipped_records_land_at_the_same_lsns_and_apply()
    {
        var opts = new StorageOptions { CheckpointInterval = TimeSpan.Zero, LogFileSize = 64 << 10 };
        using var master = StorageEnvironment.Open(Path.Combine(_root, "m"), opts);
        using var client = StorageEnvironment.Open(Path.Combine(_root, "c"), opts);
        client.SuppressCheckpointRecords = true;
        var db = master.OpenDatabase("d", create: true);
        for (var t = 0; t < 300; t++)
        {
            using var txn = master.BeginWrite();
            txn.Put(db, B($"k{t % 50:D3}"), B($"v{t}-" + new string('x', 400)));
            if (t % 7 == 0)
            {
                txn.Delete(db, B($"k{(t + 3) % 50:D3}"));
            }

            txn.Commit(Durability.NoSync);
        }

        Ship(master, client);
        Assert.Equal(master.LogEnd, client.LogEnd);
        Assert.Equal(Contents(master, "d"), Contents(client, "d"));
    }

    [Fact]
    public void Rollback_undoes_the_diverged_tail_and_survives_reopen()
    {
        var opts = new StorageOptions { CheckpointInterval = TimeSpan.Zero };
        var home = Path.Combine(_root, "r");
        Dictionary<string, string> before;
        Lsn to;
        using (var env = StorageEnvironment.Open(home, opts))
        {
            var db = env.OpenDatabase("d", create: true);
            for (var i = 0; i < 100; i++)
            {
                using var txn = env.BeginWrite();
                txn.Put(db, B($"k{i:D3}"), B($"a{i}"));
                txn.Commit(Durability.NoSync);
            }

            before = Contents(env, "d");
            to = env.LogEnd;
            env.Checkpoint(); // the checkpoint is past the rollback point: the marker path is exercised
            to = env.LogEnd;
            for (var i = 0; i < 60; i++)
            {
                using var txn = env.BeginWrite();
                txn.Put(db, B($"k{i * 2:D3}"), B($"b{i}"));
                txn.Delete(db, B($"k{i + 1:D3}"));
                txn.Put(db, B($"new{i}"), B("n"));
                txn.Commit(Durability.NoSync);
            }

            env.Checkpoint();
            Assert.NotEqual(before, Contents(env, "d"));
            var undone = env.Replica.RollBack(to);
            Assert.Equal(60, undone.Count);
            Assert.Equal(before, Contents(env, "d"));
            Assert.Equal(to, env.LogEnd);
        }

        using (var env = StorageEnvironment.Open(home, opts))
        {
            Assert.Equal(before, Contents(env, "d"));
            Assert.Equal(to, env.LogEnd);
        }
    }

    [Fact]
    public void Records_committed_after_a_rollback_survive_a_crash()
    {
        var opts = new StorageOptions { CheckpointInterval = TimeSpan.Zero };
        var fs = new OrleansRep.Storage.IO.MemoryFileSystem();
        const string home = "/rolled";
        var env = StorageEnvironment.Open(home, opts, fs);
        var db = env.OpenDatabase("d", create: true);
        for (var i = 0; i < 20; i++)
        {
            using var txn = env.BeginWrite();
            txn.Put(db, B($"k{i:D3}"), B("old"));
            txn.Commit(Durability.Sync);
        }

        var to = env.LogEnd;
        for (var i = 0; i < 10; i++)
        {
            using var txn = env.BeginWrite();
            txn.Put(db, B($"diverged{i}"), B("x"));
            txn.Commit(Durability.Sync);
        }

        Assert.Equal(10, env.Replica.RollBack(to).Count);
        for (var i = 0; i < 10; i++)
        {
            using var txn = env.BeginWrite();
            txn.Put(db, B($"after{i}"), B("acked"));
            txn.Commit(Durability.Sync);
        }

        // A power loss before any later checkpoint: the rollback's marker must not cut the durable commits made after it.
        fs.Crash(OrleansRep.Storage.IO.CrashMode.LoseUnsynced, seed: 3);
        using var reopened = StorageEnvironment.Open(home, opts, fs);
        var d = reopened.OpenDatabase("d");
        Assert.All(Enumerable.Range(0, 10), i => Assert.Equal(B("acked"), reopened.Get(d, B($"after{i}"))));
        Assert.All(Enumerable.Range(0, 10), i => Assert.Null(reopened.Get(d, B($"diverged{i}"))));
        Assert.Equal(20 + 10, Contents(reopened, "d").Count);
    }

    [Fact]
    public void A_record_with_a_bad_checksum_is_refused_and_changes_nothing()
    {
        using var master = StorageEnvironment.Open(Path.Combine(_root, "m"));
        using var client = StorageEnvironment.Open(Path.Combine(_root, "c"));
        var db = master.OpenDatabase("d", create: true);
        using var reader = master.OpenLogReader();
        var record = reader.ReadFrom(Lsn.Zero)!;
        var frame = (byte[])record.Frame.Clone();
        frame[^1] ^= 0x40;
        Assert.Throws<CorruptionException>(() => client.Replica.Append(record.Lsn, frame));
        Assert.Throws<LogPositionException>(() => client.Replica.Append(new Lsn(7, 999), record.Frame));
        Assert.Equal(new Lsn(1, 32), client.LogEnd);
        _ = db;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
