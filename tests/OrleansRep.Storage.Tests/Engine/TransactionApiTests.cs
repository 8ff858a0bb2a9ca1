using OrleansRep.Storage.IO;
using OrleansRep.Storage.Tests.Engine.Model;

namespace OrleansRep.Storage.Tests.Engine;

/// <summary>Regressions for API-level bugs the engine tests found: cancellation, cursor edges, checkpoint accounting.</summary>
public sealed class TransactionApiTests
{
    private const string Home = "/h";

    private static readonly StorageOptions Quiet = new()
    {
        PageSize = 4096,
        MaxKeySize = 512,
        CheckpointInterval = TimeSpan.Zero,
        CheckpointLogBytes = 0,
    };

    /// <summary>
    /// Regression: CommitAsync checked its token only after the commit was published and durable, so a cancelled
    /// token turned a commit that had happened into an OperationCanceledException (a caller would retry it).
    /// </summary>
    [Fact]
    public async Task A_cancelled_token_stops_a_commit_before_it_starts_and_never_after()
    {
        var memory = new MemoryFileSystem();
        using var fs = new PausingFileSystem(memory);
        using var env = StorageEnvironment.Open(Home, Quiet, fs);
        var db = env.OpenDatabase("d", create: true);

        using (var cancelled = new CancellationTokenSource())
        {
            await cancelled.CancelAsync();
            using var txn = env.BeginWrite();
            txn.Put(db, [1], [1]);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => txn.CommitAsync(Durability.Sync, cancelled.Token).AsTask());

            // Nothing happened; the transaction is still the caller's to finish.
            txn.Put(db, [2], [2]);
            txn.Abort();
        }

        Assert.Null(env.Get(db, [1]));

        // Cancelled while the commit waits for its log write: the commit completes and says so.
        using (var cts = new CancellationTokenSource())
        {
            var txn = env.BeginWrite();
            txn.Put(db, [3], [3]);
            fs.PauseNextWriteTo("log.0000000001");
            var commit = Task.Run(() => txn.CommitAsync(Durability.Sync, cts.Token).AsTask());
            fs.WaitUntilPaused();
            await cts.CancelAsync();
            fs.Release();
            var lsn = await commit;
            Assert.False(lsn.IsZero);
            txn.Dispose();
        }

        Assert.Equal([3], env.Get(db, [3]));
    }

    /// <summary>Regression: ReadBulk on a cursor that Prev had moved off the start read the pair at index -1 and
    /// threw IndexOutOfRangeException; it now continues with the first pair, as Next does.</summary>
    [Fact]
    public void ReadBulk_before_the_first_pair_starts_with_the_first_pair()
    {
        using var env = StorageEnvironment.Open(Home, Quiet, new MemoryFileSystem());
        var db = env.OpenDatabase("d", create: true);
        using (var txn = env.BeginWrite())
        {
            for (var i = 0; i < 600; i++)
            {
                txn.Put(db, [(byte)(i >> 8), (byte)i], [(byte)i]);
            }

            txn.Commit();
        }

        using var read = env.BeginRead();
        var cursor = read.OpenCursor(db);
        Assert.True(cursor.First());
        Assert.False(cursor.Prev());
        var buffer = new BulkBuffer(1024);
        var keys = new List<int>();
        for (var n = cursor.ReadBulk(buffer); n > 0; n = cursor.ReadBulk(buffer))
        {
            for (var i = 0; i < n; i++)
            {
                keys.Add((buffer.Key(i)[0] << 8) | buffer.Key(i)[1]);
            }
        }

        Assert.Equal(Enumerable.Range(0, 600), keys);
    }

    /// <summary>
    /// Regression: a checkpoint recorded the commit count when it finished, so a commit made while it ran counted as
    /// checkpointed though its snapshot did not have it. Dispose then skipped the final checkpoint it promises ("so the
    /// next open has nothing to redo") and the checkpoint timer skipped that commit too.
    /// </summary>
    [Fact]
    public async Task A_commit_made_during_a_checkpoint_is_checkpointed_at_close()
    {
        var memory = new MemoryFileSystem();
        using var fs = new PausingFileSystem(memory);
        var env = StorageEnvironment.Open(Home, Quiet, fs);
        var db = env.OpenDatabase("d", create: true);
        using (var txn = env.BeginWrite())
        {
            txn.Put(db, [1], [1]);
            txn.Commit();
        }

        fs.PauseNextWriteTo(Tree.PageStore.FileName);
        var checkpoint = Task.Run(env.Checkpoint);
        fs.WaitUntilPaused();
        using (var txn = env.BeginWrite())
        {
            txn.Put(db, [2], [2]);
            txn.Commit(Durability.NoSync);
        }

        fs.Release();
        await checkpoint;
        env.Dispose();

        using var reopened = StorageEnvironment.Open(Home, Quiet, memory);
        Assert.Equal(0, reopened.RecoveryReport.CommitsReplayed);
        Assert.Equal([2], reopened.Get(reopened.OpenDatabase("d"), [2]));
    }

    /// <summary>
    /// Checkpoint() is safe alongside an open write transaction: its log record needs no writer lock (the log appends a
    /// transaction's records in one step, so the record cannot split one). Regression: it used to wait for the writer.
    /// </summary>
    [Fact]
    public async Task A_checkpoint_completes_while_a_write_transaction_is_open()
    {
        using var env = StorageEnvironment.Open(Home, Quiet, new MemoryFileSystem());
        var db = env.OpenDatabase("d", create: true);
        using var txn = env.BeginWrite();
        txn.Put(db, [1], [1]);
        var checkpoint = Task.Run(env.Checkpoint);
        bool finished;
        try
        {
            await checkpoint.WaitAsync(TimeSpan.FromSeconds(30));
            finished = true;
        }
        catch (TimeoutException)
        {
            finished = false;
        }

        txn.Abort();
        await checkpoint.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(finished, "Checkpoint() did not complete while a write transaction was open");
    }
}
