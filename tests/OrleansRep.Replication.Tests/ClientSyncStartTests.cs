using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.SyncMessages;
using static OrleansRep.Replication.Tests.Support.SyncSites;

namespace OrleansRep.Replication.Tests;

/// <summary>How a client's sync starts and starts over: empty log, AUTOINIT, DELAYCLIENT and SyncNow, a restart mid-init, a new master mid-sync.</summary>
public sealed class ClientSyncStartTests
{
    [Fact]
    public void An_empty_log_starts_internal_init()
    {
        var client = Client();

        var actions = client.Run(n => n.Sync.Begin());

        AssertUpdateRequest(Assert.IsType<Send>(Assert.Single(actions)), repeat: false, SendOptions.None);
        Assert.True(client.Node.InInternalInit);
    }

    [Fact]
    public void With_autoinit_off_a_client_that_needs_internal_init_reports_join_failure()
    {
        var client = Client(new ReplicationOptions { AutoInit = false });

        var actions = client.Run(n => n.Sync.Begin());

        var failure = Assert.IsType<EmitEvent>(Assert.Single(actions)).Event;
        Assert.Equal(RepEventKind.JoinFailure, failure.Kind);
        Assert.Equal(MasterId, failure.Site);
        Assert.Equal(SyncPhase.Refused, client.Node.Sync.Phase);
        Assert.False(client.Node.InInternalInit);
        Assert.Empty(client.Advance(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_delayed_client_waits_without_requests_until_sync_now()
    {
        var client = Client(new ReplicationOptions { DelayClient = true });
        Append(client, RecordKind.Commit);

        Assert.Empty(client.Run(n => n.Sync.Begin()));
        Assert.False(client.Node.Applier.Accepting);
        Assert.Equal(SyncPhase.Delayed, client.Node.Sync.Phase);
        Assert.Empty(client.Advance(TimeSpan.FromSeconds(10)));

        var actions = client.Command(new SyncNow());

        AssertSend(Assert.IsType<Send>(Assert.Single(actions)), RepMessageType.VerifyReq, client.Store.Records[0].Lsn, SendOptions.Anywhere);
        Assert.Equal(SyncPhase.Verify, client.Node.Sync.Phase);
    }

    [Fact]
    public void Sync_now_on_a_client_that_is_not_delayed_does_nothing()
    {
        var client = Client();
        Append(client, RecordKind.Commit);
        client.Run(n => n.Sync.Begin());
        client.Receive(Verify(client.Store.Records[0]));

        Assert.Empty(client.Command(new SyncNow()));
        Assert.Equal(SyncPhase.Off, client.Node.Sync.Phase);
    }

    [Fact]
    public void A_site_restarted_mid_init_is_not_electable_and_starts_init_over_instead_of_verifying()
    {
        var state = ClientState() with { InitSnapshotId = 77 };
        var client = new TestSite(1, state: state);
        Append(client, RecordKind.Commit, RecordKind.Commit);

        Assert.True(client.Node.InInternalInit);
        Assert.True(client.Node.LockedOut);

        var actions = client.Run(n => n.Sync.Begin());

        AssertUpdateRequest(Assert.IsType<Send>(Assert.Single(actions)), repeat: false, SendOptions.None);
        Assert.Equal(SyncPhase.Update, client.Node.Sync.Phase);
    }

    [Fact]
    public void A_new_master_during_internal_init_starts_init_over_with_it()
    {
        var client = Client();
        client.Run(n => n.Sync.Begin());
        client.Receive(Update(snapshotId: 5, chunks: 3, first: LogPositions.StartOfFile(1), end: LogPositions.StartOfFile(1)));
        Assert.Equal(SyncPhase.Page, client.Node.Sync.Phase);

        var actions = client.Run(n => n.Sync.Begin());

        AssertUpdateRequest(Assert.IsType<Send>(Assert.Single(actions)), repeat: false, SendOptions.None);
        Assert.Null(client.Node.Sync.Transfer);
    }

    [Fact]
    public void A_new_master_before_any_update_arrived_verifies_again_as_the_log_is_still_intact()
    {
        var client = Client();
        Append(client, RecordKind.Commit);
        var commit = client.Store.Records[0];
        client.Run(n => n.Sync.Begin());
        client.Receive(FromMaster(RepMessageType.VerifyFail, commit.Lsn));
        Assert.Equal(SyncPhase.Update, client.Node.Sync.Phase);

        var actions = client.Run(n => n.Sync.Begin());

        AssertSend(Assert.IsType<Send>(Assert.Single(actions)), RepMessageType.VerifyReq, commit.Lsn, SendOptions.Anywhere);
        Assert.False(client.Node.InInternalInit);
    }
}
