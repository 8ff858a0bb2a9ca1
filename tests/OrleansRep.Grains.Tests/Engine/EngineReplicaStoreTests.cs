using System.Text;
using OrleansRep.Grains.Engine;
using OrleansRep.Grains.Tests.Support;
using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Storage;
using OrleansRep.Storage.IO;

namespace OrleansRep.Grains.Tests.Engine;

public sealed class EngineReplicaStoreTests : IDisposable
{
    private static readonly StorageOptions Options = MasterLogSource.Options;

    private readonly TemporaryDirectory _dir = new("orep-grains-store-");

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>The master's side: a transaction on its own engine, and the records it wrote (for LocalCommit).</summary>
    private static IReadOnlyList<LogRecordView> Commit(EngineReplicaStore master, Action<WriteTransaction, Database> change)
    {
        var from = master.LogEnd;
        var db = master.Environment.OpenDatabase("data", create: true);
        using (var txn = master.Environment.BeginWrite())
        {
            change(txn, db);
            txn.Commit(Durability.NoSync);
        }

        return master.ReadRange(from, master.LogEnd);
    }

    private static Dictionary<string, string> Contents(StorageEnvironment env)
    {
        using var read = env.BeginRead();
        return read.TryOpenDatabase("data", out var db)
            ? read.OpenCursor(db).Range(null, null).ToDictionary(p => Encoding.UTF8.GetString(p.Key.Span), p => Encoding.UTF8.GetString(p.Value.Span))
            : [];
    }

    [Fact]
    public void Records_a_master_commits_land_on_a_client_byte_for_byte_and_apply()
    {
        using var master = EngineReplicaStore.Open(_dir.Combine("site-1/shard-0"), Options);
        using var client = EngineReplicaStore.Open(_dir.Combine("site-2/shard-0"), Options);
        var random = new Random(7);
        var shipped = 0;
        for (var t = 0; t < 300; t++)
        {
            var records = Commit(master, (txn, db) =>
            {
                txn.Put(db, B($"k{random.Next(60):D2}"), B(new string('v', random.Next(1, 2_000)) + t));
                if (t % 5 == 0)
                {
                    txn.Delete(db, B($"k{random.Next(60):D2}"));
                }
            });
            Assert.Equal(RecordKind.Commit, records[^1].Kind);
            client.Carry([new AppendRecords(records)]);
            shipped += records.Count;
        }

        var outcome = client.Carry([new FlushLog()]);
        Assert.Equal(master.LogEnd, client.LogEnd);
        Assert.Equal(client.LogEnd, outcome.Flushed);
        Assert.True(master.LogEnd.File > 3, $"the log should span several files, ends at {master.LogEnd}");
        var expected = master.ReadRange(Lsn.Zero, Lsn.Max);
        var actual = client.ReadRange(Lsn.Zero, Lsn.Max);
        Assert.Equal(expected.Count, actual.Count);
        Assert.True(shipped < expected.Count + 1 && expected.Zip(actual).All(p => p.First.Lsn == p.Second.Lsn && p.First.Kind == p.Second.Kind && p.First.SameBytes(p.Second)));
        Assert.Equal(Contents(master.Environment), Contents(client.Environment));
    }

    [Fact]
    public void A_rollback_reports_the_undone_transactions_and_restores_the_data()
    {
        using var master = EngineReplicaStore.Open(_dir.Combine("m"), Options);
        using var client = EngineReplicaStore.Open(_dir.Combine("c"), Options);
        for (var t = 0; t < 10; t++)
        {
            client.Carry([new AppendRecords(Commit(master, (txn, db) => txn.Put(db, B($"k{t}"), B("kept"))))]);
        }

        var cut = client.LogEnd;
        var before = Contents(client.Environment);
        List<Lsn> commits = [];
        for (var t = 0; t < 4; t++)
        {
            var records = Commit(master, (txn, db) => txn.Put(db, B($"k{t}"), B("diverged")));
            commits.Add(records[^1].Lsn);
            client.Carry([new AppendRecords(records)]);
        }

        var outcome = client.Carry([new TruncateLog(cut, commits)]);
        Assert.Equal(commits, outcome.RolledBack.Select(t => t.CommitLsn));
        Assert.Equal(cut, client.LogEnd);
        Assert.Equal(before, Contents(client.Environment));
    }

