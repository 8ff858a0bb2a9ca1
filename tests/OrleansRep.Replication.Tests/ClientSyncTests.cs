using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.SyncMessages;
using static OrleansRep.Replication.Tests.Support.SyncSites;

namespace OrleansRep.Replication.Tests;

/// <summary>A client's sync with a new master: VERIFY_REQ, the walk back over PERM records on mismatch, VERIFY_FAIL and request back-off.</summary>
public sealed class ClientSyncTests
{
    [Fact]
    public void Begin_holds_the_log_back_and_asks_the_master_to_verify_the_last_perm_record()
    {
        var client = Client();
        Append(client, RecordKind.Data, RecordKind.Commit, RecordKind.Data, RecordKind.Commit);
        var lastCommit = client.Store.Records[3];

        var actions = client.Run(n => n.Sync.Begin());

        var send = Assert.IsType<Send>(Assert.Single(actions));
        AssertSend(send, RepMessageType.VerifyReq, lastCommit.Lsn, SendOptions.Anywhere);
        Assert.False(client.Node.Applier.Accepting);
        Assert.Equal(SyncPhase.Verify, client.Node.Sync.Phase);

        // The role change locks the API out for its step only; verifying does not.
        Assert.True(client.Node.LockedOut);
        client.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(client.Node.LockedOut);
    }

