using OrleansRep.Grains.Engine;
using OrleansRep.Grains.Tests.Support;
using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Tests.Engine;

/// <summary>
/// <see cref="EngineReplicaStore.Forward"/>, what a master streams a catch-up from: one log reader for the whole pass,
/// the same records as <see cref="EngineReplicaStore.ReadFrom"/> one by one (across the small log files of
/// <see cref="MasterLogSource.Options"/>), from any position, and a pass left early holds nothing open.
/// </summary>
public sealed class EngineReplicaStoreForwardTests : IDisposable
{
    private readonly TemporaryDirectory _dir = new("orep-grains-forward-");

    private static List<Lsn> OneByOne(EngineReplicaStore store, Lsn from)
    {
        var lsns = new List<Lsn>();
        for (var r = store.ReadFrom(from); r is not null; r = store.ReadFrom(LogPositions.After(r)))
        {
            lsns.Add(r.Lsn);
        }

        return lsns;
    }

    [Fact]
    public void Forward_gives_the_records_ReadFrom_gives_one_by_one_across_files_byte_for_byte()
    {
        using var master = new MasterLogSource(21);
        master.EnsureRecords(400);
        using var store = EngineReplicaStore.Open(_dir.Combine("forward"), MasterLogSource.Options);
        store.Carry([new AppendRecords(master.Records.Take(400).ToList())]);
        Assert.True(store.LogEnd.File > 2, $"the records should span several files; the log ends at {store.LogEnd}");

        var all = store.Forward(Lsn.Zero).ToList();
        Assert.Equal(master.Records.Take(400).Select(r => r.Lsn), all.Select(r => r.Lsn));
        Assert.All(all.Zip(master.Records), p => Assert.True(p.First.Frame.Span.SequenceEqual(p.Second.Frame.Span), $"record {p.First.Lsn} differs"));

        var inside = new Lsn(master.Records[150].Lsn.File, master.Records[150].Lsn.Offset + 5);
        foreach (var from in new[] { master.Records[37].Lsn, inside, LogPositions.After(master.Records[399]), store.LogEnd })
        {
            Assert.Equal(OneByOne(store, from), store.Forward(from).Select(r => r.Lsn));
        }
    }

    [Fact]
    public void A_pass_left_early_lets_the_log_grow_and_be_read_again()
    {
        using var master = new MasterLogSource(22);
        master.EnsureRecords(120);
        using var store = EngineReplicaStore.Open(_dir.Combine("early"), MasterLogSource.Options);
        store.Carry([new AppendRecords(master.Records.Take(60).ToList())]);

        Assert.Equal(master.Records.Take(10).Select(r => r.Lsn), store.Forward(Lsn.Zero).Take(10).Select(r => r.Lsn));
        store.Carry([new AppendRecords(master.Records.Skip(60).Take(60).ToList())]);

        Assert.Equal(master.Records.Skip(55).Take(65).Select(r => r.Lsn), store.Forward(master.Records[55].Lsn).Select(r => r.Lsn));
    }

    public void Dispose() => _dir.Dispose();
}
