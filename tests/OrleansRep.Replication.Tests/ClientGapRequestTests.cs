using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.ClientApplierLog;
using static OrleansRep.Replication.Tests.Support.Groups;

namespace OrleansRep.Replication.Tests;

/// <summary>The client's gap requests: LOG_REQ and ALL_REQ for missing log, their back-off, LOG_MORE and REREQUEST.</summary>
public sealed class ClientGapRequestTests
{
    private static RepMessage Request(RepMessageType type, Lsn lsn, RepPayload? payload = null) =>
        new(type, S2, Gen, lsn, RepControl.GroupEstablished, payload);

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
    public void A_pause_in_a_resent_stream_is_not_a_lost_tail_only_the_longest_silence_asks_again()
    {
        // A client behind its master's end takes an answer to its request (RESEND). A pause in it longer than the
        // shortest request wait (an fsync, a pause of either process) used to send a second request: a second stream
        // over the same log, each kept going by its LOG_MOREs (a 512 MB catch-up received 15 times its records).
        var client = Client();
        var rs = Chain(Start, 4);
        client.Receive(Msg(RepMessageType.NewMaster, LogPositions.After(rs[3]))); // the master's log ends past these
        client.Receive(Log(rs[0], RepControl.Resend));

        Assert.Empty(TestSite.Sends(client.Advance(TimeSpan.FromMilliseconds(300))));
        client.Receive(Log(rs[1], RepControl.Resend));
        Assert.Empty(TestSite.Sends(client.Advance(TimeSpan.FromMilliseconds(1279))));

        Assert.Equal(
            [new Send(Destination.To(S1), Request(RepMessageType.AllReq, rs[2].Lsn), SendOptions.Anywhere)],
            TestSite.Sends(client.Advance(TimeSpan.FromMilliseconds(1))));
    }

    [Fact]
    public void Only_the_stream_ahead_goes_on_a_LOG_MORE_behind_ready_or_already_followed_asks_for_nothing()
    {
        // Two overlapping streams (a gap request went out while one was under way): each ends its window with LOG_MORE.
        // Following both would keep two streams going for ever, the second all duplicates (a 512 MB catch-up received
        // 15 times its records).
        var client = Client();
        var rs = Chain(Start, 3);
        client.Receive(Log(rs[0], RepControl.Resend));
        client.Receive(Log(rs[1], RepControl.Resend));

        Assert.Empty(TestSite.Sends(client.Receive(Msg(RepMessageType.LogMore, rs[1].Lsn)))); // the trailing stream's end: passed
        Assert.Equal(
            [new Send(Destination.To(S1), Request(RepMessageType.AllReq, rs[2].Lsn), SendOptions.ReRequest)],
            client.Receive(Msg(RepMessageType.LogMore, rs[2].Lsn)));
        Assert.Empty(TestSite.Sends(client.Receive(Msg(RepMessageType.LogMore, rs[2].Lsn)))); // the same end again
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
