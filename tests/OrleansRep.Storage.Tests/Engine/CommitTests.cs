using System.Text;
using OrleansRep.Storage.Log;
using OrleansRep.Storage.Tests.Support;

namespace OrleansRep.Storage.Tests.Engine;

/// <summary>What a commit leaves in the log, including when it fails.</summary>
public sealed class CommitTests : IDisposable
{
    private readonly TemporaryDirectory _root = new("orep-commit-");

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Commit_with_an_operation_too_large_for_a_log_record_leaves_nothing_in_the_log()
    {
        // max_value_size may be raised to 1 GiB but a log record holds at most 64 MiB. The transaction's first
        // chunk fits an Ops record; the 70 MiB put after it cannot be logged.
        var options = new StorageOptions { MaxValueSize = 80 << 20, CheckpointInterval = TimeSpan.Zero, CheckpointLogBytes = 0 };
        using var env = StorageEnvironment.Open(_root.Path, options);
        var db = env.OpenDatabase("d", create: true);
        using (var txn = env.BeginWrite())
        {
            txn.Put(db, B("small"), B("1"));
            txn.Put(db, B("huge"), new byte[70 << 20]);
            Assert.Throws<LogPositionException>(() => txn.Commit());
        }

        using (var txn = env.BeginWrite())
        {
            txn.Put(db, B("next"), B("2"));
            txn.Commit();
        }

        Assert.Null(env.Get(db, B("small")));

        // An Ops record of the failed transaction left in the log would be applied by recovery (and by replicas)
        // together with the next commit: "small" would come back after a crash.
        using var reader = env.OpenLogReader();
        Assert.DoesNotContain(reader.Forward(Lsn.Zero), r => r.Type == LogRecordType.Ops);
    }

    [Fact]
    public void A_commit_hands_back_the_records_it_wrote_exactly_as_the_log_holds_them()
    {
        // A transaction of two Ops records and a Commit (chunks are bounded), then a small one: what each commit
        // captured is, byte for byte and LSN for LSN, what a reader of the log finds.
        var options = new StorageOptions { MaxValueSize = 8 << 20, CheckpointInterval = TimeSpan.Zero, CheckpointLogBytes = 0 };
        using var env = StorageEnvironment.Open(_root.Path, options);
        var db = env.OpenDatabase("d", create: true);
        List<LogRecord> captured = [];
        foreach (var size in new[] { 5 << 20, 10 })
        {
            using var txn = env.BeginWrite();
            txn.Put(db, B($"k{size}"), new byte[size]);
            txn.Put(db, B($"j{size}"), new byte[size]);
            var commit = txn.Commit(Durability.NoSync, captured);
            Assert.Equal(commit, captured[^1].Lsn);
        }

        using var reader = env.OpenLogReader();
        var logged = reader.Forward(captured[0].Lsn).ToList();
        Assert.True(captured.Count >= 3, $"{captured.Count} records");
        Assert.Equal(logged.Select(r => r.Lsn), captured.Select(r => r.Lsn));
        Assert.All(logged.Zip(captured), pair => Assert.Equal(pair.First.Frame, pair.Second.Frame));
        Assert.Equal(LogRecordType.Commit, captured[^1].Type);
    }

    public void Dispose() => _root.Dispose();
}
