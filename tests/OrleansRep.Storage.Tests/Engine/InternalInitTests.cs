using System.Text;
using OrleansRep.Storage.IO;
using OrleansRep.Storage.Log;
using OrleansRep.Storage.Snapshot;

namespace OrleansRep.Storage.Tests.Engine;

/// <summary>Internal init in the engine: a master's snapshot as chunks, an emptied client whose log restarts at the
/// snapshot's LSN, and a crash anywhere before the init finishes leaving an empty environment still marked.</summary>
public sealed class InternalInitTests
{
    private const string Master = "/m";
    private const string Client = "/c";
    private static readonly StorageOptions Quiet = new() { CheckpointInterval = TimeSpan.Zero, LogFileSize = 64 << 10 };

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static byte[] Filler(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static SortedDictionary<string, string> Contents(StorageEnvironment env)
    {
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal);
        using var read = env.BeginRead();
        foreach (var name in read.DatabaseNames())
        {
            all[$"{name}/"] = "(database)";
            foreach (var (k, v) in read.OpenCursor(read.OpenDatabase(name)).Range(null, null))
            {
                all[$"{name}/{Convert.ToHexString(k.Span)}"] = Convert.ToHexString(v.Span);
            }
        }

        return all;
    }

    /// <summary>A master with several log files, two databases (one empty after a drop and re-create elsewhere),
    /// small and overflow values, deletes.</summary>
    private static StorageEnvironment NewMaster(IFileSystem fs)
    {
        var env = StorageEnvironment.Open(Master, Quiet, fs);
        var data = env.OpenDatabase("data", create: true);
        env.OpenDatabase("empty", create: true);
        var other = env.OpenDatabase("other", create: true);
        for (var t = 0; t < 400; t++)
        {
            using var txn = env.BeginWrite();
            txn.Put(data, B($"k{t % 300:D4}"), t % 50 == 0 ? Filler(t, 40_000) : Filler(t, 100 + (t % 7)));
            if (t % 9 == 0)
            {
                txn.Delete(data, B($"k{(t + 5) % 300:D4}"));
            }

            txn.Put(other, B($"o{t % 20}"), B($"v{t}"));
            txn.Commit(Durability.NoSync);
        }

        return env;
    }

    private static void Write(StorageEnvironment env, int from, int count)
    {
        var data = env.OpenDatabase("data");
        for (var t = from; t < from + count; t++)
        {
            using var txn = env.BeginWrite();
            txn.Put(data, B($"k{t % 300:D4}"), B($"after-{t}"));
            txn.Commit(Durability.NoSync);
        }
    }

    private static void Ship(StorageEnvironment from, StorageEnvironment to)
    {
        using var reader = from.OpenLogReader();
        foreach (var record in reader.Forward(to.LogEnd))
        {
            to.Replica.Append(record.Lsn, record.Frame);
        }
    }

    [Fact]
    public void A_client_loaded_from_a_snapshot_and_the_log_after_it_matches_the_master_across_a_reopen()
    {
        var fs = new MemoryFileSystem();
        using var master = NewMaster(fs);
        using var snapshot = master.CreateSnapshot(chunkBytes: 8192);
        var atSnapshot = Contents(master);
        Write(master, 1000, 150); // goes on meanwhile; the snapshot does not see it
        Assert.True(snapshot.ChunkCount > 10, $"{snapshot.ChunkCount} chunks");

        var client = StorageEnvironment.OpenForInit(Client, snapshot.ConsistentAt, Quiet, fs);
        client.SuppressCheckpointRecords = true;
        Assert.True(client.InitPending);
        Assert.Equal(snapshot.ConsistentAt, client.LogEnd);
        var random = new Random(5);
        List<int> order = [.. Enumerable.Range(0, snapshot.ChunkCount).OrderBy(_ => random.Next()), 3]; // any order; one twice
        foreach (var i in order)
        {
            client.Replica.LoadSnapshotChunk(snapshot.ReadChunk(i));
        }

        Assert.Equal(atSnapshot, Contents(client));
        Ship(master, client);
        client.Replica.FinishInit();
        Assert.False(client.InitPending);
        Assert.Equal(master.LogEnd, client.LogEnd);
        Assert.Equal(Contents(master), Contents(client));

        using (var reader = client.OpenLogReader())
        using (var masterReader = master.OpenLogReader())
        {
            var forward = reader.Forward(Lsn.Zero).ToList();
            Assert.Equal(snapshot.ConsistentAt, forward[0].Lsn);
            Assert.Equal(masterReader.Forward(snapshot.ConsistentAt).Select(r => Convert.ToHexString(r.Frame)), forward.Select(r => Convert.ToHexString(r.Frame))); // byte for byte, prev-lengths too
            Assert.Equal(forward.Select(r => r.Lsn).Reverse(), reader.Backward(client.LogEnd).Select(r => r.Lsn));
        }

        client.Dispose();
        var report = OrleansRep.Storage.Tools.Verifier.Run(Client, fs);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        using var reopened = StorageEnvironment.Open(Client, Quiet, fs);
        Assert.False(reopened.InitPending);
        Assert.Equal(master.LogEnd, reopened.LogEnd);
        Assert.Equal(Contents(master), Contents(reopened));
    }