    [Fact]
    public void Records_appended_after_a_rollback_survive_a_crash()
    {
        // The engine's rollback leaves a truncate marker that recovery acts on until the next checkpoint; the store
        // clears it, or the next crash would cut these durable records off again.
        var fs = new MemoryFileSystem();
        using var master = new MasterLogSource(3);
        master.EnsureRecords(20);
        var store = EngineReplicaStore.Open("/c", Options, fileSystem: fs);
        store.Carry([new AppendRecords(master.Records.Take(15).ToList()), new TruncateLog(master.Records[10].Lsn, [])]);
        store.Carry([new AppendRecords(master.Records.Skip(10).Take(8).ToList()), new FlushLog()]);
        var durable = store.Durable;
        Assert.Equal(master.Records[18].Lsn, durable);
        fs.Crash(CrashMode.LoseUnsynced, 1);
        using var reopened = EngineReplicaStore.Open("/c", Options, fileSystem: fs);
        Assert.Equal(durable, reopened.LogEnd);
    }

    [Fact]
    public void A_rollback_to_the_end_of_the_last_record_removes_an_empty_file_a_crash_left()
    {
        var fs = new MemoryFileSystem();
        using var master = new MasterLogSource(17);
        master.EnsureRecords(80);
        var next = master.Records.First(r => r.Lsn.File == 2);
        var last = master.Records[master.IndexFrom(next.Lsn) - 1];
        var store = EngineReplicaStore.Open("/c", Options, fileSystem: fs);
        store.Carry([new AppendRecords(master.Records.TakeWhile(r => r.Lsn <= next.Lsn).ToList())]);
        Assert.NotNull(store.Read(next.Lsn)); // the reader writes the log out: file 2 exists, file 1 is fsynced
        fs.Crash(CrashMode.LoseUnsynced, 1);

        using var reopened = EngineReplicaStore.Open("/c", Options, fileSystem: fs);
        Assert.Equal(LogPositions.StartOfFile(2), reopened.LogEnd);
        reopened.Carry([new TruncateLog(LogPositions.After(last), [])]);
        Assert.Equal(LogPositions.After(last), reopened.LogEnd);
        reopened.Carry([new AppendRecords([next]), new FlushLog()]);
        Assert.Equal(LogPositions.After(next), reopened.Durable);
    }

    [Fact]
    public void Persisted_state_survives_a_reopen_and_parked_records_do_not()
    {
        var state = RandomRepState.Next(new Random(5));
        using var master = new MasterLogSource(5);
        master.EnsureRecords(10);
        var home = _dir.Combine("shard-1");
        using (var store = EngineReplicaStore.Open(home, Options))
        {
            store.Carry([new PersistState(state), new ParkRecord(master.Records[5]), new ParkRecord(master.Records[3]), new ParkRecord(master.Records[3] with { Frame = master.Records[4].Frame })]);
            Assert.Equal(2, store.ParkedCount);
            Assert.Equal(master.Records[3].Frame.ToArray(), store.ParkedFrom(Lsn.Zero)!.Frame.ToArray()); // the first one parked stays
            Assert.Equal(master.Records[5].Lsn, store.LastParked!.Lsn);
            Assert.Equal(master.Records[5].Lsn, store.ParkedFrom(master.Records[4].Lsn)!.Lsn);
        }

        Assert.True(Directory.Exists(home + ".rep"), "the bookkeeping lives beside the data");
        using var reopened = EngineReplicaStore.Open(home, Options);
        Assert.Equal(RepStateCodec.Encode(state), RepStateCodec.Encode(reopened.State));
        Assert.Equal(0, reopened.ParkedCount);
        Assert.Null(reopened.ParkedFrom(Lsn.Zero));
    }

