using System.Text;
using OrleansRep.Storage.IO;
using OrleansRep.Storage.Log;
using OrleansRep.Storage.Tests.Engine.Model;
using OrleansRep.Storage.Tree;

namespace OrleansRep.Storage.Tests.Engine;

/// <summary>
/// Disk faults: torn and lost writes, bit flips in the log and in data pages, a full disk and failing fsyncs during
/// commits and checkpoints. After a fault the environment must say what happened (typed errors naming file and
/// offset), refuse writes it can no longer make durable, keep serving reads, and recover exactly what was
/// acknowledged.
/// </summary>
public sealed class FaultTests
{
    private const string Home = "/h";
    private const string Db = "d";

    private static readonly StorageOptions Quiet = new()
    {
        PageSize = 4096,
        MaxKeySize = 512,
        LogFileSize = 64 << 10,
        CheckpointInterval = TimeSpan.Zero,
        CheckpointLogBytes = 0,
    };

    private static byte[] B(string s) => Encoding.ASCII.GetBytes(s);

    private static string DataFile => Path.Combine(Home, PageStore.FileName);

    // ---- torn and lost log writes ----

    [Fact]
    public void A_torn_last_log_write_is_cut_and_everything_before_it_is_kept()
    {
        var tornSeeds = 0;
        for (var seed = 0; seed < 10; seed++)
        {
            var fs = new MemoryFileSystem();
            var env = StorageEnvironment.Open(Home, Quiet, fs);
            var w = new Ledger(env, seed);
            for (var i = 0; i < 10; i++)
            {
                w.Commit(i % 3 == 0 ? Durability.Sync : Durability.NoSync);
            }

            var before = w.Acked.Clone();
            var lastLsn = w.Commit(Durability.NoSync, valueSize: 40_000);
            var after = w.Acked.Clone();

            fs.Crash(CrashMode.TornLastWrite, seed);
            env = StorageEnvironment.Open(Home, Quiet, fs);
            var report = env.RecoveryReport;
            var state = KvModel.Read(env);
            if (report.TornTailBytes > 0)
            {
                tornSeeds++;
                Assert.Equal(lastLsn, report.TornTailAt);
                Assert.Equal(lastLsn, report.LogEnd);
                Assert.NotNull(report.TornTailReason);
                Assert.Null(KvModel.Diff(before, state));
                w.Acked = before;
            }
            else
            {
                Assert.True(KvModel.Diff(before, state) == null || KvModel.Diff(after, state) == null, $"seed {seed}: neither before nor after the last commit");
                w.Acked = state;
            }

            // The cut tail is gone for good: new commits follow it and the next open finds nothing torn.
            w.Env = env;
            w.Commit(Durability.Sync);
            env.Dispose();
            using var again = StorageEnvironment.Open(Home, Quiet, fs);
            Assert.Equal(0, again.RecoveryReport.TornTailBytes);
            Assert.Null(KvModel.Diff(w.Acked, KvModel.Read(again)));
        }

        Assert.True(tornSeeds > 0, "no seed tore the last write inside the record");
    }

    [Fact]
    public void Losing_unsynced_writes_loses_exactly_the_commits_after_the_last_sync()
    {
        // One log file: moving to the next one fsyncs the last, which would make earlier NoSync commits durable too.
        var options = Quiet with { LogFileSize = 4 << 20 };
        for (var seed = 0; seed < 20; seed++)
        {
            var fs = new MemoryFileSystem();
            var env = StorageEnvironment.Open(Home, options, fs);
            var w = new Ledger(env, seed);
            var rng = new Random(seed);
            var atLastSync = w.Acked.Clone();
            for (var i = 0; i < 25; i++)
            {
                var durability = rng.Next(3) == 0 ? Durability.Sync : Durability.NoSync;
                w.Commit(durability, valueSize: rng.Next(10) == 0 ? 20_000 : -1);
                if (durability == Durability.Sync)
                {
                    atLastSync = w.Acked.Clone();
                }
            }

            Assert.Equal(1u, env.LogEnd.File);
            fs.Crash(CrashMode.LoseUnsynced, seed);
            using var reopened = StorageEnvironment.Open(Home, options, fs);
            var diff = KvModel.Diff(atLastSync, KvModel.Read(reopened));
            Assert.True(diff == null, $"seed {seed}: {diff}");
        }
    }

