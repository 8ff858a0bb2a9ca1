using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Storage;

namespace OrleansRep.Simulation.Tests.Sites;

/// <summary>What the simulator added to <see cref="MemoryReplicaStore"/>: durability up to a point, and archiving.</summary>
public sealed class MemoryReplicaStoreAdditionsTests
{
    [Fact]
    public void A_flush_makes_durable_what_was_there_when_it_started_and_never_moves_back()
    {
        var store = new MemoryReplicaStore();
        var a = store.AppendLocal(RecordKind.Commit, new byte[40]);
        var upTo = store.LogEnd;
        store.AppendLocal(RecordKind.Commit, new byte[40]);

        Assert.Equal(LogPositions.After(a), store.MakeDurable(upTo));
        Assert.Equal(LogPositions.After(a), store.MakeDurable(LogPositions.StartOfFile(1)));

        store.Crash();
        Assert.Equal([a], store.Records);
    }

    [Fact]
    public void A_flush_target_beyond_a_cut_back_log_makes_only_what_is_left_durable()
    {
        var store = new MemoryReplicaStore();
        var a = store.AppendLocal(RecordKind.Commit, new byte[40]);
        var b = store.AppendLocal(RecordKind.Commit, new byte[40]);
        var target = store.LogEnd;
        store.Carry([new TruncateLog(b.Lsn, [])]);

        Assert.Equal(LogPositions.After(a), store.MakeDurable(target));
    }

    [Fact]
    public void Archiving_removes_older_files_but_never_the_current_one()
    {
        var store = new MemoryReplicaStore();
        store.AppendLocal(RecordKind.Commit, new byte[40]);
        store.Carry([new StartLogFile(2)]);
        var second = store.AppendLocal(RecordKind.Commit, new byte[40]);

        store.ArchiveBefore(5);

        Assert.Equal(second.Lsn, store.First);
        Assert.Equal([second], store.Records);
        Assert.Null(store.Read(LogPositions.StartOfFile(1)));
        Assert.Equal(new Lsn(2, 72), store.LogEnd);
    }
}