    [Fact]
    public void Stop_abandons_the_sync_and_lets_the_log_in()
    {
        var client = Client();
        Append(client, RecordKind.Commit);
        client.Run(n => n.Sync.Begin());

        Assert.Empty(client.Run(n => n.Sync.Stop()));

        Assert.Equal(SyncPhase.Off, client.Node.Sync.Phase);
        Assert.True(client.Node.Applier.Accepting);
        Assert.Empty(client.Advance(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_match_at_the_first_try_with_nothing_after_it_asks_for_all_the_log_from_it_and_truncates_nothing()
    {
        var client = Client();
        Append(client, RecordKind.Data, RecordKind.Commit);
        var commit = client.Store.Records[1];
        client.Run(n => n.Sync.Begin());

        var actions = client.Receive(Verify(commit));

        Assert.Equal(3, actions.Count);
        Assert.Equal(Gen, Assert.IsType<PersistState>(actions[0]).State.SyncedGen); // the log now follows this master
        Assert.IsType<ClearParked>(actions[1]);
        AssertSend(Assert.IsType<Send>(actions[2]), RepMessageType.AllReq, commit.Lsn, SendOptions.Anywhere); // from the match: __rep_verify_match
        Assert.True(client.Node.Applier.Accepting);
        Assert.Equal(SyncPhase.Off, client.Node.Sync.Phase);
        Assert.Equal(2, client.Store.Records.Count);
        Assert.False(client.Node.LockedOut);
    }

    [Fact]
    public void A_verify_without_a_record_is_a_mismatch_and_the_walk_steps_back()
    {
        // The master's log ends before the client's verify point: it answers VERIFY with no record (seed 1777905565,
        // where the client threw on it and re-asked forever, its diverged tail never rolled back).
        var client = Client();
        Append(client, RecordKind.Commit, RecordKind.Data, RecordKind.Commit);
        var (c1, c2) = (client.Store.Records[0], client.Store.Records[2]);
        client.Run(n => n.Sync.Begin());

        var back = client.Receive(FromMaster(RepMessageType.Verify, c2.Lsn, null));

        AssertSend(Assert.IsType<Send>(Assert.Single(back)), RepMessageType.VerifyReq, c1.Lsn, SendOptions.Anywhere);
        var actions = client.Receive(Verify(c1));
        Assert.Equal(LogPositions.After(c1), Assert.IsType<TruncateLog>(actions[0]).To);
        Assert.Equal([c1], client.Store.Records);
    }

    [Fact]
    public void A_late_verify_for_an_earlier_point_of_the_walk_is_ignored()
    {
        var client = Client();
        Append(client, RecordKind.Commit, RecordKind.Commit);
        var (c1, c2) = (client.Store.Records[0], client.Store.Records[1]);
        client.Run(n => n.Sync.Begin());
        client.Receive(Verify(c2, differ: true));

        Assert.Empty(client.Receive(Verify(c2)));
        Assert.Equal(SyncPhase.Verify, client.Node.Sync.Phase);
        Assert.Equal(2, client.Store.Records.Count);
    }

    [Fact]
    public void Mismatches_back_to_the_first_record_start_internal_init()
    {
        var client = Client();
        Append(client, RecordKind.Commit, RecordKind.Data, RecordKind.Commit);
        var (c1, c2) = (client.Store.Records[0], client.Store.Records[2]);
        client.Run(n => n.Sync.Begin());
        client.Receive(Verify(c2, differ: true));

        var actions = client.Receive(Verify(c1, differ: true));

        AssertUpdateRequest(Assert.IsType<Send>(Assert.Single(actions)), repeat: false, SendOptions.None);
        Assert.Equal(SyncPhase.Update, client.Node.Sync.Phase);
        Assert.True(client.Node.InInternalInit);
        Assert.True(client.Node.LockedOut);
        Assert.False(client.Node.Applier.Accepting);
        Assert.Equal(3, client.Store.Records.Count);
    }

    [Fact]
    public void Stepping_back_over_the_only_checkpoint_of_a_log_not_starting_at_file_1_starts_internal_init()
    {
        var client = Client(store: new MemoryReplicaStore(firstFile: 3));
        Append(client, RecordKind.Commit, RecordKind.Checkpoint, RecordKind.Commit);
        var (ckp, c2) = (client.Store.Records[1], client.Store.Records[2]);
        client.Run(n => n.Sync.Begin());
        client.Receive(Verify(c2, differ: true));

        var actions = client.Receive(Verify(ckp, differ: true));

        AssertUpdateRequest(Assert.IsType<Send>(Assert.Single(actions)), repeat: false, SendOptions.None);
    }

    [Fact]
    public void Stepping_back_over_a_checkpoint_goes_on_when_an_earlier_checkpoint_exists_or_the_log_starts_at_file_1()
    {
        var withEarlier = Client(store: new MemoryReplicaStore(firstFile: 3));
        Append(withEarlier, RecordKind.Checkpoint, RecordKind.Commit, RecordKind.Checkpoint, RecordKind.Commit);
        var w = withEarlier.Store.Records;
        withEarlier.Run(n => n.Sync.Begin());
        withEarlier.Receive(Verify(w[3], differ: true));
        AssertSend(Assert.IsType<Send>(Assert.Single(withEarlier.Receive(Verify(w[2], differ: true)))), RepMessageType.VerifyReq, w[1].Lsn, SendOptions.Anywhere);

        var fromFile1 = Client();
        Append(fromFile1, RecordKind.Commit, RecordKind.Checkpoint, RecordKind.Commit);
        var f = fromFile1.Store.Records;
        fromFile1.Run(n => n.Sync.Begin());
        fromFile1.Receive(Verify(f[2], differ: true));
        AssertSend(Assert.IsType<Send>(Assert.Single(fromFile1.Receive(Verify(f[1], differ: true)))), RepMessageType.VerifyReq, f[0].Lsn, SendOptions.Anywhere);
    }

    [Fact]
    public void Verify_fail_for_the_record_asked_about_starts_internal_init_and_a_stale_one_is_ignored()
    {
        var client = Client();
        Append(client, RecordKind.Commit, RecordKind.Commit);
        var (c1, c2) = (client.Store.Records[0], client.Store.Records[1]);
        client.Run(n => n.Sync.Begin());
        client.Receive(Verify(c2, differ: true));

        Assert.Empty(client.Receive(FromMaster(RepMessageType.VerifyFail, c2.Lsn)));
        Assert.Equal(SyncPhase.Verify, client.Node.Sync.Phase);

        var actions = client.Receive(FromMaster(RepMessageType.VerifyFail, c1.Lsn));

        AssertUpdateRequest(Assert.IsType<Send>(Assert.Single(actions)), repeat: false, SendOptions.None);
        Assert.Equal(SyncPhase.Update, client.Node.Sync.Phase);
    }

    [Fact]
    public void Verify_fail_at_the_ready_lsn_of_a_synced_client_starts_internal_init()
    {
        var client = Client();
        Append(client, RecordKind.Commit);
        client.Run(n => n.Sync.Begin());
        client.Receive(Verify(client.Store.Records[0]));
        Assert.Equal(SyncPhase.Off, client.Node.Sync.Phase);

        var actions = client.Receive(FromMaster(RepMessageType.VerifyFail, client.Store.LogEnd));

        AssertUpdateRequest(Assert.IsType<Send>(Assert.Single(actions)), repeat: false, SendOptions.None);
        Assert.False(client.Node.Applier.Accepting);
    }

    [Fact]
    public void Verify_requests_are_repeated_with_back_off_and_rerequest_until_answered()
    {
        var client = Client();
        Append(client, RecordKind.Commit);
        var lsn = client.Store.Records[0].Lsn;
        client.Run(n => n.Sync.Begin());

        Assert.Empty(client.Advance(GapMin - TimeSpan.FromMilliseconds(1)));
        AssertSend(Assert.IsType<Send>(Assert.Single(client.Advance(TimeSpan.FromMilliseconds(1)))), RepMessageType.VerifyReq, lsn, SendOptions.ReRequest);
        Assert.Empty(client.Advance(2 * GapMin - TimeSpan.FromMilliseconds(1)));
        AssertSend(Assert.IsType<Send>(Assert.Single(client.Advance(TimeSpan.FromMilliseconds(1)))), RepMessageType.VerifyReq, lsn, SendOptions.ReRequest);

        // The wait doubles up to RequestGapMax (1.28 s) and stays there.
        var waits = new List<long>();
        var last = client.Now;
        for (var i = 0; i < 1000 && waits.Count < 6; i++)
        {
            if (client.Advance(TimeSpan.FromMilliseconds(10)).Count > 0)
            {
                waits.Add((client.Now - last) / 1000);
                last = client.Now;
            }
        }

        Assert.Equal([160, 320, 640, 1280, 1280, 1280], waits);
    }
}
