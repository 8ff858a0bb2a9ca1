using System.Text;
using OrleansRep.Storage.IO;
using OrleansRep.Storage.Log;
using OrleansRep.Storage.Tests.Support;
using OrleansRep.Storage.Tree;

namespace OrleansRep.Storage.Tests.Engine;

/// <summary>Opening after crashes that leave the log in awkward but legal states.</summary>
public sealed class RecoveryTests : IDisposable
{
    private static readonly StorageOptions Options = new() { CheckpointInterval = TimeSpan.Zero, CheckpointLogBytes = 0 };

    private readonly TemporaryDirectory _root = new("orep-recovery-");

    private string Home => Path.Combine(_root.Path, "home");

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Torn_checkpoint_record_at_the_redo_lsn_is_cut()
    {
        // Closing checkpoints: the meta page (redo LSN = end of the last commit) is made durable first, then the
        // checkpoint record is appended exactly at the redo LSN. A crash while that record is written tears it there.
        Lsn redo;
        using (var env = StorageEnvironment.Open(Home, Options))
        {
            var db = env.OpenDatabase("d", create: true);
            using var txn = env.BeginWrite();
            for (var i = 0; i < 100; i++)
            {
                txn.Put(db, B($"k{i:D3}"), B($"v{i}"));
            }

            txn.Commit();
            env.Dispose();
            redo = env.CheckpointLsn;
        }

        var last = Records(Home)[^1];
        Assert.Equal(LogRecordType.Checkpoint, last.Type);
        Assert.Equal(redo, last.Lsn);
        var path = Path.Combine(Home, LogFormat.FileName(last.Lsn.File));
        using (var file = File.OpenWrite(path))
        {
            file.SetLength(last.Lsn.Offset + LogFormat.RecordHeaderSize + 8);
        }

        // The record before a torn one is still there to be found (recovery asks, to continue the prev-length chain).
        using (var reader = new LogReader(OsFileSystem.Instance, Home))
        {
            Assert.Equal(Records(Home)[^1].Lsn, reader.Prev(last.Lsn)!.Lsn);
        }

        using (var env = StorageEnvironment.Open(Home, Options))
        {
            Assert.Equal(last.Lsn, env.RecoveryReport.TornTailAt);
            Assert.Equal("v42", Encoding.UTF8.GetString(env.Get(env.OpenDatabase("d"), B("k042"))!));
        }
    }

    [Fact]
    public void Missing_first_log_file_before_any_checkpoint_stops_open()
    {
        // Until the first checkpoint the redo LSN is zero and recovery replays the whole log, which begins in log
        // file 1. Database "a" lives only there; "b" is created and filled in log file 2.
        var image = Path.Combine(_root.Path, "image");
        var small = Options with { LogFileSize = 64 << 10 };
        using (var env = StorageEnvironment.Open(Home, small))
        {
            var a = env.OpenDatabase("a", create: true);
            using (var txn = env.BeginWrite())
            {
                for (var i = 0; i < 50; i++)
                {
                    txn.Put(a, B($"a{i:D3}"), new byte[1000]);
                }

                txn.Commit();
            }

            using (var txn = env.BeginWrite())
            {
                var b = txn.OpenDatabase("b", create: true);
                for (var i = 0; i < 50; i++)
                {
                    txn.Put(b, B($"b{i:D3}"), new byte[1000]);
                }

                txn.Commit();
            }

            // What a crash leaves: the log durable, no checkpoint ever written.
            env.Flush();
            CopyHome(Home, image);
        }

        Assert.Equal([1u, 2u], LogReader.ListFiles(OsFileSystem.Instance, image));
        var first = Path.Combine(image, LogFormat.FileName(1));
        File.Delete(first);

        var e = Assert.Throws<CorruptionException>(() => StorageEnvironment.Open(image, small));
        Assert.Equal(first, e.File);
    }

