using OrleansRep.Replication;
using OrleansRep.Simulation.Sites;

namespace OrleansRep.Simulation.Tests.Sites;

public sealed class SimSnapshotSourceTests
{
    [Fact]
    public void A_snapshot_digests_the_log_as_it_was_when_prepared_in_chunks()
    {
        var store = new MemoryReplicaStore();
        for (var i = 0; i < 30; i++)
        {
            store.AppendLocal(RecordKind.Commit, new byte[] { (byte)i, 1, 2, 3 });
        }

        var source = new SimSnapshotSource();
        source.Prepare(7, store);
        store.AppendLocal(RecordKind.Data, new byte[] { 9 });

        // 8 bytes of id + 30 records of 41 bytes = 1238 bytes: two chunks.
        Assert.Equal(2, source.ChunkCount(7));
        Assert.Equal(SimSnapshotSource.ChunkBytes, source.ReadChunk(7, 0).Length);
        Assert.Equal(1238 - SimSnapshotSource.ChunkBytes, source.ReadChunk(7, 1).Length);
        Assert.Equal(-1, source.ChunkCount(8));
        Assert.Throws<InvalidOperationException>(() => source.ReadChunk(7, 2));
    }

    [Fact]
    public void Only_the_newest_snapshots_are_kept_and_a_crash_forgets_them_all()
    {
        var store = new MemoryReplicaStore();
        store.AppendLocal(RecordKind.Commit, new byte[] { 1 });
        var source = new SimSnapshotSource();
        for (var id = 1; id <= SimSnapshotSource.MaxSnapshots + 1; id++)
        {
            source.Prepare(id, store);
        }

        Assert.Equal(-1, source.ChunkCount(1));
        Assert.Equal(1, source.ChunkCount(2));
        Assert.Equal(1, source.ChunkCount(SimSnapshotSource.MaxSnapshots + 1));

        source.Clear();
        Assert.Equal(-1, source.ChunkCount(SimSnapshotSource.MaxSnapshots + 1));
    }
}
