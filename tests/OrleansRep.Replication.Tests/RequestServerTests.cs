using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.Groups;

namespace OrleansRep.Replication.Tests;

public sealed class RequestServerTests
{
    private const RepControl Estd = RepControl.GroupEstablished;

    /// <summary>A log with <paramref name="inFirst"/> records in file <paramref name="firstFile"/> and
    /// <paramref name="inSecond"/> in the next; every third record (index 2, 5, ...) is a commit.</summary>
    private static MemoryReplicaStore StoreWith(int inFirst, int inSecond = 0, uint firstFile = 1)
    {
        var store = new MemoryReplicaStore(firstFile);
        var n = 0;
        for (var i = 0; i < inFirst; i++, n++)
        {
            store.AppendLocal(n % 3 == 2 ? RecordKind.Commit : RecordKind.Data, new byte[48]);
        }

        if (inSecond > 0)
        {
            store.Carry([new StartLogFile(firstFile + 1)]);
            for (var i = 0; i < inSecond; i++, n++)
            {
                store.AppendLocal(n % 3 == 2 ? RecordKind.Commit : RecordKind.Data, new byte[48]);
            }
        }

        store.MakeDurable();
        return store;
    }

    private static RepMessage Req(RepMessageType type, Lsn lsn, RepPayload? payload = null) => new(type, S2, Gen, lsn, RepControl.None, payload);

    private static RepMessage Resend(RepMessageType type, SiteId from, Lsn lsn, RepControl control = RepControl.None, RepPayload? payload = null) =>
        new(type, from, Gen, lsn, control | Estd, payload);

    private static RepMessage LogResend(SiteId from, LogRecordView r, RepControl extra = RepControl.None) =>
        Resend(RepMessageType.Log, from, r.Lsn, RepControl.Resend | (r.IsPerm ? RepControl.Perm : RepControl.None) | extra, new RecordPayload(r));

    private static List<RepMessage> Messages(IEnumerable<RepAction> actions) => TestSite.Sends(actions).Select(s => s.Message).ToList();

    [Fact]
    public void A_single_LOG_REQ_is_answered_with_that_record_resent()
    {
        var master = Master(store: StoreWith(4));
        var rs = master.Store.Records;

        var sends = TestSite.Sends(master.Receive(Req(RepMessageType.LogReq, rs[1].Lsn)));

        Assert.Equal([new Send(Destination.To(S2), LogResend(S1, rs[1]))], sends);
    }

    [Fact]
    public void A_range_is_streamed_up_to_its_end_with_NEWFILE_where_the_file_changes()
    {
        var master = Master(store: StoreWith(2, 3));
        var rs = master.Store.Records;

        var messages = Messages(master.Receive(Req(RepMessageType.LogReq, rs[0].Lsn, new RangePayload(rs[3].Lsn))));

        Assert.Equal(
            [
                LogResend(S1, rs[0]),
                LogResend(S1, rs[1]),
                Resend(RepMessageType.NewFile, S1, LogPositions.After(rs[1]), RepControl.Resend),
                LogResend(S1, rs[2]),
            ],
            messages);
    }

    [Fact]
    public void ALL_REQ_streams_to_the_end_and_marks_the_last_record_LOG_END()
    {
        var master = Master(store: StoreWith(3));
        var rs = master.Store.Records;

        var messages = Messages(master.Receive(Req(RepMessageType.AllReq, rs[1].Lsn)));

        Assert.Equal([LogResend(S1, rs[1]), LogResend(S1, rs[2], RepControl.LogEnd)], messages);
    }

    [Fact]
    public void ALL_REQ_for_everything_starts_at_the_first_record_when_the_log_begins_in_file_one()
    {
        var master = Master(store: StoreWith(2));
        var rs = master.Store.Records;

        var messages = Messages(master.Receive(Req(RepMessageType.AllReq, Lsn.Zero)));

        Assert.Equal([LogResend(S1, rs[0]), LogResend(S1, rs[1], RepControl.LogEnd)], messages);
    }

    [Fact]
    public void A_stream_stops_after_the_record_that_crosses_the_request_limit_with_LOG_MORE_sent_halfway_through()
    {
        // LOG_MORE (where the next window starts) goes out after half the window's bytes: the requester asks for the
        // next window while the rest of this one is still on its way, so catch-up does not wait a round trip per window.
        var master = Master(new ReplicationOptions { RequestLimitBytes = 100 }, StoreWith(5));
        var rs = master.Store.Records;

        var messages = Messages(master.Receive(Req(RepMessageType.AllReq, rs[0].Lsn)));

        Assert.Equal(
            [LogResend(S1, rs[0]), LogResend(S1, rs[1]), Resend(RepMessageType.LogMore, S1, rs[3].Lsn, RepControl.Resend), LogResend(S1, rs[2])],
            messages);
    }

