using System.Text;

namespace OrleansRep.Storage.Tests.Engine;

/// <summary>The log's tail as the writer knows it (<see cref="StorageEnvironment.LogTail"/>) is the record a backward
/// scan of the whole log would find last, so readers can start there instead of scanning a file.</summary>
public sealed class LogTailTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "orep-logtail-" + Guid.NewGuid().ToString("N"));

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static Lsn ScannedLast(StorageEnvironment env)
    {
        using var reader = env.OpenLogReader();
        return reader.Backward(env.LogEnd).FirstOrDefault()?.Lsn ?? Lsn.Zero;
    }

    [Fact]
    public void The_tail_is_the_last_record_after_commits_file_switches_shipping_and_reopen()
    {
        var opts = new StorageOptions { CheckpointInterval = TimeSpan.Zero, LogFileSize = 64 << 10 };
        var home = Path.Combine(_root, "m");
        using (var master = StorageEnvironment.Open(home, opts))
        using (var client = StorageEnvironment.Open(Path.Combine(_root, "c"), opts))
        {
            client.SuppressCheckpointRecords = true;
            var db = master.OpenDatabase("d", create: true);
            for (var t = 0; t < 400; t++)
            {
                using (var txn = master.BeginWrite())
                {
                    txn.Put(db, B($"k{t % 50:D3}"), B(new string('x', 300 + t % 200)));
                    txn.Commit(Durability.NoSync);
                }

                var (last, end) = master.LogTail;
                Assert.Equal(master.LogEnd, end);
                Assert.False(last.IsZero); // a commit always leaves a record in the present file
                Assert.Equal(ScannedLast(master), last);
            }

            Assert.True(master.LogEnd.File > 2, "the log should span several files");
            using (var reader = master.OpenLogReader())
            {
                foreach (var record in reader.Forward(client.Replica.End))
                {
                    client.Replica.Append(record.Lsn, record.Frame);
                    Assert.Equal(record.Lsn, client.LogTail.LastRecord);
                }
            }

            Assert.Equal(master.LogTail, client.LogTail);
        }

        using var reopened = StorageEnvironment.Open(home, opts);
        var (reopenedLast, _) = reopened.LogTail;
        Assert.True(reopenedLast.IsZero || reopenedLast == ScannedLast(reopened), $"after reopen the tail {reopenedLast} is not the last record {ScannedLast(reopened)}");
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
