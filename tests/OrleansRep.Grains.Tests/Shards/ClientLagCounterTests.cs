using OrleansRep.Grains.Interfaces;
using OrleansRep.Grains.Shards;
using OrleansRep.Replication;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Tests.Shards;

/// <summary>A client's lag counted in the master's log: the records after its last acknowledged one, moved on by what
/// changed between calls, bounded, and unknown without an acknowledgement.</summary>
public sealed class ClientLagCounterTests
{
    private static readonly TimeSpan T0 = TimeSpan.FromSeconds(100);

    [Fact]
    public void The_records_after_the_acknowledged_one_are_counted_with_their_bytes_and_moved_on_as_both_change()
    {
        var log = new MemoryReplicaStore();
        var records = Enumerable.Range(0, 5).Select(i => log.AppendLocal(i % 2 == 1 ? RecordKind.Commit : RecordKind.Data, new byte[10 + i])).ToList();
        var counter = new ClientLagCounter();

        Assert.Equal(new ClientLag(2, records[1].Lsn.ToUInt64(), 3, 12 + 13 + 14, AtLeast: false), counter.Lag(log, 2, records[1].Lsn, log.LogEnd, T0));

        // Two more written, and the client acknowledged two: moved on, the same as a count afresh.
        records.Add(log.AppendLocal(RecordKind.Data, new byte[15]));
        records.Add(log.AppendLocal(RecordKind.Commit, new byte[16]));
        var moved = counter.Lag(log, 2, records[3].Lsn, log.LogEnd, T0 + TimeSpan.FromMilliseconds(10));
        Assert.Equal(new ClientLag(2, records[3].Lsn.ToUInt64(), 3, 14 + 15 + 16, AtLeast: false), moved);
        Assert.Equal(moved, new ClientLagCounter().Lag(log, 2, records[3].Lsn, log.LogEnd, T0));

        Assert.Equal(new ClientLag(2, records[6].Lsn.ToUInt64(), 0, 0, AtLeast: false), counter.Lag(log, 2, records[6].Lsn, log.LogEnd, T0 + TimeSpan.FromMilliseconds(20)));
    }

    [Fact]
    public void Without_an_acknowledgement_the_lag_is_unknown()
    {
        var log = new MemoryReplicaStore();
        log.AppendLocal(RecordKind.Commit, new byte[10]);

        Assert.Null(new ClientLagCounter().Lag(log, 3, Lsn.Zero, log.LogEnd, T0));
    }

    [Fact]
    public void A_client_far_behind_is_at_least_the_bound_and_counted_again_only_after_the_recount_interval()
    {
        var log = new MemoryReplicaStore();
        var first = log.AppendLocal(RecordKind.Commit, new byte[1]);
        for (var i = 0; i < ClientLagCounter.MaxRecords + 5; i++)
        {
            log.AppendLocal(RecordKind.Commit, new byte[1]);
        }

        var counter = new ClientLagCounter();
        var lag = counter.Lag(log, 2, first.Lsn, log.LogEnd, T0)!;
        Assert.Equal((ClientLagCounter.MaxRecords, (long)ClientLagCounter.MaxRecords, true), (lag.Records, lag.Bytes, lag.AtLeast));

        // The client catches up within the recount interval: still "at least" the last count; after it, counted again.
        Assert.True(counter.Lag(log, 2, log.Records[^3].Lsn, log.LogEnd, T0 + TimeSpan.FromMilliseconds(500))!.AtLeast);
        Assert.Equal((2L, false), counter.Lag(log, 2, log.Records[^3].Lsn, log.LogEnd, T0 + ClientLagCounter.RecountInterval) is { } again ? (again.Records, again.AtLeast) : default);
    }
}