    [Fact]
    public void A_request_at_the_end_of_a_file_gets_NEWFILE_then_the_next_file()
    {
        var master = Master(store: StoreWith(2, 1));
        var rs = master.Store.Records;
        var endOfFirst = LogPositions.After(rs[1]);

        var messages = Messages(master.Receive(Req(RepMessageType.AllReq, endOfFirst)));

        Assert.Equal([Resend(RepMessageType.NewFile, S1, endOfFirst, RepControl.Resend), LogResend(S1, rs[2], RepControl.LogEnd)], messages);
    }

    [Fact]
    public void A_master_answers_VERIFY_FAIL_for_log_it_no_longer_has()
    {
        var master = Master(store: StoreWith(2, firstFile: 3));
        var old = LogPositions.StartOfFile(1);

        var sends = TestSite.Sends(master.Receive(Req(RepMessageType.LogReq, old, new RangePayload(new Lsn(3, 0)))));

        Assert.Equal([new Send(Destination.To(S2), Resend(RepMessageType.VerifyFail, S1, old))], sends);
    }

    [Fact]
    public void A_master_whose_log_does_not_begin_in_file_one_answers_ALL_REQ_for_everything_with_VERIFY_FAIL()
    {
        var master = Master(store: StoreWith(2, firstFile: 3));

        var messages = Messages(master.Receive(Req(RepMessageType.AllReq, Lsn.Zero)));

        Assert.Equal([Resend(RepMessageType.VerifyFail, S1, master.Store.First)], messages);
    }

    [Fact]
    public void A_master_ignores_a_request_past_its_end_of_log()
    {
        var master = Master(store: StoreWith(2));

        Assert.Empty(master.Receive(Req(RepMessageType.AllReq, master.Store.LogEnd)));
    }

    [Fact]
    public void An_empty_range_is_dropped_as_malformed()
    {
        var master = Master(store: StoreWith(2));
        var rs = master.Store.Records;

        Assert.Empty(master.Receive(Req(RepMessageType.LogReq, rs[1].Lsn, new RangePayload(rs[0].Lsn))));
        Assert.Equal(1, master.Node.Dropped);
    }

    [Fact]
    public void With_bulk_the_answer_is_gathered_into_BULK_LOG()
    {
        var master = Master(new ReplicationOptions { Bulk = true }, StoreWith(3));
        var rs = master.Store.Records;

        var send = Assert.Single(TestSite.Sends(master.Receive(Req(RepMessageType.AllReq, rs[0].Lsn))));

        Assert.Equal(Resend(RepMessageType.BulkLog, S1, rs[0].Lsn, RepControl.Resend | RepControl.Perm | RepControl.LogEnd, send.Message.Payload), send.Message);
        Assert.Equal(rs, send.Message.PayloadAs<BulkPayload>().Records);
    }

    // ---- clients serving ----

    [Fact]
    public void A_client_serves_an_ANYWHERE_range_it_holds_whole_without_marking_LOG_END_before_its_startup()
    {
        var client = Client(3, store: StoreWith(3));
        var rs = client.Store.Records;

        var messages = Messages(client.Receive(Req(RepMessageType.LogReq, rs[0].Lsn, new RangePayload(client.Store.LogEnd)), SendOptions.Anywhere));

        Assert.Equal([LogResend(S3, rs[0]), LogResend(S3, rs[1]), LogResend(S3, rs[2])], messages);
    }

    [Fact]
    public void A_client_refuses_a_range_it_does_not_hold_whole()
    {
        var client = Client(3, store: StoreWith(3));
        var rs = client.Store.Records;

        var sends = TestSite.Sends(client.Receive(Req(RepMessageType.LogReq, rs[0].Lsn, new RangePayload(new Lsn(1, 9999))), SendOptions.Anywhere));

        Assert.Equal([new Send(Destination.To(S2), Resend(RepMessageType.ReRequest, S3, rs[0].Lsn))], sends);
        Assert.Equal(1, client.Node.Server.Refused);
    }

    [Theory]
    [InlineData(SendOptions.None)]
    [InlineData(SendOptions.ReRequest)]
    [InlineData(SendOptions.Anywhere | SendOptions.ReRequest)]
    public void A_client_answers_a_request_not_sent_ANYWHERE_with_REREQUEST(SendOptions flags)
    {
        var client = Client(3, store: StoreWith(3));
        var first = client.Store.Records[0].Lsn;

        var messages = Messages(client.Receive(Req(RepMessageType.AllReq, first), flags));

        Assert.Equal([Resend(RepMessageType.ReRequest, S3, first)], messages);
    }

    [Fact]
    public void A_syncing_client_does_not_serve()
    {
        var client = Client(3, store: StoreWith(3));
        client.Node.Applier.HeldBySync = true;
        var first = client.Store.Records[0].Lsn;

        Assert.Equal([Resend(RepMessageType.ReRequest, S3, first)], Messages(client.Receive(Req(RepMessageType.AllReq, first), SendOptions.Anywhere)));
    }

