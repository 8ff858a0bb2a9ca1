using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.Groups;

namespace OrleansRep.Replication.Tests;

public sealed class MasterLogTests
{
    [Fact]
    public void A_local_commit_is_broadcast_as_one_LOG_per_record_with_the_commit_PERM()
    {
        var master = Master();
        var (actions, commit) = Commit(master, 1, dataRecords: 2);
        var records = master.Store.Records;

        var sends = TestSite.Sends(actions);

        Assert.Equal(3, sends.Count);
        for (var i = 0; i < 3; i++)
        {
            var perm = i == 2;
            Assert.Equal(Destination.Broadcast, sends[i].To);
            Assert.Equal(
                new RepMessage(RepMessageType.Log, S1, Gen, records[i].Lsn, (perm ? RepControl.Perm : RepControl.None) | RepControl.GroupEstablished, new RecordPayload(records[i])),
                sends[i].Message);
            Assert.Equal(perm ? SendOptions.Permanent : SendOptions.None, sends[i].Flags);
        }

        Assert.Equal(commit.Lsn, master.Node.MasterLog.MaxPermLsn);
    }

    [Fact]
    public void With_bulk_records_are_gathered_and_sent_when_a_PERM_record_joins()
    {
        var master = Master(new ReplicationOptions { Bulk = true });
        var (actions, commit) = Commit(master, 1, dataRecords: 3);

        var send = Assert.Single(TestSite.Sends(actions));
        Assert.Equal(RepMessageType.BulkLog, send.Message.Type);
        Assert.Equal(master.Store.Records[0].Lsn, send.Message.Lsn);
        Assert.True(send.Message.Has(RepControl.Perm));
        Assert.Equal(SendOptions.Permanent, send.Flags);
        Assert.Equal(master.Store.Records, send.Message.PayloadAs<BulkPayload>().Records);
        Assert.Equal(commit, send.Message.PayloadAs<BulkPayload>().Records[^1]);
    }

    [Fact]
    public void A_full_bulk_buffer_is_sent_before_the_record_that_does_not_fit_and_an_oversize_record_goes_alone()
    {
        var master = Master(new ReplicationOptions { Bulk = true, BulkBytes = 1024 });
        var small1 = master.Store.AppendLocal(RecordKind.Data, new byte[400]);
        var small2 = master.Store.AppendLocal(RecordKind.Data, new byte[400]);
        var small3 = master.Store.AppendLocal(RecordKind.Data, new byte[400]);
        var huge = master.Store.AppendLocal(RecordKind.Data, new byte[2000]);
        var commit = master.Store.AppendLocal(RecordKind.Commit, new byte[100]);

        var sends = TestSite.Sends(master.Step(new LocalCommit(1, [small1, small2, small3, huge, commit])));

        Assert.Equal(4, sends.Count);
        Assert.Equal([small1, small2], sends[0].Message.PayloadAs<BulkPayload>().Records);
        Assert.False(sends[0].Message.Has(RepControl.Perm));
        Assert.Equal([small3], sends[1].Message.PayloadAs<BulkPayload>().Records);
        Assert.Equal(RepMessageType.Log, sends[2].Message.Type);
        Assert.Equal(huge, sends[2].Message.PayloadAs<RecordPayload>().Record);
        Assert.Equal([commit], sends[3].Message.PayloadAs<BulkPayload>().Records);
        Assert.Equal(SendOptions.Permanent, sends[3].Flags);
    }

    [Fact]
    public void A_new_log_file_is_announced_with_the_end_of_the_previous_file_after_any_gathered_records()
    {
        var master = Master(new ReplicationOptions { Bulk = true });
        var data = master.Store.AppendLocal(RecordKind.Data, new byte[64]);
        master.Step(new LocalCommit(0, [data])); // no PERM: stays in the bulk buffer
        var end = master.Store.LogEnd;

        var sends = TestSite.Sends(master.Step(new LocalNewFile(end)));

        Assert.Equal(2, sends.Count);
        Assert.Equal([data], sends[0].Message.PayloadAs<BulkPayload>().Records);
        Assert.Equal(new RepMessage(RepMessageType.NewFile, S1, Gen, end, RepControl.GroupEstablished), sends[1].Message);
        Assert.Equal(Destination.Broadcast, sends[1].To);
    }

    [Fact]
    public void A_commit_whose_acks_are_in_is_answered_only_once_the_master_log_is_durable()
    {
        var master = Master();
        var (_, commit) = Commit(master, 11);

        Assert.Empty(Replies(master.Receive(Ack(S3, commit.Lsn))));
        Assert.Empty(Replies(master.Advance(TimeSpan.FromSeconds(2)))); // past the ack timeout: acks met, still no flush
        var replies = Replies(Durable(master));

        Assert.Equal([new ReplyProposal(11, new Committed(new CommitToken(Gen, S1, commit.Lsn)))], replies);
        Assert.Equal(0, master.Node.MasterLog.PendingCount);
    }