    // ---- bit flips ----

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void A_bit_flip_in_the_middle_of_the_log_fails_the_open_naming_file_and_offset(bool inLastFile, bool inHeader)
    {
        var fs = new MemoryFileSystem();
        var env = StorageEnvironment.Open(Home, Quiet, fs);
        var w = new Ledger(env, 1);
        while (env.LogEnd.File < 4)
        {
            w.Commit(Durability.NoSync, valueSize: 3000);
        }

        env.Flush();
        fs.KillProcess(); // no checkpoint: recovery must read the whole log

        List<LogRecord> records;
        using (var reader = new LogReader(fs, Home))
        {
            records = reader.Forward(Lsn.Zero).ToList();
        }

        var file = inLastFile ? records[^1].Lsn.File : records[0].Lsn.File;
        var inFile = records.Where(r => r.Lsn.File == file).ToList();
        var victim = inFile[inFile.Count / 2];
        var path = Path.Combine(Home, LogFormat.FileName(file));
        var offset = victim.Lsn.Offset + (inHeader ? 17 : LogFormat.RecordHeaderSize + ((victim.Length - LogFormat.RecordHeaderSize) / 2));
        fs.FlipBit(path, offset, 3);

        for (var attempt = 0; attempt < 2; attempt++)
        {
            // Nothing is cut: every attempt to open fails the same way.
            var e = Assert.Throws<CorruptionException>(() => StorageEnvironment.Open(Home, Quiet, fs));
            Assert.Equal(path, e.File);
            Assert.Equal(victim.Lsn.Offset, e.Offset);
            Assert.Contains(LogFormat.FileName(file), e.Message, StringComparison.Ordinal);
            Assert.Contains($"offset {victim.Lsn.Offset}", e.Message, StringComparison.Ordinal);
            Assert.Contains("orep db verify", e.Message, StringComparison.Ordinal);
        }
    }

    public enum PageToFlip
    {
        RootBranch,
        Leaf,
        Overflow,
    }