    [Fact]
    public void A_client_answers_a_request_for_log_it_no_longer_has_with_REREQUEST()
    {
        var client = Client(3, store: StoreWith(2, firstFile: 3));
        var old = LogPositions.StartOfFile(1);

        Assert.Equal([Resend(RepMessageType.ReRequest, S3, old)], Messages(client.Receive(Req(RepMessageType.AllReq, old), SendOptions.Anywhere)));
    }

    [Fact]
    public void A_client_whose_startup_is_done_marks_its_last_record_LOG_END()
    {
        var client = Client(3, store: StoreWith(2));
        client.Node.Applier.ExpectStartup();
        var live = TestSite.Record(client.Store.LogEnd);
        client.Receive(Log(live));
        var rs = client.Store.Records;

        var messages = Messages(client.Receive(Req(RepMessageType.AllReq, rs[1].Lsn), SendOptions.Anywhere));

        Assert.Equal([LogResend(S3, rs[1]), LogResend(S3, rs[2], RepControl.LogEnd)], messages);
    }

    // ---- verify ----

    [Fact]
    public void VERIFY_REQ_is_answered_with_the_record_at_that_LSN()
    {
        var master = Master(store: StoreWith(3));
        var r = master.Store.Records[2];

        var sends = TestSite.Sends(master.Receive(Req(RepMessageType.VerifyReq, r.Lsn)));

        Assert.Equal([new Send(Destination.To(S2), Resend(RepMessageType.Verify, S1, r.Lsn, payload: new RecordPayload(r)))], sends);
    }

    [Fact]
    public void VERIFY_REQ_for_log_no_longer_kept_is_answered_VERIFY_FAIL()
    {
        var master = Master(store: StoreWith(2, firstFile: 3));
        var old = new Lsn(2, 500);

        Assert.Equal([Resend(RepMessageType.VerifyFail, S1, old)], Messages(master.Receive(Req(RepMessageType.VerifyReq, old))));
    }

    [Fact]
    public void VERIFY_REQ_where_the_master_has_no_record_is_answered_VERIFY_without_one()
    {
        var master = Master(store: StoreWith(2));
        var beyond = new Lsn(1, 5000);

        Assert.Equal([Resend(RepMessageType.Verify, S1, beyond)], Messages(master.Receive(Req(RepMessageType.VerifyReq, beyond))));
    }

    [Fact]
    public void A_client_without_the_record_answers_VERIFY_REQ_with_REREQUEST()
    {
        var client = Client(3, store: StoreWith(2));
        var beyond = new Lsn(1, 5000);

        Assert.Equal([Resend(RepMessageType.ReRequest, S3, beyond)], Messages(client.Receive(Req(RepMessageType.VerifyReq, beyond), SendOptions.Anywhere)));
    }
    [Fact]
    public void A_range_ending_at_the_first_record_of_the_next_file_still_gets_the_NEWFILE()
    {
        var master = Master(store: StoreWith(2, 2));
        var rs = master.Store.Records;
        var endOfFirst = LogPositions.After(rs[1]);

        var messages = Messages(master.Receive(Req(RepMessageType.LogReq, endOfFirst, new RangePayload(rs[2].Lsn))));

        Assert.Equal([Resend(RepMessageType.NewFile, S1, endOfFirst, RepControl.Resend)], messages);
    }

    [Fact]
    public void A_site_not_started_answers_nothing()
    {
        var site = new TestSite(3, null, new RepPersistentState(), StoreWith(2));

        Assert.Empty(site.Receive(Req(RepMessageType.AllReq, site.Store.First), SendOptions.Anywhere));
    }
    [Fact]
    public void A_client_with_the_record_answers_an_ANYWHERE_VERIFY_REQ()
    {
        var client = Client(3, store: StoreWith(3));
        var r = client.Store.Records[2];

        Assert.Equal([Resend(RepMessageType.Verify, S3, r.Lsn, payload: new RecordPayload(r))], Messages(client.Receive(Req(RepMessageType.VerifyReq, r.Lsn), SendOptions.Anywhere)));
    }

    [Fact]
    public void A_single_LOG_REQ_at_the_end_of_a_file_gets_NEWFILE_and_the_first_record_of_the_next()
    {
        var master = Master(store: StoreWith(2, 2));
        var rs = master.Store.Records;
        var endOfFirst = LogPositions.After(rs[1]);

        var messages = Messages(master.Receive(Req(RepMessageType.LogReq, endOfFirst)));

        Assert.Equal([Resend(RepMessageType.NewFile, S1, endOfFirst, RepControl.Resend), LogResend(S1, rs[2])], messages);
    }
}