    [Fact]
    public void An_ack_covers_every_commit_before_it()
    {
        var master = Master();
        var (_, first) = Commit(master, 1);
        var (_, second) = Commit(master, 2);
        Durable(master);

        var replies = Replies(master.Receive(Ack(S2, second.Lsn)));

        Assert.Equal(
            [
                new ReplyProposal(1, new Committed(new CommitToken(Gen, S1, first.Lsn))),
                new ReplyProposal(2, new Committed(new CommitToken(Gen, S1, second.Lsn))),
            ],
            replies);
        Assert.Equal(second.Lsn, master.Node.MasterLog.AckedBy(S2));
    }

    [Fact]
    public void Without_acks_the_proposal_fails_at_the_ack_timeout_and_the_log_is_flushed()
    {
        var master = Master();
        var (_, commit) = Commit(master, 3);

        var actions = master.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(
            [
                new ReplyProposal(3, new AckPolicyNotMet(new CommitToken(Gen, S1, commit.Lsn), 0, 1)),
                new EmitEvent(new RepEvent(RepEventKind.PermFailed, Gen, default, commit.Lsn)),
                new FlushLog(),
            ],
            actions);
        Assert.Empty(Replies(master.Receive(Ack(S2, commit.Lsn)))); // too late: answered once
    }

    [Fact]
    public void A_proposal_to_a_client_is_answered_with_its_master()
    {
        var client = Client();
        var actions = client.Step(new LocalCommit(7, [TestSite.Record(new Lsn(1, 32), RecordKind.Commit)]));

        Assert.Equal([new ReplyProposal(7, new NotMaster(S1))], actions);
    }

    [Fact]
    public void Beyond_the_pending_bound_a_commit_is_answered_at_once_and_the_log_flushed()
    {
        var master = Master(new ReplicationOptions { MaxPendingProposals = 2 });
        Commit(master, 1);
        Commit(master, 2);
        var (actions, commit) = Commit(master, 3);

        Assert.Equal(new ReplyProposal(3, new AckPolicyNotMet(new CommitToken(Gen, S1, commit.Lsn), 0, 1)), Assert.Single(Replies(actions)));
        Assert.Contains(new FlushLog(), actions);
        Assert.DoesNotContain(actions, a => a is EmitEvent);
        Assert.Equal(2, master.Node.MasterLog.PendingCount);
    }

    [Fact]
    public void Losing_mastership_answers_pending_proposals_as_perm_failed_not_as_not_master()
    {
        // They are in the log and may survive: "not master" would have the caller write them again elsewhere.
        var master = Master();
        var (_, first) = Commit(master, 1);
        var (_, second) = Commit(master, 2);

        master.Node.MasterLog.Reset();
        var actions = master.Step(new Tick(0));

        Assert.Equal(
            [
                new ReplyProposal(1, new AckPolicyNotMet(new CommitToken(Gen, S1, first.Lsn), 0, 1)),
                new ReplyProposal(2, new AckPolicyNotMet(new CommitToken(Gen, S1, second.Lsn), 0, 1)),
            ],
            Replies(actions));
        Assert.Equal([RepEventKind.PermFailed, RepEventKind.PermFailed], actions.EventKinds());
        Assert.Equal(0, master.Node.MasterLog.PendingCount);
    }

    [Fact]
    public void An_ack_beyond_the_master_log_end_is_dropped_as_malformed()
    {
        var master = Master();
        Commit(master, 1);

        var actions = master.Receive(Ack(S2, new Lsn(9, 0)));

        Assert.Empty(actions);
        Assert.Equal(1, master.Node.Dropped);
        Assert.Equal(Lsn.Zero, master.Node.MasterLog.AckedBy(S2));
    }

    [Fact]
    public void An_ack_from_a_site_outside_the_group_counts_for_nothing()
    {
        var master = Master(new ReplicationOptions { AckPolicy = AckPolicy.One });
        var (_, commit) = Commit(master, 1);
        Durable(master);

        Assert.Empty(master.Receive(Ack(new SiteId(42), commit.Lsn)));
        Assert.Equal(Lsn.Zero, master.Node.MasterLog.AckedBy(new SiteId(42)));
    }

    [Fact]
    public void A_master_local_commit_without_records_is_refused_as_a_host_error()
    {
        var master = Master();

        Assert.Throws<ArgumentException>(() => master.Step(new LocalCommit(1, [])));
    }
}
