using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.ClientApplierLog;
using static OrleansRep.Replication.Tests.Support.Groups;

namespace OrleansRep.Replication.Tests;

/// <summary>The client's applier: records applied in order, parked, dropped or counted as duplicates; log files; START_SYNC and flush; reset.</summary>
public sealed class ClientApplierTests
{
    // ---- apply in order, park, duplicates ----

    [Fact]
    public void A_record_at_ready_is_appended_and_ready_moves_past_it()
    {
        var client = Client();
        var r = Chain(Start, 1)[0];

        var actions = client.Receive(Log(r));

        AssertActions([new AppendRecords([r])], actions);
        Assert.Equal(LogPositions.After(r), client.Node.ReadyLsn);
    }

    [Fact]
    public void A_later_record_is_parked_and_applied_once_the_gap_is_filled()
    {
        var client = Client();
        var rs = Chain(Start, 3);

        Assert.Equal([new ParkRecord(rs[2])], client.Receive(Log(rs[2])));
        Assert.Equal([new ParkRecord(rs[1])], client.Receive(Log(rs[1])));
        Assert.Equal(rs[1].Lsn, client.Node.Applier.WaitingLsn);

        var actions = client.Receive(Log(rs[0]));

        AssertActions(
            [
                new AppendRecords([rs[0]]),
                new AppendRecords([rs[1]]), new UnparkRecord(rs[1].Lsn),
                new AppendRecords([rs[2]]), new UnparkRecord(rs[2].Lsn),
            ],
            actions);
        Assert.Equal(rs, client.Store.Records);
        Assert.Equal(0, client.Store.ParkedCount);
        Assert.Equal(Lsn.Zero, client.Node.Applier.WaitingLsn);
    }

    [Fact]
    public void An_earlier_record_is_a_counted_duplicate_and_changes_nothing()
    {
        var client = Client();
        var r = Chain(Start, 1)[0];
        client.Receive(Log(r));

        var actions = client.Receive(Log(r));

        Assert.Empty(actions);
        Assert.Equal(1, client.Node.Applier.Duplicates);
        Assert.Equal([r], client.Store.Records);
    }

    [Fact]
    public void A_bulk_message_is_applied_record_by_record()
    {
        var client = Client();
        var rs = Chain(Start, 3, permAt: [2]);

        var actions = client.Receive(Msg(RepMessageType.BulkLog, rs[0].Lsn, payload: new BulkPayload(rs), control: RepControl.Perm));

        AssertActions([new AppendRecords([rs[0]]), new AppendRecords([rs[1]]), new AppendRecords([rs[2]])], actions);
    }

    [Fact]
    public void A_malformed_bulk_message_is_dropped_and_changes_nothing()
    {
        var client = Client();
        var rs = Chain(Start, 2);

        var actions = client.Receive(Msg(RepMessageType.BulkLog, rs[0].Lsn, payload: new BulkPayload([rs[1], rs[0]])));

        Assert.Empty(actions);
        Assert.Equal(1, client.Node.Dropped);
    }

    [Fact]
    public void A_LOG_whose_record_is_not_at_the_message_LSN_is_dropped()
    {
        var client = Client();
        var r = Chain(Start, 1)[0];

        var actions = client.Receive(Msg(RepMessageType.Log, new Lsn(1, 999), payload: new RecordPayload(r)));

        Assert.Empty(actions);
        Assert.Equal(1, client.Node.Dropped);
        Assert.Empty(client.Store.Records);
    }

    [Fact]
    public void While_not_accepting_records_are_dropped_unapplied()
    {
        var client = Client();
        client.Node.Applier.HeldBySync = true;

        var actions = client.Receive(Log(Chain(Start, 1)[0]));

        Assert.Empty(actions);
        Assert.Equal(1, client.Node.Applier.DroppedRecords);
        Assert.Empty(client.Store.Records);
    }

    [Fact]
    public void Beyond_the_parking_bound_later_records_are_dropped()
    {
        var client = Client(options: new ReplicationOptions { MaxParkedRecords = 2 });
        var rs = Chain(Start, 4);
        client.Receive(Log(rs[1]));
        client.Receive(Log(rs[2]));

        var actions = client.Receive(Log(rs[3]));

        Assert.Empty(actions);
        Assert.Equal(2, client.Store.ParkedCount);
        Assert.Equal(1, client.Node.Applier.DroppedRecords);
    }

