using OrleansRep.Replication.Actions;
using OrleansRep.Storage;

namespace OrleansRep.Replication.Tests;

/// <summary><see cref="IReplicaStore.Forward"/> as a store without its own (the default) gives it: the records
/// <see cref="IReplicaStore.ReadFrom"/> would give one by one, into later files, what serving a log request streams.</summary>
public sealed class ReplicaStoreForwardTests
{
    private static MemoryReplicaStore TwoFiles()
    {
        var store = new MemoryReplicaStore();
        for (var i = 0; i < 5; i++)
        {
            store.AppendLocal(i % 2 == 1 ? RecordKind.Commit : RecordKind.Data, new byte[40 + i]);
        }

        store.Carry([new StartLogFile(2)]);
        for (var i = 0; i < 4; i++)
        {
            store.AppendLocal(i % 2 == 1 ? RecordKind.Commit : RecordKind.Data, new byte[30 + i]);
        }

        return store;
    }

    [Fact]
    public void Forward_from_zero_gives_every_record_in_order_across_files()
    {
        IReplicaStore store = TwoFiles();
        var all = store.Forward(Lsn.Zero).ToList();

        Assert.Equal(9, all.Count);
        Assert.Equal(store.First, all[0].Lsn);
        Assert.Equal([1u, 1, 1, 1, 1, 2, 2, 2, 2], all.Select(r => r.Lsn.File));
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.Lsn < p.Second.Lsn));
    }

    [Fact]
    public void Forward_matches_ReadFrom_one_by_one_from_a_record_from_inside_one_and_from_the_end()
    {
        IReplicaStore store = TwoFiles();
        var all = store.Forward(Lsn.Zero).ToList();
        var inside = new Lsn(all[2].Lsn.File, all[2].Lsn.Offset + 1);

        foreach (var from in new[] { all[3].Lsn, inside, LogPositions.After(all[4]), store.LogEnd })
        {
            var expected = new List<Lsn>();
            for (var r = store.ReadFrom(from); r is not null; r = store.ReadFrom(LogPositions.After(r)))
            {
                expected.Add(r.Lsn);
            }

            Assert.Equal(expected, store.Forward(from).Select(r => r.Lsn));
        }

        Assert.Empty(store.Forward(store.LogEnd));
        Assert.Equal(all[5].Lsn, store.Forward(LogPositions.After(all[4])).First().Lsn);
    }
}
