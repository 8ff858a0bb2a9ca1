using System.Globalization;
using System.Text;
using OrleansRep.Storage.Backup;
using OrleansRep.Storage.Log;
using OrleansRep.Storage.Tests.Support;
using OrleansRep.Storage.Tools;
using Xunit.Abstractions;

namespace OrleansRep.Storage.Tests.Backup;

/// <summary>
/// Hot backup and restore on real files. The writes and checkpoints "during" a backup are made from its progress
/// callback, which runs between two chunks of the copy: so every run interleaves them with the copy the same way
/// (checkpoints that would reuse the pinned checkpoint's pages, log files archived, the log growing), and a writer
/// thread adds writes at whatever moments the scheduler picks.
/// </summary>
public sealed class HotBackupTests(ITestOutputHelper output)
{
    private const int HotKeys = 8000;

    private static StorageOptions Options => new()
    {
        PageSize = 4096,
        MaxKeySize = 512,
        LogFileSize = 256 << 10,
        CheckpointInterval = TimeSpan.Zero,
        CheckpointLogBytes = 0,
        DefaultDurability = Durability.NoSync,
    };

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string Seq(long i) => $"seq/{i:D8}";

    private static long HotKey(long i) => i * 7919 % HotKeys;

    /// <summary>Transaction i: a new key seq/i and an overwrite of hot/(the i-th of 8,000 keys, scattered) with i, padded
    /// (about 3 MB of them: the data file takes several chunks to copy, and the overwrites land on leaves all over it, so
    /// each checkpoint releases pages everywhere).</summary>
    private static void WriteTxn(StorageEnvironment env, Database db, long i)
    {
        using var txn = env.BeginWrite();
        txn.Put(db, B(Seq(i)), B(i.ToString(CultureInfo.InvariantCulture)));
        txn.Put(db, B($"hot/{HotKey(i):D4}"), B($"{i}|{new string('x', 300)}"));
        txn.Commit();
    }

    [Fact]
    public async Task A_backup_under_concurrent_writes_and_checkpoints_restores_every_earlier_commit_and_a_prefix_of_the_later_ones()
    {
        using var dir = new TemporaryDirectory("orep-backup-");
        var home = dir.File("live");
        var target = dir.File("backup");
        long next = 0;
        long committedBeforeBackup;
        long committedAfterBackup;
        var writerGate = new object();
        BackupManifest manifest;
        using (var env = StorageEnvironment.Open(home, Options))
        {
            var db = env.OpenDatabase("data", create: true);
            for (; next < 16_000; next++)
            {
                WriteTxn(env, db, next);
                if (next % 3000 == 0)
                {
                    env.Checkpoint();
                }
            }

            // A writer thread commits throughout; the progress callback also commits and checkpoints between chunks.
            using var stop = new CancellationTokenSource();
            var writer = Task.Run(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    lock (writerGate)
                    {
                        WriteTxn(env, db, next++);
                    }
                }
            });
            var reports = 0;
            lock (writerGate)
            {
                committedBeforeBackup = next; // seq/0 .. seq/(next-1) are committed
            }

            manifest = HotBackup.Run([new BackupSource("env", env)], target, "test", new Progress(p =>
            {
                reports++;
                lock (writerGate)
                {
                    for (var k = 0; k < 300; k++)
                    {
                        WriteTxn(env, db, next++);
                    }
                }

                env.Checkpoint();
                env.RemoveArchivableLogFiles();
            }));
            lock (writerGate)
            {
                committedAfterBackup = next;
            }

