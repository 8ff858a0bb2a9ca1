using OrleansRep.Grains.Interfaces;
using OrleansRep.Grains.Shards;
using OrleansRep.Replication;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Tests.Shards;

/// <summary>A client's lag counted in the master's log: the records after its last acknowledged one, bounded.</summary>
public sealed class ClientLagCounterTests
{
    [Fact]
    public void The_records_after_the_acknowledged_one_are_counted_with_their_bytes()
    {
        var log = new MemoryReplicaStore();
        var records = Enumerable.Range(0, 5).Select(i => log.AppendLocal(i % 2 == 1 ? RecordKind.Commit : RecordKind.Data, new byte[10 + i])).ToList();

        Assert.Equal(new ClientLag(2, records[1].Lsn.ToUInt64(), 3, 12 + 13 + 14, AtLeast: false), ClientLagCounter.Count(log, 2, records[1].Lsn, log.LogEnd));
        Assert.Equal(new ClientLag(2, records[4].Lsn.ToUInt64(), 0, 0, AtLeast: false), ClientLagCounter.Count(log, 2, records[4].Lsn, log.LogEnd));
        Assert.Equal(new ClientLag(3, 0, 5, 10 + 11 + 12 + 13 + 14, AtLeast: false), ClientLagCounter.Count(log, 3, Lsn.Zero, log.LogEnd)); // no ack: the whole log
    }

    [Fact]
    public void Counting_stops_at_the_bound_and_says_so()
    {
        var log = new MemoryReplicaStore();
        for (var i = 0; i < ClientLagCounter.MaxRecords + 5; i++)
        {
            log.AppendLocal(RecordKind.Commit, new byte[1]);
        }

        var lag = ClientLagCounter.Count(log, 2, Lsn.Zero, log.LogEnd);

        Assert.Equal((ClientLagCounter.MaxRecords, (long)ClientLagCounter.MaxRecords, true), (lag.Records, lag.Bytes, lag.AtLeast));
    }
}