    [Fact]
    public void Chunks_are_bounded_self_checking_and_the_same_each_time()
    {
        var fs = new MemoryFileSystem();
        using var master = NewMaster(fs);
        using var snapshot = master.CreateSnapshot(chunkBytes: 8192);
        for (var i = 0; i < snapshot.ChunkCount; i++)
        {
            var chunk = snapshot.ReadChunk(i);
            Assert.Equal(chunk, snapshot.ReadChunk(i));
            var contents = SnapshotChunk.Decode(chunk);
            Assert.Equal(i, contents.Index);
            var pairs = contents.Segments.Sum(s => s.Pairs.Count);
            Assert.True(chunk.Length <= 8192 || pairs == 1, $"chunk {i}: {chunk.Length} bytes, {pairs} pairs");
        }

        Assert.Equal(3, Enumerable.Range(0, snapshot.ChunkCount).SelectMany(i => SnapshotChunk.Decode(snapshot.ReadChunk(i)).Segments).Select(s => s.Name).Distinct().Count());
    }

    [Fact]
    public void A_damaged_or_misplaced_chunk_is_refused_with_a_typed_error_and_loads_nothing()
    {
        var fs = new MemoryFileSystem();
        using var master = NewMaster(fs);
        using var snapshot = master.CreateSnapshot(chunkBytes: 8192);
        var good = snapshot.ReadChunk(1);

        using (var plain = StorageEnvironment.Open("/plain", Quiet, fs))
        {
            Assert.Throws<InitNotUnderWayException>(() => plain.Replica.LoadSnapshotChunk(good));
            Assert.Throws<InitNotUnderWayException>(() => plain.Replica.FinishInit());
        }

        Assert.Throws<LogPositionException>(() => StorageEnvironment.OpenForInit("/bad", new Lsn(0, 100), Quiet, fs));
        Assert.Throws<LogPositionException>(() => StorageEnvironment.OpenForInit("/bad", new Lsn(3, 8), Quiet, fs));

        using var client = StorageEnvironment.OpenForInit(Client, snapshot.ConsistentAt, Quiet, fs);
        foreach (var offset in new[] { 0, 5, 20, SnapshotChunk.HeaderSize + 3, good.Length - 1 })
        {
            var bad = (byte[])good.Clone();
            bad[offset] ^= 0x40;
            var e = Assert.Throws<SnapshotChunkException>(() => client.Replica.LoadSnapshotChunk(bad));
            Assert.False(string.IsNullOrEmpty(e.Detail));
        }

        Assert.Throws<SnapshotChunkException>(() => client.Replica.LoadSnapshotChunk(good.AsMemory(0, good.Length - 1)));
        Assert.Throws<SnapshotChunkException>(() => client.Replica.LoadSnapshotChunk(Array.Empty<byte>()));
        Assert.Empty(Contents(client));
    }

    public static TheoryData<int, CrashMode> CrashPoints()
    {
        var data = new TheoryData<int, CrashMode>();
        foreach (var mode in Enum.GetValues<CrashMode>())
        {
            foreach (var point in new[] { 1, 2, 3, 4 })
            {
                data.Add(point, mode);
            }
        }

        return data;
    }

