using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.SyncMessages;
using static OrleansRep.Replication.Tests.Support.SyncSites;

namespace OrleansRep.Replication.Tests;

/// <summary>What a client's sync does with the log after the verify match: truncation, the rollback report, and AUTOROLLBACK off.</summary>
public sealed class ClientSyncRollbackTests
{
    [Fact]
    public void A_tail_without_commits_is_truncated_without_a_rollback_report()
    {
        var client = Client();
        Append(client, RecordKind.Commit, RecordKind.Data, RecordKind.Data);
        var commit = client.Store.Records[0];
        client.Run(n => n.Sync.Begin());

        var actions = client.Receive(Verify(commit));

        var truncate = Assert.IsType<TruncateLog>(actions[0]);
        Assert.Equal(LogPositions.After(commit), truncate.To);
        Assert.Empty(truncate.CommitsLost);
        Assert.Empty(TestSite.Events(actions));
        Assert.Equal(LogPositions.After(commit), client.Store.LogEnd);
    }

    [Fact]
    public void A_mismatch_walks_back_over_the_perm_records_and_the_rollback_lists_exactly_the_commits_lost()
    {
        var client = Client();
        Append(client, RecordKind.Commit, RecordKind.Data, RecordKind.Commit, RecordKind.Checkpoint, RecordKind.Data, RecordKind.Commit, RecordKind.Data);
        var r = client.Store.Records;
        var (c1, c2, ckp, c3) = (r[0], r[2], r[3], r[5]);

        var begin = client.Run(n => n.Sync.Begin());
        AssertSend(Assert.IsType<Send>(Assert.Single(begin)), RepMessageType.VerifyReq, c3.Lsn, SendOptions.Anywhere);

        // Each mismatch asks about the PERM record before it (data records are skipped).
        AssertSend(Assert.IsType<Send>(Assert.Single(client.Receive(Verify(c3, differ: true)))), RepMessageType.VerifyReq, ckp.Lsn, SendOptions.Anywhere);
        AssertSend(Assert.IsType<Send>(Assert.Single(client.Receive(Verify(ckp, differ: true)))), RepMessageType.VerifyReq, c2.Lsn, SendOptions.Anywhere);
        AssertSend(Assert.IsType<Send>(Assert.Single(client.Receive(Verify(c2, differ: true)))), RepMessageType.VerifyReq, c1.Lsn, SendOptions.Anywhere);

        var actions = client.Receive(Verify(c1)).ToList();

        var matchEnd = LogPositions.After(c1);
        var truncate = Assert.IsType<TruncateLog>(actions[0]);
        Assert.Equal(matchEnd, truncate.To);
        Assert.Equal([c2.Lsn, c3.Lsn], truncate.CommitsLost);
        var rolledBack = Assert.Single(TestSite.Events(actions));
        Assert.Equal(RepEventKind.RolledBack, rolledBack.Kind);
        Assert.Equal([c2.Lsn, c3.Lsn], rolledBack.Commits);
        Assert.Equal(matchEnd, rolledBack.Lsn);
        var allReq = Assert.Single(TestSite.Sends(actions));
        AssertSend(allReq, RepMessageType.AllReq, c1.Lsn, SendOptions.Anywhere);
        Assert.True(actions.IndexOf(truncate) < actions.IndexOf(allReq), "the log is cut before the master is asked for what follows the match");
        Assert.Contains(actions, a => a is ClearParked);
        Assert.Equal([c1], client.Store.Records);
        Assert.True(client.Node.Applier.Accepting);
    }

    [Fact]
    public void The_truncation_locks_the_api_out_until_the_next_step()
    {
        var client = Client();
        Append(client, RecordKind.Commit, RecordKind.Commit);
        client.Run(n => n.Sync.Begin());
        client.Receive(Verify(client.Store.Records[1], differ: true));

        client.Receive(Verify(client.Store.Records[0]));
        Assert.True(client.Node.LockedOut);

        client.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(client.Node.LockedOut);
    }

    [Fact]
    public void The_match_may_end_a_log_file_whose_successor_is_cut()
    {
        var client = Client();
        Append(client, RecordKind.Commit);
        var commit = client.Store.Records[0];
        client.Store.Carry([new StartLogFile(2), new AppendRecords([TestSite.Record(LogPositions.StartOfFile(2), RecordKind.Commit)])]);
        client.Run(n => n.Sync.Begin());
        client.Receive(Verify(client.Store.Records[1], differ: true));

        var actions = client.Receive(Verify(commit));

        Assert.Equal(LogPositions.After(commit), Assert.IsType<TruncateLog>(actions[0]).To);
        Assert.Equal(LogPositions.After(commit), client.Store.LogEnd);
    }

    [Fact]
    public void With_autorollback_off_a_tail_with_commits_is_refused_with_would_rollback_and_kept()
    {
        var client = Client(new ReplicationOptions { AutoRollback = false });
        Append(client, RecordKind.Commit, RecordKind.Commit, RecordKind.Data, RecordKind.Commit);
        var r = client.Store.Records;
        client.Run(n => n.Sync.Begin());
        client.Receive(Verify(r[3], differ: true));

        var actions = client.Receive(Verify(r[1], differ: true));
        actions = client.Receive(Verify(r[0]));

        var refusal = Assert.IsType<EmitEvent>(Assert.Single(actions)).Event;
        Assert.Equal(RepEventKind.WouldRollback, refusal.Kind);
        Assert.Equal([r[1].Lsn, r[3].Lsn], refusal.Commits);
        Assert.Equal(4, client.Store.Records.Count);
        Assert.Equal(SyncPhase.Refused, client.Node.Sync.Phase);
        Assert.False(client.Node.Applier.Accepting);

        // Refused: no repeats on ticks; the operator's SyncNow tries again from the end of the log.
        Assert.Empty(client.Advance(TimeSpan.FromSeconds(5)));
        var retry = client.Command(new SyncNow());
        AssertSend(Assert.IsType<Send>(Assert.Single(retry)), RepMessageType.VerifyReq, r[3].Lsn, SendOptions.Anywhere);
    }

    [Fact]
    public void With_autorollback_off_a_tail_without_commits_is_still_truncated()
    {
        var client = Client(new ReplicationOptions { AutoRollback = false });
        Append(client, RecordKind.Commit, RecordKind.Data);
        client.Run(n => n.Sync.Begin());

        var actions = client.Receive(Verify(client.Store.Records[0]));

        Assert.IsType<TruncateLog>(actions[0]);
        Assert.Empty(TestSite.Events(actions));
    }
}