    [Fact]
    public void At_the_parking_bound_an_earlier_record_displaces_the_latest_parked_one()
    {
        var client = Client(options: new ReplicationOptions { MaxParkedRecords = 2 });
        var rs = Chain(Start, 5);
        client.Receive(Log(rs[3]));
        client.Receive(Log(rs[4]));

        var actions = client.Receive(Log(rs[1]));

        Assert.Equal([new UnparkRecord(rs[4].Lsn), new ParkRecord(rs[1])], actions);
        Assert.Equal([rs[1].Lsn, rs[3].Lsn], [client.Store.ParkedFrom(Start)!.Lsn, client.Store.LastParked!.Lsn]);
        Assert.Equal(2, client.Store.ParkedCount);
        Assert.Equal(rs[1].Lsn, client.Node.Applier.WaitingLsn);
    }

    [Fact]
    public void A_record_parked_twice_is_parked_once()
    {
        var client = Client();
        var rs = Chain(Start, 2);
        client.Receive(Log(rs[1]));

        Assert.Empty(client.Receive(Log(rs[1])));
        Assert.Equal(1, client.Store.ParkedCount);
    }

    // ---- log files ----

    [Fact]
    public void NEWFILE_at_ready_starts_the_next_file_and_applies_records_parked_there()
    {
        var client = Client();
        var r = Chain(Start, 1)[0];
        client.Receive(Log(r));
        var next = Chain(LogPositions.StartOfFile(2), 1)[0];
        Assert.Equal([new ParkRecord(next)], client.Receive(Log(next))); // not in order before the NEWFILE

        var actions = client.Receive(Msg(RepMessageType.NewFile, LogPositions.After(r)));

        AssertActions([new StartLogFile(2), new AppendRecords([next]), new UnparkRecord(next.Lsn)], actions);
        Assert.Equal(LogPositions.After(next), client.Node.ReadyLsn);
    }

    [Fact]
    public void NEWFILE_for_an_earlier_file_end_is_ignored()
    {
        var client = Client();
        var rs = Chain(Start, 2);
        client.Receive(Log(rs[0]));
        client.Receive(Log(rs[1]));

        Assert.Empty(client.Receive(Msg(RepMessageType.NewFile, LogPositions.After(rs[0]))));
        Assert.Equal(LogPositions.After(rs[1]), client.Node.ReadyLsn);
    }

    [Fact]
    public void A_NEWFILE_that_overtakes_the_end_of_its_file_is_applied_when_ready_gets_there()
    {
        var client = Client();
        var rs = Chain(Start, 2);
        var next = Chain(LogPositions.StartOfFile(2), 1)[0];
        Assert.Empty(client.Receive(Msg(RepMessageType.NewFile, LogPositions.After(rs[1]))));
        client.Receive(Log(next));
        client.Receive(Log(rs[1]));

        var actions = client.Receive(Log(rs[0]));

        AssertActions(
            [
                new AppendRecords([rs[0]]),
                new AppendRecords([rs[1]]), new UnparkRecord(rs[1].Lsn),
                new StartLogFile(2),
                new AppendRecords([next]), new UnparkRecord(next.Lsn),
            ],
            actions);
        Assert.Equal([.. rs, next], client.Store.Records);
    }

    // ---- START_SYNC, flush ----

    [Fact]
    public void START_SYNC_at_or_before_ready_flushes_at_once()
    {
        var client = Client();
        var actions = client.Receive(Msg(RepMessageType.StartSync, Start));

        Assert.Equal([new FlushLog()], actions);
    }

    [Fact]
    public void START_SYNC_ahead_of_ready_flushes_once_ready_passes_it()
    {
        var client = Client();
        var rs = Chain(Start, 3);
        Assert.Empty(client.Receive(Msg(RepMessageType.StartSync, rs[1].Lsn)));
        Assert.DoesNotContain(new FlushLog(), client.Receive(Log(rs[0])));

        var actions = client.Receive(Log(rs[1]));

        AssertActions([new AppendRecords([rs[1]]), new FlushLog()], actions);
    }

    [Fact]
    public void A_message_marked_flush_makes_the_client_flush_after_applying()
    {
        var client = Client();
        var r = Chain(Start, 1)[0];

        AssertActions([new AppendRecords([r]), new FlushLog()], client.Receive(Log(r, RepControl.Flush)));
    }

    // ---- reset ----

    [Fact]
    public void Reset_forgets_the_gap_and_clears_parked_records()
    {
        var client = Client();
        var rs = Chain(Start, 3);
        client.Receive(Log(rs[2]));

        client.Node.Applier.Reset();
        var actions = client.Step(new Tick(0));

        Assert.Equal([new ClearParked()], actions);
        Assert.Equal(0, client.Store.ParkedCount);
        Assert.Empty(TestSite.Sends(client.Advance(TimeSpan.FromSeconds(2))));
    }
}