    /// <summary>Crash points: 1 right after OpenForInit (the home held an older environment), 2 halfway through the
    /// chunks, 3 after every chunk and the log, 4 after FinishInit.</summary>
    [Theory]
    [MemberData(nameof(CrashPoints))]
    public void A_crash_mid_init_reopens_empty_and_still_marked_and_a_finished_init_survives(int point, CrashMode mode)
    {
        var fs = new MemoryFileSystem();
        using var master = NewMaster(fs);
        using (var old = StorageEnvironment.Open(Client, Quiet, fs))
        {
            var stale = old.OpenDatabase("stale", create: true);
            using var txn = old.BeginWrite();
            txn.Put(stale, B("x"), B("y"));
            txn.Commit(Durability.Sync);
        }

        using var snapshot = master.CreateSnapshot(chunkBytes: 8192);
        var first = snapshot.ConsistentAt;
        var client = StorageEnvironment.OpenForInit(Client, first, Quiet, fs);
        var chunks = point switch { 1 => 0, 2 => snapshot.ChunkCount / 2, _ => snapshot.ChunkCount };
        for (var i = 0; i < chunks; i++)
        {
            client.Replica.LoadSnapshotChunk(snapshot.ReadChunk(i));
        }

        if (point >= 3)
        {
            Ship(master, client);
        }

        if (point == 4)
        {
            client.Replica.FinishInit();
        }

        fs.Crash(mode, seed: point);
        using var reopened = StorageEnvironment.Open(Client, Quiet, fs);
        if (point == 4)
        {
            Assert.False(reopened.InitPending);
            Assert.Equal(Contents(master), Contents(reopened));
            Assert.Equal(master.LogEnd, reopened.LogEnd);
            return;
        }

        Assert.True(reopened.InitPending, $"crash point {point}, {mode}: the marker is gone");
        Assert.Empty(Contents(reopened));
        Assert.Equal(first, reopened.LogEnd);

        // And the init can still be done on what the crash left.
        foreach (var i in Enumerable.Range(0, snapshot.ChunkCount))
        {
            reopened.Replica.LoadSnapshotChunk(snapshot.ReadChunk(i));
        }

        Ship(master, reopened);
        reopened.Replica.FinishInit();
        Assert.Equal(Contents(master), Contents(reopened));
    }

    [Fact]
    public void A_restarted_log_rolls_back_to_its_first_record_and_archives_like_any_other()
    {
        var fs = new MemoryFileSystem();
        using var master = NewMaster(fs);
        using var snapshot = master.CreateSnapshot();
        var atSnapshot = Contents(master);
        Write(master, 2000, 40);
        using var client = StorageEnvironment.OpenForInit(Client, snapshot.ConsistentAt, Quiet, fs);
        client.SuppressCheckpointRecords = true;
        for (var i = 0; i < snapshot.ChunkCount; i++)
        {
            client.Replica.LoadSnapshotChunk(snapshot.ReadChunk(i));
        }

        Ship(master, client);
        client.Replica.FinishInit();
        var undone = client.Replica.RollBack(snapshot.ConsistentAt);
        Assert.Equal(40, undone.Count);
        Assert.Equal(snapshot.ConsistentAt, client.LogEnd);
        Assert.Equal(atSnapshot, Contents(client));
        using (var reader = client.OpenLogReader())
        {
            Assert.Null(reader.ReadFrom(Lsn.Zero));
            Assert.Null(reader.Prev(client.LogEnd));
        }

        Write(master, 3000, 400); // several files: the first (restarted) one becomes archivable
        using (var reader = master.OpenLogReader())
        {
            // Master's log after the rollback point again, now longer.
            foreach (var record in reader.Forward(client.LogEnd))
            {
                client.Replica.Append(record.Lsn, record.Frame);
            }
        }

        using (var reader = client.OpenLogReader())
        using (var masterReader = master.OpenLogReader())
        {
            var shipped = reader.Forward(Lsn.Zero).ToList();
            Assert.Equal(masterReader.Forward(snapshot.ConsistentAt).Select(r => Convert.ToHexString(r.Frame)), shipped.Select(r => Convert.ToHexString(r.Frame)));
        }

        client.Checkpoint();
        var removed = client.RemoveArchivableLogFiles();
        Assert.Contains(LogFormat.FileName(snapshot.ConsistentAt.File), removed);
        Assert.Equal(Contents(master), Contents(client));
    }
}
