using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.TestMessages;

namespace OrleansRep.Replication.Tests;

public sealed class HeartbeatTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void A_master_sends_a_heartbeat_with_its_max_perm_lsn_after_a_quiet_spell()
    {
        var store = new MemoryReplicaStore();
        var commit = store.AppendLocal(RecordKind.Commit, new byte[40]);
        store.AppendLocal(RecordKind.Data, new byte[40]);
        var master = new TestSite(1, new ReplicationOptions { HeartbeatSend = TimeSpan.FromSeconds(1) }, InGroup(3), store);
        master.Command(new Inputs.StartReplication(Inputs.RepStartRole.Master));

        Assert.Empty(master.Advance(TimeSpan.FromSeconds(1) - Ms).SendsOf(RepMessageType.Heartbeat));
        var heartbeat = Assert.Single(master.Advance(Ms).SendsOf(RepMessageType.Heartbeat));

        Assert.True(heartbeat.To.IsBroadcast);
        Assert.Equal(1u, heartbeat.Message.Gen);
        Assert.Equal(commit.Lsn, heartbeat.Message.Lsn);

        // The heartbeat is itself a broadcast: the next one is a full interval later.
        Assert.Empty(master.Advance(TimeSpan.FromSeconds(1) - Ms).SendsOf(RepMessageType.Heartbeat));
        Assert.Single(master.Advance(Ms).SendsOf(RepMessageType.Heartbeat));
    }

    [Fact]
    public void Any_broadcast_postpones_the_heartbeat()
    {
        var master = StartedMaster(1, 3, new ReplicationOptions { HeartbeatSend = TimeSpan.FromSeconds(1) });
        master.Advance(TimeSpan.FromMilliseconds(600));

        master.Receive(Of(RepMessageType.NewClient, 2, 0)); // answered with a broadcast NEWMASTER

        Assert.Empty(master.Advance(TimeSpan.FromMilliseconds(999)).SendsOf(RepMessageType.Heartbeat));
        Assert.Single(master.Advance(Ms).SendsOf(RepMessageType.Heartbeat));
    }

    [Fact]
    public void Heartbeats_are_off_by_default()
    {
        var master = StartedMaster(1, 3);

        Assert.Empty(master.Advance(TimeSpan.FromMinutes(10)).SendsOf(RepMessageType.Heartbeat));
    }

    [Fact]
    public void A_client_hearing_nothing_from_its_master_raises_MASTER_FAILURE_and_starts_a_fast_election()
    {
        var client = StartedClient(2, 3, new ReplicationOptions { HeartbeatMonitor = TimeSpan.FromSeconds(3) });
        client.Receive(Of(RepMessageType.NewMaster, 1, 1));

        Assert.Empty(client.Advance(TimeSpan.FromSeconds(3) - Ms).EventKinds());
        var actions = client.Advance(Ms);

        Assert.Equal([RepEventKind.MasterFailure], actions.EventKinds());
        Assert.Equal(new SiteId(1), TestSite.Events(actions).Single().Site);
        Assert.Equal(SiteId.None, client.Node.Master);
        var vote = (VotePayload)Assert.Single(actions.SendsOf(RepMessageType.Vote1)).Message.Payload!;
        Assert.Equal(2, vote.Nsites); // the group less the lost master
        Assert.Equal(2, vote.Nvotes);
    }

    [Fact]
    public void Traffic_from_the_master_keeps_the_monitor_quiet()
    {
        var client = StartedClient(2, 3, new ReplicationOptions { HeartbeatMonitor = TimeSpan.FromSeconds(3) });
        client.Receive(Of(RepMessageType.NewMaster, 1, 1));
        client.Advance(TimeSpan.FromSeconds(2));

        client.Receive(Of(RepMessageType.Heartbeat, 1, 1));

        Assert.Empty(client.Advance(TimeSpan.FromSeconds(3) - Ms).EventKinds());
        Assert.Equal([RepEventKind.MasterFailure], client.Advance(Ms).EventKinds());
    }

    [Fact]
    public void Traffic_from_another_site_does_not_count_as_the_master_alive()
    {
        var client = StartedClient(2, 3, new ReplicationOptions { HeartbeatMonitor = TimeSpan.FromSeconds(3) });
        client.Receive(Of(RepMessageType.NewMaster, 1, 1));
        client.Advance(TimeSpan.FromSeconds(2));

        client.Receive(Of(RepMessageType.NewClient, 3, 1));

        Assert.Equal([RepEventKind.MasterFailure], client.Advance(TimeSpan.FromSeconds(1)).EventKinds());
    }

    [Fact]
    public void Without_elections_a_master_failure_is_only_reported()
    {
        var client = StartedClient(2, 3, new ReplicationOptions { HeartbeatMonitor = TimeSpan.FromSeconds(3), Elections = false });
        client.Receive(Of(RepMessageType.NewMaster, 1, 1));

        var actions = client.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal([RepEventKind.MasterFailure], actions.EventKinds());
        Assert.Empty(actions.SendsOf(RepMessageType.Vote1));
        Assert.Empty(client.Advance(TimeSpan.FromMinutes(1)).EventKinds());
    }

    [Fact]
    public void A_client_without_a_master_asks_the_sender_of_a_heartbeat()
    {
        var client = StartedClient(2, 3);

        var actions = client.Receive(Of(RepMessageType.Heartbeat, 1, 0));

        var request = Assert.Single(actions.SendsOf(RepMessageType.MasterReq));
        Assert.Equal(Destination.To(new SiteId(1)), request.To);
    }

    [Fact]
    public void A_heartbeat_of_a_newer_generation_makes_a_client_ask_for_the_master()
    {
        var client = StartedClient(2, 3);
        client.Receive(Of(RepMessageType.NewMaster, 1, 1));

        var actions = client.Receive(Of(RepMessageType.Heartbeat, 3, 2));

        Assert.Equal(Destination.To(new SiteId(3)), Assert.Single(actions.SendsOf(RepMessageType.MasterReq)).To);
        Assert.Equal(1u, client.Node.Gen);
    }

    [Fact]
    public void A_master_receiving_another_masters_heartbeat_steps_down()
    {
        var master = StartedMaster(1, 3);

        var actions = master.Receive(Of(RepMessageType.Heartbeat, 2, 1));

        Assert.Equal([RepEventKind.DupMaster, RepEventKind.Client], actions.EventKinds());
        Assert.Single(actions.SendsOf(RepMessageType.DupMaster));
    }

    [Fact]
    public void In_a_group_heartbeats_keep_the_clients_with_a_live_master_and_a_dead_one_is_replaced()
    {
        var options = new ReplicationOptions { HeartbeatSend = TimeSpan.FromSeconds(1), HeartbeatMonitor = TimeSpan.FromSeconds(3) };
        var group = new TestGroup(3, _ => options);
        group.Command(1, new Inputs.StartReplication(Inputs.RepStartRole.Master));
        group.Command(2, new Inputs.StartReplication(Inputs.RepStartRole.Client));
        group.Command(3, new Inputs.StartReplication(Inputs.RepStartRole.Client));

        group.Run(TimeSpan.FromSeconds(30));
        Assert.Equal(new SiteId(1), Assert.Single(group.Masters).Id);
        Assert.DoesNotContain(RepEventKind.MasterFailure, group[2].Log.EventKinds());

        group.Down.Add(new SiteId(1));
        group.Run(TimeSpan.FromSeconds(10));

        var master = Assert.Single(group.Masters);
        Assert.NotEqual(new SiteId(1), master.Id);
        Assert.Contains(RepEventKind.MasterFailure, group[2].Log.EventKinds());
        Assert.Equal(master.Id, group[2].Node.Master);
        Assert.Equal(master.Id, group[3].Node.Master);
    }
}