    [Fact]
    public void Bad_input_is_a_typed_error_and_changes_nothing()
    {
        using var master = new MasterLogSource(9);
        master.EnsureRecords(6);
        using var store = EngineReplicaStore.Open(_dir.Combine("bad"), Options);
        store.Carry([new AppendRecords(master.Records.Take(3).ToList())]);
        var end = store.LogEnd;
        var next = master.Records[3];
        var damaged = next.Frame.ToArray();
        damaged[^1] ^= 0x10;

        Assert.Throws<LogPositionException>(() => store.Carry([new AppendRecords([master.Records[4]])]));
        Assert.Throws<LogPositionException>(() => store.Carry([new AppendRecords([next, master.Records[5]])])); // a gap inside the batch
        Assert.Throws<CorruptionException>(() => store.Carry([new AppendRecords([next, master.Records[4] with { Frame = damaged }])]));
        Assert.Throws<CorruptionException>(() => store.Carry([new AppendRecords([next with { Kind = RecordKind.Data }])]));
        Assert.Throws<LogPositionException>(() => store.Carry([new TruncateLog(new Lsn(end.File, end.Offset + 1), [])]));
        Assert.Throws<LogPositionException>(() => store.Carry([new BeginInternalInit(1, new Lsn(0, 100))]));
        Assert.Throws<LogPositionException>(() => store.Carry([new BeginInternalInit(1, new Lsn(2, 4))]));
        Assert.Throws<InitNotUnderWayException>(() => store.Carry([new StoreSnapshotChunk(1, 1, 0, new byte[64])]));
        Assert.Throws<InitNotUnderWayException>(() => store.Carry([new FinishInternalInit(1)]));

        Assert.Equal(end, store.LogEnd);
        Assert.Equal(RepStateCodec.Encode(new RepPersistentState()), RepStateCodec.Encode(store.State));
        store.Carry([new AppendRecords([next])]); // the good record still goes where it belongs
        Assert.Equal(LogPositions.After(next), store.LogEnd);
    }

    [Fact]
    public void Reads_follow_the_twin_rules_at_positions_of_another_sites_log()
    {
        using var master = new MasterLogSource(11);
        master.EnsureRecords(8);
        using var store = EngineReplicaStore.Open(_dir.Combine("reads"), Options);
        store.Carry([new AppendRecords(master.Records.Take(8).ToList())]);
        var inside = new Lsn(master.Records[4].Lsn.File, master.Records[4].Lsn.Offset + 3);
        Assert.Null(store.Read(inside));
        Assert.Equal(master.Records[5].Lsn, store.ReadFrom(inside)!.Lsn);
        Assert.Equal(master.Records[4].Lsn, store.LastPermBefore(inside)!.Lsn);
        Assert.Equal(master.Records[0].Lsn, store.First);
        Assert.Null(store.ReadFrom(store.LogEnd));
        Assert.Equal(master.Records[7].Lsn, store.LastPermBefore(Lsn.Max)!.Lsn);
    }

    [Fact]
    public void A_checkpoint_completes_and_writes_nothing_into_the_replicated_log()
    {
        using var master = new MasterLogSource(13);
        master.EnsureRecords(4);
        using var store = EngineReplicaStore.Open(_dir.Combine("ckpt"), Options);
        store.Carry([new AppendRecords(master.Records.Take(4).ToList())]);
        var end = store.LogEnd;
        var outcome = store.Carry([new Checkpoint(42)]);
        Assert.Equal([new Replication.Inputs.Completed(42, true)], outcome.Completions);
        Assert.Equal(end, store.LogEnd);
    }

    public void Dispose() => _dir.Dispose();
}