    [Theory]
    [InlineData(PageToFlip.RootBranch)]
    [InlineData(PageToFlip.Leaf)]
    [InlineData(PageToFlip.Overflow)]
    public void A_bit_flip_in_a_data_page_fails_the_read_of_that_page_naming_file_and_offset(PageToFlip which)
    {
        var fs = new MemoryFileSystem();
        using (var env = StorageEnvironment.Open(Home, Quiet, fs))
        {
            var db = env.OpenDatabase(Db, create: true);
            using var txn = env.BeginWrite();
            var big = new byte[20_000];
            new Random(5).NextBytes(big);
            txn.Put(db, B("\0big"), big);
            for (var i = 0; i < 2000; i++)
            {
                txn.Put(db, B($"key-{i:D6}"), B($"value-{i}"));
            }

            txn.Commit();
        }

        var page = (long)FindPage(fs, which);
        fs.FlipBit(DataFile, (page * Quiet.PageSize) + (Quiet.PageSize / 2), 0);

        var e = Assert.Throws<CorruptionException>(() =>
        {
            using var env = StorageEnvironment.Open(Home, Quiet, fs);
            var db = env.OpenDatabase(Db);
            env.Get(db, B("\0big"));
            KvModel.Read(env);
        });
        Assert.Equal(DataFile, e.File);
        Assert.Equal(page * Quiet.PageSize, e.Offset);
        Assert.Contains(PageStore.FileName, e.Message, StringComparison.Ordinal);
        Assert.Contains($"page {page}", e.Message, StringComparison.Ordinal);
        Assert.Contains("orep db verify", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_newest_meta_page_falls_back_to_the_previous_checkpoint_and_redoes_from_there()
    {
        var fs = new MemoryFileSystem();
        var env = StorageEnvironment.Open(Home, Quiet, fs);
        var w = new Ledger(env, 3);
        for (var i = 0; i < 10; i++)
        {
            w.Commit(Durability.NoSync);
        }

        env.Checkpoint();
        for (var i = 0; i < 10; i++)
        {
            w.Commit(Durability.NoSync, valueSize: i == 5 ? 12_000 : -1);
        }

        env.Checkpoint();
        w.Commit(Durability.Sync);
        fs.KillProcess();

        var newest = ReadMetas(fs).MaxBy(m => m.Sequence)!;
        fs.FlipBit(DataFile, ((long)newest.Slot * Quiet.PageSize) + 100, 2);

        env = StorageEnvironment.Open(Home, Quiet, fs);
        Assert.NotNull(env.RecoveryReport.MetaFallback);
        Assert.Null(KvModel.Diff(w.Acked, KvModel.Read(env)));

        // The environment goes on from the older checkpoint without tripping over the abandoned one.
        w.Env = env;
        for (var i = 0; i < 10; i++)
        {
            w.Commit(Durability.NoSync, valueSize: i == 3 ? 12_000 : -1);
        }

        env.Checkpoint();
        env.Dispose();
        using var again = StorageEnvironment.Open(Home, Quiet, fs);
        Assert.Null(again.RecoveryReport.MetaFallback);
        Assert.Null(KvModel.Diff(w.Acked, KvModel.Read(again)));
    }

    [Fact]
    public void Two_bad_meta_pages_fail_the_open()
    {
        var fs = new MemoryFileSystem();
        using (var env = StorageEnvironment.Open(Home, Quiet, fs))
        {
            var w = new Ledger(env, 4);
            w.Commit(Durability.Sync);
            env.Checkpoint();
            w.Commit(Durability.Sync);
        }

        fs.FlipBit(DataFile, 100, 1);
        fs.FlipBit(DataFile, Quiet.PageSize + 100, 1);
        var e = Assert.Throws<CorruptionException>(() => StorageEnvironment.Open(Home, Quiet, fs));
        Assert.Equal(DataFile, e.File);
        Assert.Contains("orep db verify", e.Message, StringComparison.Ordinal);
    }

    // ---- full disk and failing fsync ----

    [Fact]
    public void A_full_disk_fails_the_commit_and_every_later_write_and_reopening_finds_exactly_the_acknowledged_commits()
    {
        for (var seed = 0; seed < 30; seed++)
        {
            var memory = new MemoryFileSystem();
            var fs = new FaultInjectingFileSystem(memory);
            var env = StorageEnvironment.Open(Home, Quiet, fs);
            var w = new Ledger(env, seed);
            var rng = new Random(seed);
            for (var i = 0; i < rng.Next(0, 15); i++)
            {
                w.Commit(rng.Next(2) == 0 ? Durability.Sync : Durability.NoSync, valueSize: rng.Next(8) == 0 ? 15_000 : -1);
                if (rng.Next(6) == 0)
                {
                    env.Checkpoint();
                }
            }

            fs.DiskFullAfterBytes(rng.Next(0, 60_000));
            WriteFailedException? failure = null;
            for (var i = 0; i < 200 && failure == null; i++)
            {
                try
                {
                    w.Commit(rng.Next(2) == 0 ? Durability.Sync : Durability.NoSync, valueSize: rng.Next(8) == 0 ? 15_000 : -1);
                }
                catch (WriteFailedException e)
                {
                    failure = e;
                }
            }

            Assert.NotNull(failure);
            Assert.True(fs.DiskFullFaults > 0);
            AssertRefusesWrites(env, w);
            AssertReadsAckedOrFailed(env, w, $"seed {seed}");

            env.Dispose();
            fs.Clear();
            using var reopened = StorageEnvironment.Open(Home, Quiet, fs);
            var diff = KvModel.Diff(w.Acked, KvModel.Read(reopened));
            Assert.True(diff == null, $"seed {seed}: after reopening: {diff}");
        }
    }

    [Fact]
    public void A_full_disk_during_a_checkpoint_fails_it_and_reopening_recovers_everything()
    {
        for (var seed = 0; seed < 20; seed++)
        {
            var memory = new MemoryFileSystem();
            var fs = new FaultInjectingFileSystem(memory);
            var env = StorageEnvironment.Open(Home, Quiet, fs);
            var w = new Ledger(env, seed);
            var rng = new Random(seed);
            if (rng.Next(2) == 0)
            {
                for (var i = 0; i < 10; i++)
                {
                    w.Commit(Durability.NoSync);
                }

                env.Checkpoint();
            }

            for (var i = 0; i < 40; i++)
            {
                w.Commit(rng.Next(2) == 0 ? Durability.Sync : Durability.NoSync, valueSize: i % 10 == 0 ? 9_000 : 1_000);
            }

            fs.DiskFullAfterBytes(rng.Next(0, 40_000));
            Assert.Throws<WriteFailedException>(() => env.Checkpoint());
            AssertRefusesWrites(env, w);
            Assert.Null(KvModel.Diff(w.Acked, KvModel.Read(env)));

            env.Dispose();
            fs.Clear();
            using var reopened = StorageEnvironment.Open(Home, Quiet, fs);
            var diff = KvModel.Diff(w.Acked, KvModel.Read(reopened));
            Assert.True(diff == null, $"seed {seed}: after reopening: {diff}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_failing_fsync_fails_the_commit_and_every_later_write(bool crashAfterwards)
    {
        var memory = new MemoryFileSystem();
        var fs = new FaultInjectingFileSystem(memory);
        var env = StorageEnvironment.Open(Home, Quiet, fs);
        var w = new Ledger(env, 8);
        for (var i = 0; i < 10; i++)
        {
            w.Commit(i % 2 == 1 ? Durability.Sync : Durability.NoSync);
        }

        var durable = w.Acked.Clone();
        w.Commit(Durability.NoSync);
        fs.FailNextFlush();
        Assert.Throws<WriteFailedException>(() => w.Commit(Durability.Sync));

        // The next fsync would work, but the one that failed may have dropped pages: nothing more is acknowledged.
        AssertRefusesWrites(env, w);
        Assert.Throws<WriteFailedException>(() => env.Flush());
        AssertReadsAckedOrFailed(env, w, "after the failed fsync");

        env.Dispose();
        if (crashAfterwards)
        {
            memory.Crash(CrashMode.LoseUnsynced, 8);
        }

        using var reopened = StorageEnvironment.Open(Home, Quiet, fs);
        var state = KvModel.Read(reopened);
        if (crashAfterwards)
        {
            // The last NoSync commit and the failed one were never synced.
            var diff = KvModel.Diff(durable, state);
            Assert.True(diff == null, diff);
        }
        else
        {
            // Written but not known to be synced: the failed commit is in doubt, whole or not at all.
            Assert.True(KvModel.Diff(w.Acked, state) == null || KvModel.Diff(w.Failed!, state) == null, "neither the acknowledged state nor that plus the failed commit");
        }
    }

    [Fact]
    public void A_failing_fsync_of_the_data_file_fails_the_checkpoint_and_reopening_recovers_everything()
    {
        var memory = new MemoryFileSystem();
        var fs = new FaultInjectingFileSystem(memory);
        var env = StorageEnvironment.Open(Home, Quiet, fs);
        var w = new Ledger(env, 9);
        for (var i = 0; i < 30; i++)
        {
            w.Commit(Durability.NoSync, valueSize: i % 7 == 0 ? 9_000 : -1);
        }

        w.Commit(Durability.Sync); // the log is durable, so the checkpoint's first fsync is the data file's
        fs.FailNextFlush();
        Assert.Throws<WriteFailedException>(() => env.Checkpoint());
        Assert.Equal(1, fs.FlushFaults);
        AssertRefusesWrites(env, w);
        Assert.Null(KvModel.Diff(w.Acked, KvModel.Read(env)));

        env.Dispose();
        memory.Crash(CrashMode.RandomSectors, 9);
        using var reopened = StorageEnvironment.Open(Home, Quiet, fs);
        Assert.Null(KvModel.Diff(w.Acked, KvModel.Read(reopened)));
    }

    private static void AssertRefusesWrites(StorageEnvironment env, Ledger w)
    {
        Assert.Throws<WriteFailedException>(() => env.BeginWrite());
        Assert.Throws<WriteFailedException>(() => env.BeginWriteAsync().AsTask().GetAwaiter().GetResult());
        Assert.Throws<WriteFailedException>(() => env.Checkpoint());
        Assert.Throws<WriteFailedException>(() => env.OpenDatabase("another", create: true));
        Assert.Throws<WriteFailedException>(() => w.Commit(Durability.NoSync));
    }

    /// <summary>Reads keep working after a write failure; they see the acknowledged commits, and the failed commit
    /// either whole or not at all.</summary>
    private static void AssertReadsAckedOrFailed(StorageEnvironment env, Ledger w, string what)
    {
        var state = KvModel.Read(env);
        var seen = KvModel.Diff(w.Acked, state) == null ? w.Acked
            : w.Failed != null && KvModel.Diff(w.Failed, state) == null ? w.Failed
            : throw new Xunit.Sdk.XunitException($"{what}: reads show neither the acknowledged state nor that plus the failed commit: {KvModel.Diff(w.Acked, state)}");
        var db = env.OpenDatabase(Db);
        foreach (var (key, value) in seen.Db(Db))
        {
            Assert.True(value.AsSpan().SequenceEqual(env.Get(db, key)), $"{what}: point read of {KvModel.Show(key)}");
        }
    }

    private static ulong FindPage(MemoryFileSystem fs, PageToFlip which)
    {
        using var file = fs.Open(DataFile, create: false);
        using var store = new PageStore(file, Quiet.PageSize);
        var meta = ReadMetas(fs).MaxBy(m => m.Sequence)!;
        store.PageCount = meta.PageCount;
        var (catalog, _) = store.ReadChain(meta.CatalogPage, meta.CatalogBytes);
        var root = Checkpointer.DecodeCatalog(catalog).Roots.Single(r => r.Name == Db);
        Assert.True(root.Level >= 1, "the test needs a tree with a branch at the root");
        if (which == PageToFlip.RootBranch)
        {
            return root.Page;
        }

        var (page, level) = (root.Page, root.Level);
        while (level > 0)
        {
            page = store.ReadBranch(page, level).Children[0];
            level--;
        }

        if (which == PageToFlip.Leaf)
        {
            return page;
        }

        var (_, values) = store.ReadLeaf(page);
        return store.ChainOf(values[0])![1];
    }

    private static List<MetaPage> ReadMetas(MemoryFileSystem fs)
    {
        using var file = fs.Open(DataFile, create: false);
        var store = new PageStore(file, Quiet.PageSize);
        return new[] { store.ReadMeta(0).Meta, store.ReadMeta(1).Meta }.OfType<MetaPage>().ToList();
    }

    /// <summary>Numbered transactions against database "d" and the state they should leave.</summary>
    private sealed class Ledger
    {
        private readonly Random _rng;
        private int _next = 1;

        public Ledger(StorageEnvironment env, int seed)
        {
            Env = env;
            _rng = new Random(seed);
            Env.OpenDatabase(Db, create: true);
            Acked.Create(Db);
        }

        public StorageEnvironment Env { get; set; }

        public KvModel Acked { get; set; } = new();

        /// <summary>The state had the last commit that threw gone through.</summary>
        public KvModel? Failed { get; private set; }

        /// <summary>One transaction of a few puts and maybe a delete; <paramref name="valueSize"/> -1 for random sizes.</summary>
        public Lsn Commit(Durability durability, int valueSize = -1)
        {
            var k = _next++;
            var model = Acked.Clone();
            using var txn = Env.BeginWrite();
            var db = txn.OpenDatabase(Db);
            var n = _rng.Next(1, 5);
            for (var i = 0; i < n; i++)
            {
                var key = B(_rng.Next(2) == 0 ? $"acct/{_rng.Next(20):D2}" : $"t{k:D5}/{i}");
                var value = new byte[valueSize >= 0 ? valueSize : _rng.Next(16, 600)];
                _rng.NextBytes(value);
                B($"txn={k:D6};").CopyTo(value.AsSpan());
                txn.Put(db, key, value);
                model.Db(Db)[key] = value;
            }

            if (_rng.Next(4) == 0 && model.Db(Db).Count > 0)
            {
                var key = model.Db(Db).ElementAt(_rng.Next(model.Db(Db).Count)).Key;
                txn.Delete(db, key);
                model.Db(Db).Remove(key);
            }

            Failed = model;
            var lsn = txn.Commit(durability);
            Failed = null;
            Acked = model;
            return lsn;
        }
    }
}