            stop.Cancel();
            await writer;
            output.WriteLine($"backup: {manifest.TotalBytes} bytes, {reports} progress reports, redo {manifest.Environments[0].RedoLsn}, end {manifest.Environments[0].EndLsn}; commits before {committedBeforeBackup}, after {committedAfterBackup}");
            Assert.True(reports >= 4, $"only {reports} progress reports: the copy was not interleaved with writes");
        }

        Assert.True(Verifier.Run(home).Ok, "the live environment after the backup: " + Verifier.Run(home).Summary);
        var restoredHome = dir.File("restored");
        var restored = Assert.Single(BackupRestore.Run(target, restoredHome, Options));
        Assert.True(restored.CommitsReplayed > 0, "the backup's log held no commit after its checkpoint: the test shows nothing");
        var verify = Verifier.Run(restored.Home);
        Assert.True(verify.Ok, string.Join("\n", verify.Problems));
        Assert.Equal(0, verify.LeakedPages);

        using var back = StorageEnvironment.Open(restored.Home, Options);
        // Recovery redid the log to the backup's end and restoring appended nothing (no checkpoint record): the log is
        // still a prefix of the one copied, as a replica's must be to sync on from its end.
        Assert.Equal(manifest.Environments[0].EndLsn, restored.LogEnd);
        Assert.Equal(manifest.Environments[0].EndLsn, back.LogEnd);
        var data = back.OpenDatabase("data");
        using var read = back.BeginRead();
        var seqs = read.OpenCursor(data).Prefix(B("seq/"))
            .Select(pair => long.Parse(Encoding.UTF8.GetString(pair.Value.Span), CultureInfo.InvariantCulture))
            .ToList();

        // A prefix: seq/0 .. seq/(m-1), with every commit before the backup and none after it.
        var m = seqs.Count;
        Assert.Equal(Enumerable.Range(0, m).Select(i => (long)i), seqs);
        Assert.InRange(m, committedBeforeBackup, committedAfterBackup);
        // And consistent with it: each hot key holds the last transaction of the prefix that wrote it.
        var last = new long[HotKeys];
        for (long i = 0; i < m; i++)
        {
            last[HotKey(i)] = i;
        }

        for (var j = 0; j < HotKeys; j++)
        {
            Assert.True(read.TryGet(data, B($"hot/{j:D4}"), out var value), $"hot/{j:D4} is missing");
            Assert.Equal(last[j].ToString(CultureInfo.InvariantCulture), Encoding.UTF8.GetString(value.Span).Split('|')[0]);
        }
    }

    [Fact]
    public void Archiving_during_a_backup_keeps_the_log_it_needs_and_frees_it_afterwards()
    {
        using var dir = new TemporaryDirectory("orep-backup-");
        using var env = StorageEnvironment.Open(dir.File("live"), Options);
        var db = env.OpenDatabase("data", create: true);
        long next = 0;
        for (; next < 6000; next++)
        {
            WriteTxn(env, db, next);
        }

        var removedDuring = new List<string>();
        var manifest = HotBackup.Run([new BackupSource("env", env)], dir.File("backup"), "test", new Progress(_ =>
        {
            for (var k = 0; k < 2000; k++)
            {
                WriteTxn(env, db, next++);
            }

            env.Checkpoint(); // its redo point moves past the pinned one: without the pin those files could go
            var removed = env.RemoveArchivableLogFiles();
            if (!File.Exists(Path.Combine(dir.File("backup"), BackupManifest.FileName)))
            {
                removedDuring.AddRange(removed); // the last report comes once the backup is whole and its pin released
            }
        }));

        var pinnedFile = manifest.Environments[0].RedoLsn.File;
        Assert.True(env.CheckpointLsn.File > pinnedFile, $"the checkpoints during the backup did not move the redo point past file {pinnedFile}: the test shows nothing");
        Assert.All(removedDuring, name => Assert.True(LogFormat.TryParseFileName(name, out var f) && f < pinnedFile, $"{name} was removed during the backup, which needs the log from file {pinnedFile}"));

        // Once the backup is done nothing holds them.
        env.Checkpoint();
        env.RemoveArchivableLogFiles();
        Assert.False(File.Exists(Path.Combine(env.Home, LogFormat.FileName(pinnedFile))), $"{LogFormat.FileName(pinnedFile)} is still held after the backup");
        Assert.Single(BackupRestore.Run(dir.File("backup"), dir.File("restored")));
    }

    [Fact]
    public void Pages_held_during_a_backup_are_reused_after_it_and_none_leak()
    {
        using var dir = new TemporaryDirectory("orep-backup-");
        var home = dir.File("live");
        using (var env = StorageEnvironment.Open(home, Options))
        {
            var db = env.OpenDatabase("data", create: true);
            long next = 0;
            for (; next < 4000; next++)
            {
                WriteTxn(env, db, next);
            }

            env.Checkpoint();
            HotBackup.Run([new BackupSource("env", env)], dir.File("backup"), "test", new Progress(_ =>
            {
                for (var k = 0; k < 500; k++)
                {
                    WriteTxn(env, db, next++);
                }

                env.Checkpoint();
            }));
            var grownDuring = env.GetStats(walkTrees: false).PageCount;
            for (var round = 0; round < 6; round++)
            {
                for (var k = 0; k < 500; k++)
                {
                    WriteTxn(env, db, next++);
                }

                env.Checkpoint();
            }

            // The same churn again takes its pages from the ones handed back, so the file does not grow much further.
            Assert.True(env.GetStats(walkTrees: false).PageCount < grownDuring * 5 / 4, $"the data file grew from {grownDuring} to {env.GetStats(walkTrees: false).PageCount} pages after the backup");
        }

        var report = Verifier.Run(home);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(0, report.LeakedPages);
    }

    [Fact]
    public void A_relative_or_non_empty_backup_directory_is_refused_and_nothing_is_written()
    {
        using var dir = new TemporaryDirectory("orep-backup-");
        using var env = StorageEnvironment.Open(dir.File("live"), Options);
        WriteTxn(env, env.OpenDatabase("data", create: true), 1);
        var relative = Assert.Throws<BackupTargetException>(() => HotBackup.Run([new BackupSource("env", env)], "backups/b1", "test"));
        Assert.Contains("absolute", relative.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Environment.CurrentDirectory, "backups")));

        var full = dir.File("full");
        Directory.CreateDirectory(full);
        File.WriteAllText(Path.Combine(full, "keep.txt"), "mine");
        Assert.Throws<BackupTargetException>(() => HotBackup.Run([new BackupSource("env", env)], full, "test"));
        Assert.Equal(["keep.txt"], Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName));
    }

    [Fact]
    public void A_backup_that_fails_part_way_leaves_nothing_that_looks_like_a_backup()
    {
        using var dir = new TemporaryDirectory("orep-backup-");
        using var env = StorageEnvironment.Open(dir.File("live"), Options);
        var db = env.OpenDatabase("data", create: true);
        for (var i = 0; i < 5000; i++)
        {
            WriteTxn(env, db, i);
        }

        var target = dir.File("backup");
        Directory.CreateDirectory(target);
        using var cancel = new CancellationTokenSource();
        var reports = 0;
        Assert.Throws<OperationCanceledException>(() => HotBackup.Run([new BackupSource("env", env)], target, "test", new Progress(_ =>
        {
            if (++reports == 1)
            {
                cancel.Cancel();
            }
        }), cancel.Token));
        Assert.Empty(Directory.EnumerateFileSystemEntries(target));
        Assert.Throws<BackupManifestException>(() => BackupRestore.Run(target, dir.File("restored"), Options));
        Assert.False(Directory.Exists(dir.File("restored")));

        // The environment is unharmed and a new backup into the same directory works.
        Assert.Single(HotBackup.Run([new BackupSource("env", env)], target, "test").Environments);
    }

    [Fact]
    public void A_log_rolled_back_under_the_copy_fails_the_backup_and_leaves_nothing()
    {
        using var dir = new TemporaryDirectory("orep-backup-");
        using var env = StorageEnvironment.Open(dir.File("live"), Options);
        env.SuppressCheckpointRecords = true; // as a replica's environment (rollback is replication's)
        var db = env.OpenDatabase("data", create: true);
        long next = 0;
        for (; next < 3000; next++)
        {
            WriteTxn(env, db, next);
        }

        var target = dir.File("backup");
        var rolledBack = false;
        var error = Assert.Throws<BackupInterruptedException>(() => HotBackup.Run([new BackupSource("env", env)], target, "test", new Progress(_ =>
        {
            if (!rolledBack)
            {
                var mark = env.LogEnd;
                for (var k = 0; k < 50; k++)
                {
                    WriteTxn(env, db, next++);
                }

                Assert.Equal(50, env.Replica.RollBack(mark).Count);
                rolledBack = true;
            }
        })));
        Assert.Contains("rolled back", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public void An_environment_closed_under_the_copy_fails_the_backup_and_leaves_nothing()
    {
        using var dir = new TemporaryDirectory("orep-backup-");
        var env = StorageEnvironment.Open(dir.File("live"), Options);
        var db = env.OpenDatabase("data", create: true);
        for (var i = 0; i < 16_000; i++)
        {
            WriteTxn(env, db, i);
        }

        var target = dir.File("backup");
        var error = Assert.Throws<BackupInterruptedException>(() => HotBackup.Run([new BackupSource("env", env)], target, "test", new Progress(_ => env.Dispose())));
        Assert.Contains("closed", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public void Restore_refuses_a_missing_or_damaged_manifest_a_damaged_file_and_a_non_empty_home_and_changes_nothing()
    {
        using var dir = new TemporaryDirectory("orep-backup-");
        var backup = dir.File("backup");
        using (var env = StorageEnvironment.Open(dir.File("live"), Options))
        {
            var db = env.OpenDatabase("data", create: true);
            for (var i = 0; i < 2000; i++)
            {
                WriteTxn(env, db, i);
            }

            HotBackup.Run([new BackupSource("one", env)], backup, "test");
        }

        var manifestPath = Path.Combine(backup, BackupManifest.FileName);
        var good = File.ReadAllBytes(manifestPath);
        var home = dir.File("home");

        // A non-empty home.
        Directory.CreateDirectory(home);
        File.WriteAllText(Path.Combine(home, "other"), "x");
        Assert.Throws<BackupTargetException>(() => BackupRestore.Run(backup, home, Options));
        Assert.Equal(["other"], Directory.EnumerateFileSystemEntries(home).Select(Path.GetFileName));
        Directory.Delete(home, recursive: true);

        // A flipped byte in the manifest's body, and a manifest of another version.
        var damaged = (byte[])good.Clone();
        damaged[30] ^= 0x20;
        File.WriteAllBytes(manifestPath, damaged);
        Assert.Contains("checksum", Assert.Throws<BackupManifestException>(() => BackupRestore.Run(backup, home, Options)).Message, StringComparison.Ordinal);
        var future = (byte[])good.Clone();
        future[8] = 9;
        File.WriteAllBytes(manifestPath, future);
        Assert.Contains("version 9", Assert.Throws<BackupManifestException>(() => BackupRestore.Run(backup, home, Options)).Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(home));

        // No manifest at all.
        File.Delete(manifestPath);
        Assert.Throws<BackupManifestException>(() => BackupRestore.Run(backup, home, Options));
        Assert.False(Directory.Exists(home));

        // A sound manifest, a damaged data file: found on the way, and the half-copied home is removed.
        File.WriteAllBytes(manifestPath, good);
        var data = Path.Combine(backup, "one", "orep.db");
        var bytes = File.ReadAllBytes(data);
        bytes[^100] ^= 1;
        File.WriteAllBytes(data, bytes);
        Assert.Contains("checksum", Assert.Throws<BackupManifestException>(() => BackupRestore.Run(backup, home, Options)).Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(home));
        bytes[^100] ^= 1;
        File.WriteAllBytes(data, bytes);
        var restored = Assert.Single(BackupRestore.Run(backup, home, Options));
        Assert.Contains("data", restored.Databases);
    }

    [Fact]
    public void A_manifest_round_trips_and_every_flipped_byte_is_refused()
    {
        var manifest = new BackupManifest(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), "site 2",
        [
            new BackupEnvironment("shard-0", new Lsn(3, 32), new Lsn(5, 1234), [new BackupFile("shard-0/orep.db", 8192, 0xdeadbeef), new BackupFile("shard-0/log.0000000003", 10, 7)]),
            new BackupEnvironment("site", new Lsn(1, 32), new Lsn(1, 64), [new BackupFile("site/orep.db", 4096, 1)]),
        ]);
        var bytes = manifest.Encode();
        var back = BackupManifest.Decode(bytes, "m");
        Assert.Equal(manifest.Created, back.Created);
        Assert.Equal(manifest.Source, back.Source);
        Assert.Equal(manifest.Environments.Count, back.Environments.Count);
        for (var e = 0; e < manifest.Environments.Count; e++)
        {
            Assert.Equal(manifest.Environments[e] with { Files = [] }, back.Environments[e] with { Files = [] });
            Assert.Equal(manifest.Environments[e].Files, back.Environments[e].Files);
        }

        for (var i = 0; i < bytes.Length; i++)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[i] ^= 0x01;
            Assert.Throws<BackupManifestException>(() => BackupManifest.Decode(damaged, "m"));
        }

        Assert.Throws<BackupManifestException>(() => BackupManifest.Decode(bytes.AsSpan(0, bytes.Length - 1), "m"));
    }

    private sealed class Progress(Action<BackupProgress> onReport) : IProgress<BackupProgress>
    {
        public void Report(BackupProgress value) => onReport(value);
    }
}
