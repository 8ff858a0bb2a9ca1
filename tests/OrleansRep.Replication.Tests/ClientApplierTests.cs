using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.Groups;

namespace OrleansRep.Replication.Tests;

public sealed class ClientApplierTests
{
    private static readonly Lsn Start = LogPositions.StartOfFile(1);

    private static RepMessage Request(RepMessageType type, Lsn lsn, RepPayload? payload = null) =>
        new(type, S2, Gen, lsn, RepControl.GroupEstablished, payload);

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
    public void A_repeated_PERM_record_makes_the_client_ack_again_with_its_max_PERM_LSN()
    {
        var client = Client();
        var rs = Chain(Start, 2, permAt: [1]);
        client.Receive(Log(rs[0]));
        client.Receive(Log(rs[1]));
        client.Step(new LogDurable(client.Store.MakeDurable()));

        var actions = client.Receive(Log(rs[1]));

        Assert.Equal([new Send(Destination.To(S1), new RepMessage(RepMessageType.Ack, S2, Gen, rs[1].Lsn, RepControl.GroupEstablished))], actions);
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

    // ---- gap requests ----

    [Fact]
    public void A_gap_is_requested_as_a_range_ANYWHERE_after_the_request_gap_then_singly_with_back_off()
    {
        var client = Client();
        var rs = Chain(Start, 3);
        Assert.Equal([new ParkRecord(rs[2])], client.Receive(Log(rs[2]))); // a new gap: wait before asking

        Assert.Empty(TestSite.Sends(client.Advance(TimeSpan.FromMilliseconds(39))));
        var first = Assert.Single(TestSite.Sends(client.Advance(TimeSpan.FromMilliseconds(1))));
        Assert.Equal(new Send(Destination.To(S1), Request(RepMessageType.LogReq, Start, new RangePayload(rs[2].Lsn)), SendOptions.Anywhere), first);

        // The wait doubled to 80 ms; the next request asks for the single record at ready from the master.
        Assert.Empty(TestSite.Sends(client.Advance(TimeSpan.FromMilliseconds(79))));
        var second = Assert.Single(TestSite.Sends(client.Advance(TimeSpan.FromMilliseconds(1))));
        Assert.Equal(new Send(Destination.To(S1), Request(RepMessageType.LogReq, Start), SendOptions.ReRequest), second);
        Assert.Equal(Start, client.Node.Applier.MaxWaitLsn);
    }

    [Fact]
    public void The_request_wait_doubles_up_to_the_maximum()
    {
        var client = Client();
        client.Receive(Log(Chain(Start, 2)[1]));
        var times = new List<long>();
        for (var ms = 1; ms <= 5000; ms++)
        {
            if (TestSite.Sends(client.Advance(TimeSpan.FromMilliseconds(1))).Count > 0)
            {
                times.Add(client.Now / 1000);
            }
        }

        Assert.Equal([40, 120, 280, 600, 1240, 2520, 3800], times);
    }

    [Fact]
    public void A_filled_gap_with_another_behind_old_parked_records_asks_for_the_next_range_at_once()
    {
        // Seed 1777905555: a lagging client whose parked records are old waited the longest interval (1.28 s) before
        // asking for each next gap. Berkeley DB counts from when a record was last parked, with the shortest wait.
        var client = Client();
        var rs = Chain(Start, 5);
        client.Receive(Log(rs[1]));
        client.Receive(Log(rs[3]));
        client.Advance(TimeSpan.FromSeconds(5)); // the requests go unanswered; the wait grows to its maximum

        var actions = client.Receive(Log(rs[0]));

        Assert.Contains(new UnparkRecord(rs[1].Lsn), actions);
        Assert.Equal([new Send(Destination.To(S1), Request(RepMessageType.LogReq, rs[2].Lsn, new RangePayload(rs[3].Lsn)), SendOptions.Anywhere)], TestSite.Sends(actions));
    }

    [Fact]
    public void A_filled_gap_with_another_behind_records_parked_just_now_waits_for_them()
    {
        var client = Client();
        var rs = Chain(Start, 5);
        client.Receive(Log(rs[1]));
        client.Advance(TimeSpan.FromSeconds(5));
        client.Receive(Log(rs[3])); // parked just now: rs[2] is likely on its way

        Assert.Empty(TestSite.Sends(client.Receive(Log(rs[0]))));
        Assert.Empty(TestSite.Sends(client.Advance(TimeSpan.FromMilliseconds(39))));
        Assert.Single(TestSite.Sends(client.Advance(TimeSpan.FromMilliseconds(1))));
    }

    [Fact]
    public void A_client_behind_the_end_its_master_announced_asks_for_the_rest_until_it_has_it()
    {
        // Seed 1777905562: the tail of the stream after sync was lost and the idle master sent nothing more, so no
        // later record revealed the gap; the NEWMASTER's LSN (the master's end of log) does.
        var client = Client();
        var rs = Chain(Start, 3);
        client.Receive(Log(rs[0]));
        client.Run(n => n.Applier.OnMasterEnd(LogPositions.After(rs[2])));

        var sends = TestSite.Sends(client.Advance(TimeSpan.FromMilliseconds(40)));

        Assert.Equal([new Send(Destination.To(S1), Request(RepMessageType.AllReq, LogPositions.After(rs[0])), SendOptions.Anywhere)], sends);
        client.Receive(Log(rs[1]));
        client.Receive(Log(rs[2]));
        Assert.Empty(TestSite.Sends(client.Advance(TimeSpan.FromSeconds(5))));
    }

    [Fact]
    public void When_the_single_record_asked_for_arrives_and_a_gap_remains_the_range_is_asked_again()
    {
        var client = Client();
        var rs = Chain(Start, 4);
        client.Receive(Log(rs[3]));
        client.Advance(TimeSpan.FromMilliseconds(40)); // range request
        client.Advance(TimeSpan.FromMilliseconds(80)); // single request for rs[0]
        Assert.Empty(TestSite.Sends(client.Receive(Log(rs[0])))); // arrives; rs[1], rs[2] still missing
        Assert.Empty(TestSite.Sends(client.Advance(TimeSpan.FromMilliseconds(159))));

        var sends = TestSite.Sends(client.Advance(TimeSpan.FromMilliseconds(1)));

        Assert.Equal([new Send(Destination.To(S1), Request(RepMessageType.LogReq, rs[1].Lsn, new RangePayload(rs[3].Lsn)), SendOptions.Anywhere)], sends);
    }

    [Fact]
    public void Without_a_known_master_a_gap_request_becomes_MASTER_REQ()
    {
        var client = new TestSite(2, null, new RepPersistentState { Role = RepRole.Client, Gen = Gen, Sites = Sites(100, 100, 100) });
        client.Receive(Log(Chain(Start, 2)[1]));

        var send = Assert.Single(TestSite.Sends(client.Advance(TimeSpan.FromMilliseconds(40))));

        Assert.Equal(new Send(Destination.Broadcast, new RepMessage(RepMessageType.MasterReq, S2, Gen, Lsn.Zero)), send);
    }

    [Fact]
    public void LOG_MORE_asks_for_the_next_chunk_at_once_from_where_the_server_stopped()
    {
        var client = Client();
        var rs = Chain(Start, 2);
        client.Receive(Log(rs[0], RepControl.Resend));

        var actions = client.Receive(Msg(RepMessageType.LogMore, rs[1].Lsn, from: S3));

        Assert.Equal([new Send(Destination.To(S1), Request(RepMessageType.AllReq, rs[1].Lsn), SendOptions.Anywhere)], actions);
    }

    [Fact]
    public void LOG_MORE_from_the_master_is_followed_up_with_the_master()
    {
        var client = Client();
        var rs = Chain(Start, 2);
        client.Receive(Log(rs[0], RepControl.Resend));

        var actions = client.Receive(Msg(RepMessageType.LogMore, rs[1].Lsn));

        Assert.Equal([new Send(Destination.To(S1), Request(RepMessageType.AllReq, rs[1].Lsn), SendOptions.ReRequest)], actions);
    }

    [Fact]
    public void REREQUEST_from_a_client_that_could_not_serve_sends_the_request_to_the_master()
    {
        var client = Client();
        var rs = Chain(Start, 3);
        client.Receive(Log(rs[2]));

        var actions = client.Receive(Msg(RepMessageType.ReRequest, Start, from: S3));

        Assert.Equal([new Send(Destination.To(S1), Request(RepMessageType.LogReq, Start, new RangePayload(rs[2].Lsn)), SendOptions.ReRequest)], actions);
    }

    // ---- acks ----

    [Fact]
    public void A_durable_PERM_record_is_acknowledged_to_the_master_with_the_highest_durable_PERM_LSN()
    {
        var client = Client();
        var rs = Chain(Start, 4, permAt: [1, 2]);
        foreach (var r in rs)
        {
            client.Receive(Log(r));
        }

        var actions = client.Step(new LogDurable(client.Store.MakeDurable()));

        Assert.Equal([new Send(Destination.To(S1), new RepMessage(RepMessageType.Ack, S2, Gen, rs[2].Lsn, RepControl.GroupEstablished))], actions);
        Assert.Equal(rs[2].Lsn, client.Node.Applier.MaxPermLsn);
        Assert.Empty(client.Step(new LogDurable(client.Store.Durable))); // nothing new: no second ack
    }

    [Fact]
    public void A_parked_PERM_record_is_not_acknowledged()
    {
        var client = Client();
        var rs = Chain(Start, 2, permAt: [1]);
        client.Receive(Log(rs[1]));

        Assert.Empty(client.Step(new LogDurable(client.Store.MakeDurable())));
    }

    [Fact]
    public void No_ack_is_sent_under_ack_policy_none()
    {
        var client = Client(options: new ReplicationOptions { AckPolicy = AckPolicy.None });
        client.Receive(Log(Chain(Start, 1, permAt: [0])[0]));

        Assert.Empty(client.Step(new LogDurable(client.Store.MakeDurable())));
    }

    [Theory]
    [InlineData(AckPolicy.Quorum, false)]
    [InlineData(AckPolicy.OnePeer, false)]
    [InlineData(AckPolicy.AllPeers, false)]
    [InlineData(AckPolicy.One, true)]
    [InlineData(AckPolicy.All, true)]
    [InlineData(AckPolicy.AllAvailable, true)]
    public void A_priority_zero_client_acks_only_under_policies_that_count_it(AckPolicy policy, bool acks)
    {
        var client = Client(options: new ReplicationOptions { AckPolicy = policy }, priorities: [100, 0, 100]);
        client.Receive(Log(Chain(Start, 1, permAt: [0])[0]));

        var sends = TestSite.Sends(client.Step(new LogDurable(client.Store.MakeDurable())));

        Assert.Equal(acks ? 1 : 0, sends.Count(s => s.Message.Type == RepMessageType.Ack));
    }

    // ---- START_SYNC, flush, checkpoints ----

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
    public void A_checkpoint_record_is_applied_and_acknowledged_as_PERM()
    {
        var client = Client();
        var ckp = TestSite.Record(Start, RecordKind.Checkpoint);
        AssertActions([new AppendRecords([ckp])], client.Receive(Log(ckp)));

        var sends = TestSite.Sends(client.Step(new LogDurable(client.Store.MakeDurable())));

        Assert.Equal(ckp.Lsn, Assert.Single(sends).Message.Lsn);
    }

    [Fact]
    public void A_message_marked_flush_makes_the_client_flush_after_applying()
    {
        var client = Client();
        var r = Chain(Start, 1)[0];

        AssertActions([new AppendRecords([r]), new FlushLog()], client.Receive(Log(r, RepControl.Flush)));
    }

    // ---- STARTUPDONE ----

    [Fact]
    public void Startup_is_done_on_the_first_live_record_applied_in_order_once_per_master()
    {
        var client = Client();
        var rs = Chain(Start, 3);
        client.Node.Applier.ExpectStartup();

        Assert.Empty(TestSite.Events(client.Receive(Log(rs[0], RepControl.Resend))));
        Assert.Equal([new RepEvent(RepEventKind.StartupDone, Gen, S1)], TestSite.Events(client.Receive(Log(rs[1]))));
        Assert.Empty(TestSite.Events(client.Receive(Log(rs[2]))));
        Assert.True(client.Node.Applier.StartupComplete);
    }

    [Fact]
    public void Startup_is_done_on_a_resent_record_marked_as_the_end_of_the_server_log()
    {
        var client = Client();
        var r = Chain(Start, 1)[0];
        client.Node.Applier.ExpectStartup();

        var events = TestSite.Events(client.Receive(Log(r, RepControl.Resend | RepControl.LogEnd)));

        Assert.Equal([new RepEvent(RepEventKind.StartupDone, Gen, S1)], events);
    }

    [Fact]
    public void A_live_record_that_is_parked_does_not_complete_startup()
    {
        var client = Client();
        client.Node.Applier.ExpectStartup();

        Assert.Empty(TestSite.Events(client.Receive(Log(Chain(Start, 2)[1]))));
        Assert.False(client.Node.Applier.StartupComplete);
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
    // ---- more file and gap cases ----

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

    [Fact]
    public void A_syncing_client_does_not_acknowledge_its_durable_tail()
    {
        var client = Client();
        client.Receive(Log(Chain(Start, 1, permAt: [0])[0]));
        client.Node.Applier.HeldBySync = true;

        Assert.Empty(client.Step(new LogDurable(client.Store.MakeDurable())));

        client.Node.Applier.HeldBySync = false;
        Assert.Single(TestSite.Sends(client.Step(new LogDurable(client.Store.Durable))));
    }

    [Fact]
    public void Holding_off_requests_waits_the_longest_interval_before_the_next_gap_request()
    {
        var client = Client();
        client.Node.Applier.HoldOffRequests();
        client.Receive(Log(Chain(Start, 2)[1]));

        Assert.Empty(TestSite.Sends(client.Advance(TimeSpan.FromMilliseconds(1279))));
        Assert.Single(TestSite.Sends(client.Advance(TimeSpan.FromMilliseconds(1))));
    }

    [Fact]
    public void The_master_reporting_log_this_client_lacks_makes_it_ask_for_everything_from_ready()
    {
        var client = Client();
        client.Advance(TimeSpan.FromSeconds(1));

        client.Node.Applier.OnMasterProgress(new Lsn(1, 500));
        var actions = client.Step(new Tick(client.Now));

        Assert.Equal([new Send(Destination.To(S1), Request(RepMessageType.AllReq, Start), SendOptions.Anywhere)], actions);
    }

    [Fact]
    public void The_master_reporting_nothing_new_asks_for_nothing()
    {
        var client = Client();
        var r = Chain(Start, 1, permAt: [0])[0];
        client.Receive(Log(r));
        client.Advance(TimeSpan.FromSeconds(1));

        client.Node.Applier.OnMasterProgress(Lsn.Zero);
        client.Node.Applier.OnMasterProgress(r.Lsn with { Offset = r.Lsn.Offset - 1 });

        Assert.Empty(client.Step(new Tick(client.Now)));
    }

    [Fact]
    public void A_duplicate_marked_as_the_end_of_the_server_log_completes_startup()
    {
        var client = Client();
        var r = Chain(Start, 1)[0];
        client.Receive(Log(r));
        client.Node.Applier.ExpectStartup();

        Assert.Equal([new RepEvent(RepEventKind.StartupDone, Gen, S1)], TestSite.Events(client.Receive(Log(r, RepControl.Resend | RepControl.LogEnd))));
    }

    [Fact]
    public void With_leases_first_gap_requests_are_not_sent_ANYWHERE_before_startup_completes()
    {
        var client = Client(options: new ReplicationOptions { Leases = true, LeaseTimeout = TimeSpan.FromSeconds(1) });
        client.Node.Applier.ExpectStartup();
        var rs = Chain(Start, 2);
        client.Receive(Log(rs[1]));

        var send = Assert.Single(TestSite.Sends(client.Advance(TimeSpan.FromMilliseconds(40))));

        Assert.Equal(SendOptions.None, send.Flags);
        Assert.Equal(RepMessageType.LogReq, send.Message.Type);
    }
}