    [Theory]
    [InlineData(10 << 20, 1500)]
    [InlineData(64 << 10, 3500)] // each 1 MiB Ops record gets a log file of its own: the cut spans files
    public void Ops_records_a_crash_left_without_their_commit_are_never_applied(int logFileSize, int puts)
    {
        // A transaction of more than a megabyte of operations is logged as Ops records and then its Commit. A crash
        // after the Ops records reached the disk and before the Commit did leaves them at the end of the log.
        var crashed = Path.Combine(_root.Path, "crashed");
        var crashedAgain = Path.Combine(_root.Path, "crashed-again");
        var options = Options with { LogFileSize = logFileSize };
        using (var env = StorageEnvironment.Open(Home, options))
        {
            var db = env.OpenDatabase("d", create: true);
            env.Checkpoint();
            using (var txn = env.BeginWrite())
            {
                for (var i = 0; i < puts; i++)
                {
                    txn.Put(db, B($"big{i:D4}"), new byte[1000]);
                }

                txn.Commit();
            }

            env.Flush();
            CopyHome(Home, crashed);
        }

        var commit = Records(crashed)[^1];
        var ops = Records(crashed).Where(r => r.Type == LogRecordType.Ops).ToList();
        Assert.Equal(LogRecordType.Commit, commit.Type);
        Assert.Equal(puts / 1000, ops.Count);
        Assert.Equal(logFileSize > (1 << 20) ? 1 : ops.Count, ops.Select(r => r.Lsn.File).Distinct().Count());
        using (var file = File.OpenWrite(Path.Combine(crashed, LogFormat.FileName(commit.Lsn.File))))
        {
            file.SetLength(commit.Lsn.Offset);
        }

        // Reopen (nothing committed to replay), commit something small, crash again.
        using (var env = StorageEnvironment.Open(crashed, options))
        {
            var db = env.OpenDatabase("d");
            Assert.Null(env.Get(db, B("big0001")));
            using (var txn = env.BeginWrite())
            {
                txn.Put(db, B("small"), B("1"));
                txn.Commit();
            }

            env.Flush();
            CopyHome(crashed, crashedAgain);
        }

        using (var env = StorageEnvironment.Open(crashedAgain, options))
        {
            var db = env.OpenDatabase("d");
            Assert.Equal("1", Encoding.UTF8.GetString(env.Get(db, B("small"))!));
            Assert.Null(env.Get(db, B("big0001")));
        }

        // The first reopen cut them, as it cuts a torn tail, and deleted the files they alone filled.
        Assert.DoesNotContain(Records(crashedAgain), r => r.Type == LogRecordType.Ops);
        Assert.Equal(ops[0].Lsn.File, LogReader.ListFiles(OsFileSystem.Instance, crashedAgain)[^1]);
    }

    [Theory]
    [InlineData(-5)]
    [InlineData(int.MaxValue)]
    public void Meta_with_an_impossible_catalog_length_is_a_corruption_error(int catalogBytes)
    {
        // Checksums catch a bad disk; a meta page written with a wrong length (a bug) passes them, and reading its
        // catalog must still end in the error that names the file, not in an arithmetic exception.
        using (var env = StorageEnvironment.Open(Home, Options))
        {
            var db = env.OpenDatabase("d", create: true);
            using var txn = env.BeginWrite();
            txn.Put(db, B("k"), B("v"));
            txn.Commit();
        }

        var data = Path.Combine(Home, "orep.db");
        using (var file = OsFileSystem.Instance.Open(data, create: false))
        using (var store = new PageStore(file, new StorageOptions().PageSize))
        {
            var (m0, _) = store.ReadMeta(0);
            var (m1, _) = store.ReadMeta(1);
            var current = m1 != null && (m0 == null || m1.Sequence > m0.Sequence) ? m1 : m0!;
            store.WriteMeta(current with { CatalogBytes = catalogBytes });
        }

        var e = Assert.Throws<CorruptionException>(() => StorageEnvironment.Open(Home, Options));
        Assert.Equal(data, e.File);
    }

    private static void CopyHome(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from).Where(f => Path.GetFileName(f) != StorageEnvironment.LockFileName))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    private static List<LogRecord> Records(string home)
    {
        // Sound records of every file, stopping at a torn one (which LogReader.Forward would throw on).
        using var reader = new LogReader(OsFileSystem.Instance, home);
        var records = new List<LogRecord>();
        foreach (var fileNo in LogReader.ListFiles(OsFileSystem.Instance, home))
        {
            var pos = new Lsn(fileNo, LogFormat.FileHeaderSize);
            while (reader.TryRead(pos) is (LogReadStatus.Record, { } record, _))
            {
                records.Add(record);
                pos = record.End;
            }
        }

        return records;
    }

    public void Dispose() => _root.Dispose();
}
