using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.TestMessages;

namespace OrleansRep.Replication.Tests;

public sealed class RolesTests
{
    // ---- start ----

    [Fact]
    public void Starting_as_client_persists_the_role_raises_CLIENT_and_broadcasts_NEWCLIENT()
    {
        var site = new TestSite(1, null, InGroup(3, new RepPersistentState { Gen = 4, Master = new SiteId(2) }));

        var actions = site.Command(new StartReplication(RepStartRole.Client));

        Assert.Equal(3, actions.Count);
        var persist = Assert.IsType<PersistState>(actions[0]);
        Assert.Equal(RepRole.Client, persist.State.Role);
        Assert.Equal(SiteId.None, persist.State.Master); // learned afresh: the answer to NEWCLIENT is synced with
        Assert.Equal(RepEventKind.Client, Assert.IsType<EmitEvent>(actions[1]).Event.Kind);
        var send = Assert.IsType<Send>(actions[2]);
        Assert.True(send.To.IsBroadcast);
        Assert.Equal(RepMessageType.NewClient, send.Message.Type);
    }

    [Fact]
    public void A_fresh_site_adds_itself_to_the_group_on_start()
    {
        var site = new TestSite(7, new ReplicationOptions { Priority = 42 });

        site.Command(new StartReplication(RepStartRole.Client));

        Assert.Equal(new SiteInfo(new SiteId(7), "", 42), Assert.Single(site.Store.State.Sites).Value);
    }

    [Fact]
    public void Becoming_master_persists_gen_role_and_history_before_NEWMASTER_then_raises_MASTER()
    {
        var store = new MemoryReplicaStore();
        store.AppendLocal(RecordKind.Commit, new byte[40]);
        var site = new TestSite(1, null, InGroup(3, new RepPersistentState { Gen = 4, Egen = 7 }), store);

        var actions = site.Command(new StartReplication(RepStartRole.Master));

        var persist = actions.IndexOf<PersistState>(p => p.State.Role == RepRole.Master);
        var newMaster = actions.IndexOf<Send>(s => s.Message.Type == RepMessageType.NewMaster);
        var masterEvent = actions.IndexOf<EmitEvent>(e => e.Event.Kind == RepEventKind.Master);
        Assert.True(persist >= 0 && persist < newMaster && newMaster < masterEvent, $"persist {persist}, NEWMASTER {newMaster}, MASTER {masterEvent}");
        var state = ((PersistState)actions[persist]).State;
        Assert.Equal(7u, state.Gen); // max(gen + 1, egen)
        Assert.Equal(8u, state.Egen);
        Assert.Equal(new SiteId(1), state.Master);
        Assert.True(state.GroupEstablished);
        Assert.Equal(new GenerationStart(7, new SiteId(1), store.LogEnd), state.History[^1]);
        Assert.Equal(7u, state.SyncedGen); // its log is this generation's master's log
        var send = (Send)actions[newMaster];
        Assert.True(send.To.IsBroadcast);
        Assert.Equal(7u, send.Message.Gen);
        Assert.True(send.Message.Has(RepControl.GroupEstablished));
        Assert.Equal(new NewMasterPayload(store.LogEnd), send.Message.Payload);
        Assert.DoesNotContain(RepEventKind.Elected, actions.EventKinds());
    }

    [Fact]
    public void Starting_as_master_twice_in_one_run_keeps_the_gen()
    {
        var site = new TestSite(1, null, InGroup(3));
        site.Command(new StartReplication(RepStartRole.Master));

        var again = site.Command(new StartReplication(RepStartRole.Master));

        Assert.Equal(1u, site.Node.Gen);
        Assert.Single(again.SendsOf(RepMessageType.NewMaster));
        Assert.Empty(again.OfType<PersistState>());
    }

    [Fact]
    public void A_restarted_master_takes_a_new_gen()
    {
        var site = StartedMaster(1, 3);
        var restarted = new TestSite(1, null, site.Store.State, site.Store);

        restarted.Command(new StartReplication(RepStartRole.Master));

        Assert.Equal(2u, restarted.Node.Gen);
        Assert.Equal([1u, 2u], restarted.Store.State.History.Select(h => h.Gen));
    }

    [Fact]
    public void Starting_as_master_during_internal_init_is_refused()
    {
        var site = new TestSite(1, null, new RepPersistentState { InitSnapshotId = 3 });
        var before = site.Node.State;

        Assert.Throws<CommandRefusedException>(() => site.Command(new StartReplication(RepStartRole.Master)));

        Assert.Same(before, site.Node.State);
        Assert.Empty(site.Advance(TimeSpan.FromSeconds(1))); // nothing left over from the refused command
    }

    [Fact]
    public void A_restarted_master_is_dormant_until_started()
    {
        var options = new ReplicationOptions { HeartbeatSend = TimeSpan.FromSeconds(1) };
        var site = StartedMaster(1, 3, options);
        var restarted = new TestSite(1, options, site.Store.State, site.Store);

        Assert.Empty(restarted.Advance(TimeSpan.FromSeconds(5)));
        Assert.Empty(restarted.Receive(Vote1(2, Vote(2), gen: 1)));
        Assert.Empty(restarted.Receive(Of(RepMessageType.Log, 2, 1, new RecordPayload(TestSite.Record(new Lsn(1, 28))), new Lsn(1, 28))));
        Assert.Empty(restarted.Receive(Of(RepMessageType.NewClient, 2, 1)));
        Assert.Equal(RepRole.Master, restarted.Node.Role);

        restarted.Command(new StartReplication(RepStartRole.Master));
        Assert.Single(restarted.Advance(TimeSpan.FromSeconds(1)).SendsOf(RepMessageType.Heartbeat));
    }

    [Fact]
    public void Starting_in_election_mode_starts_as_client_and_votes()
    {
        var site = new TestSite(1, null, InGroup(3));

        var actions = site.Command(new StartReplication(RepStartRole.Election));

        Assert.Equal(RepRole.Client, site.Node.Role);
        Assert.Single(actions.SendsOf(RepMessageType.NewClient));
        Assert.Single(actions.SendsOf(RepMessageType.Vote1));
        Assert.True(site.Node.Elector.InElection);
    }

    // ---- a new master ----

    [Fact]
    public void A_client_adopts_a_new_master_once_per_gen()
    {
        var site = StartedClient(1, 3);

        var first = site.Receive(Of(RepMessageType.NewMaster, 2, 3, new NewMasterPayload(new Lsn(1, 100)), new Lsn(1, 400)));

        Assert.Equal([RepEventKind.NewMaster], first.EventKinds());
        var persisted = Assert.Single(first.OfType<PersistState>()).State;
        Assert.Equal(3u, persisted.Gen);
        Assert.Equal(new SiteId(2), persisted.Master);
        Assert.Equal(4u, persisted.Egen);
        Assert.Equal(new GenerationStart(3, new SiteId(2), new Lsn(1, 100)), persisted.History[^1]);
        Assert.Equal(0u, persisted.SyncedGen); // not before its log is verified against the new master's
        Assert.Equal(new SiteId(2), Assert.Single(first.OfType<EmitEvent>()).Event.Site);

        Assert.Empty(site.Receive(Of(RepMessageType.NewMaster, 2, 3, new NewMasterPayload(new Lsn(1, 100)), new Lsn(1, 500))));

        var next = site.Receive(Of(RepMessageType.NewMaster, 3, 4, new NewMasterPayload(new Lsn(1, 500)), new Lsn(1, 500)));
        Assert.Equal([RepEventKind.NewMaster], next.EventKinds());
        Assert.Equal(new SiteId(3), site.Node.Master);
        Assert.Equal([3u, 4u], site.Store.State.History.Select(h => h.Gen));
    }

    [Fact]
    public void A_client_raises_STARTUPDONE_once_per_new_master_when_its_sync_reaches_the_masters_log_end()
    {
        // Integration of Roles, ClientSync and ClientApplier (scenario election-on-startup showed no STARTUPDONE at
        // all): __rep_new_master clears "start-up done"; the verify match asks ALL_REQ from the match, whose stream
        // ends with a LOG_END record that sets it again, even when the master has nothing newer.
        // Equal logs (one commit each), so the clients sync by VERIFY and ALL_REQ, not by internal init.
        var group = new TestGroup(3, stores: _ =>
        {
            var store = new MemoryReplicaStore();
            store.AppendLocal(RecordKind.Commit, new byte[40]);
            store.MakeDurable();
            return store;
        });
        group.Command(1, new StartReplication(RepStartRole.Master));
        group.Command(2, new StartReplication(RepStartRole.Client));
        group.Command(3, new StartReplication(RepStartRole.Client));
        Assert.Equal([new RepEvent(RepEventKind.StartupDone, 1, new SiteId(1))], TestSite.Events(group[2].Log).Where(e => e.Kind == RepEventKind.StartupDone));
        Assert.True(group[2].Node.Applier.StartupComplete);

        Groups.Commit(group[1], 1);
        group.Run(TimeSpan.FromMilliseconds(500));
        Assert.Single(group[2].Log.EventKinds(), k => k == RepEventKind.StartupDone); // once per master

        // Re-adopting the same gen's master (site2 restarts as client and syncs again) does not raise it twice.
        group[2].Command(new StartReplication(RepStartRole.Client));
        group.Pump();
        group.Run(TimeSpan.FromMilliseconds(500));
        Assert.Single(group[2].Log.EventKinds(), k => k == RepEventKind.StartupDone);

        group.Command(3, new Promote(PromotionMode.Fast));
        group.RunDurably(TimeSpan.FromSeconds(3));
        Groups.Commit(group[3], 2);
        group.Run(TimeSpan.FromMilliseconds(500));
        Assert.Equal(
            [new RepEvent(RepEventKind.StartupDone, 1, new SiteId(1)), new RepEvent(RepEventKind.StartupDone, 2, new SiteId(3))],
            TestSite.Events(group[2].Log).Where(e => e.Kind == RepEventKind.StartupDone));
    }

    [Fact]
    public void An_older_NEWMASTER_is_dropped()
    {
        var site = StartedClient(1, 3);
        site.Receive(Of(RepMessageType.NewMaster, 2, 3));

        var actions = site.Receive(Of(RepMessageType.NewMaster, 3, 2));

        Assert.Empty(actions);
        Assert.Equal(new SiteId(2), site.Node.Master);
    }

    [Fact]
    public void A_master_answers_NEWCLIENT_with_a_broadcast_NEWMASTER_and_MASTER_REQ_to_the_requester()
    {
        var master = StartedMaster(1, 3);

        var toNewClient = Assert.Single(master.Receive(Of(RepMessageType.NewClient, 2, 0)).SendsOf(RepMessageType.NewMaster));
        var toRequester = Assert.Single(master.Receive(Of(RepMessageType.MasterReq, 3, 0)).SendsOf(RepMessageType.NewMaster));

        Assert.True(toNewClient.To.IsBroadcast);
        Assert.Equal(Destination.To(new SiteId(3)), toRequester.To);
        Assert.Equal(1u, toRequester.Message.Gen);
    }

    [Fact]
    public void A_client_ignores_NEWCLIENT_and_MASTER_REQ_of_its_generation()
    {
        var site = StartedClient(1, 3);

        Assert.Empty(site.Receive(Of(RepMessageType.NewClient, 2, 0)));
        Assert.Empty(site.Receive(Of(RepMessageType.MasterReq, 2, 0)));
    }

    [Fact]
    public void A_client_that_gets_log_of_a_newer_generation_drops_it_and_broadcasts_MASTER_REQ_with_back_off()
    {
        // Seed 1007: a client that missed the NEWMASTER of gen 8 kept following the gen-5 master for good.
        var site = StartedClient(1, 3, state: new RepPersistentState { Gen = 4, Master = new SiteId(2) });
        site.Advance(TimeSpan.FromMilliseconds(50));
        var log = Of(RepMessageType.Log, 2, 6, new RecordPayload(TestSite.Record(new Lsn(1, 28), RecordKind.Commit)), new Lsn(1, 28));

        var request = Assert.Single(site.Receive(log).SendsOf(RepMessageType.MasterReq));

        Assert.True(request.To.IsBroadcast);
        Assert.Equal(4u, site.Store.State.Gen);
        Assert.Empty(site.Receive(log).SendsOf(RepMessageType.MasterReq)); // the gap back-off holds the next one
        Assert.Empty(site.Store.Records);
    }

    // ---- duplicate masters ----

    [Fact]
    public void A_master_seeing_log_traffic_from_another_site_broadcasts_DUPMASTER_demotes_and_elects()
    {
        var master = StartedMaster(1, 3);

        var actions = master.Receive(Of(RepMessageType.Log, 2, 1, new RecordPayload(TestSite.Record(new Lsn(1, 28))), new Lsn(1, 28)));

        var dup = Assert.Single(actions.SendsOf(RepMessageType.DupMaster));
        Assert.True(dup.To.IsBroadcast);
        Assert.Equal([RepEventKind.DupMaster, RepEventKind.Client], actions.EventKinds());
        Assert.Equal(RepRole.Client, master.Node.Role);
        Assert.Equal(SiteId.None, master.Node.Master);
        Assert.Single(actions.SendsOf(RepMessageType.Vote1));
        Assert.True(actions.IndexOf<Send>(s => s.Message.Type == RepMessageType.DupMaster) < actions.IndexOf<PersistState>(p => p.State.Role == RepRole.Client));
    }

    [Fact]
    public void Without_elections_a_duplicate_master_only_steps_down()
    {
        var master = StartedMaster(1, 3, new ReplicationOptions { Elections = false });

        var actions = master.Receive(Of(RepMessageType.Heartbeat, 2, 1));

        Assert.Single(actions.SendsOf(RepMessageType.DupMaster));
        Assert.Empty(actions.SendsOf(RepMessageType.Vote1));
        Assert.Equal(RepRole.Client, master.Node.Role);
    }

    [Fact]
    public void A_master_seeing_a_newer_generation_steps_down()
    {
        var master = StartedMaster(1, 3);

        var actions = master.Receive(Vote1(2, Vote(5), gen: 4));

        Assert.Equal([RepEventKind.DupMaster, RepEventKind.Client], actions.EventKinds());
        Assert.Equal(RepRole.Client, master.Node.Role);
    }

    [Fact]
    public void With_leases_a_duplicate_master_steps_down_without_broadcasting_or_electing()
    {
        var leases = new ReplicationOptions { Leases = true, LeaseTimeout = TimeSpan.FromSeconds(5) };
        var master = new TestSite(1, leases, InGroup(1));
        master.Command(new StartReplication(RepStartRole.Master));

        var actions = master.Receive(Of(RepMessageType.Heartbeat, 2, 1));

        Assert.Empty(actions.SendsOf(RepMessageType.DupMaster));
        Assert.Empty(actions.SendsOf(RepMessageType.Vote1));
        Assert.Equal([RepEventKind.DupMaster, RepEventKind.Client], actions.EventKinds());
    }

    [Fact]
    public void With_leases_a_group_gets_masters_by_election_or_promotion_never_by_start()
    {
        var leases = new ReplicationOptions { Leases = true, LeaseTimeout = TimeSpan.FromSeconds(5) };
        var site = new TestSite(1, leases, InGroup(3));
        var before = site.Node.State;

        Assert.Throws<CommandRefusedException>(() => site.Command(new StartReplication(RepStartRole.Master)));
        Assert.Same(before, site.Node.State);

        site.Command(new StartReplication(RepStartRole.Client));
        var actions = site.Command(new Promote(PromotionMode.Fast)); // it gave no lease grant (PromotionTests: one that did waits)
        Assert.True(((VotePayload)Assert.Single(actions.SendsOf(RepMessageType.Vote1)).Message.Payload!).Appointed);
    }

    [Fact]
    public void A_master_receiving_DUPMASTER_of_an_equal_or_newer_gen_demotes_but_not_of_an_older_one()
    {
        var master = StartedMaster(1, 3, state: new RepPersistentState { Gen = 4, Egen = 5 });
        Assert.Equal(5u, master.Node.Gen);

        Assert.Empty(master.Receive(Of(RepMessageType.DupMaster, 2, 4)));
        Assert.Equal(RepRole.Master, master.Node.Role);

        var actions = master.Receive(Of(RepMessageType.DupMaster, 2, 5));
        Assert.Equal([RepEventKind.DupMaster, RepEventKind.Client], actions.EventKinds());
        Assert.Empty(actions.SendsOf(RepMessageType.DupMaster));
        Assert.Equal(RepRole.Client, master.Node.Role);
    }

    [Fact]
    public void A_master_receiving_NEWMASTER_of_a_higher_gen_steps_down_and_follows_it()
    {
        var master = StartedMaster(1, 3);

        var actions = master.Receive(Of(RepMessageType.NewMaster, 2, 3, new NewMasterPayload(new Lsn(1, 28))));

        Assert.Single(actions.SendsOf(RepMessageType.DupMaster));
        Assert.Equal([RepEventKind.DupMaster, RepEventKind.Client, RepEventKind.NewMaster], actions.EventKinds());
        Assert.Empty(actions.SendsOf(RepMessageType.Vote1));
        Assert.Equal(RepRole.Client, master.Node.Role);
        Assert.Equal(new SiteId(2), master.Node.Master);
        Assert.Equal(3u, master.Node.Gen);
    }

    [Fact]
    public void Two_masters_of_one_generation_both_step_down_and_the_group_elects_one()
    {
        var group = new TestGroup(3);
        group.Cut(1, 2);
        group.Cut(1, 3);
        group.Cut(2, 3);
        group.Command(1, new StartReplication(RepStartRole.Master));
        group.Command(2, new StartReplication(RepStartRole.Master));
        group.Command(3, new StartReplication(RepStartRole.Client));
        Assert.Equal(2, group.Masters.Count);
        group.Heal();

        group.Command(3, new StartReplication(RepStartRole.Client)); // site 3 asks: both masters answer
        group.Run(TimeSpan.FromSeconds(10));

        var master = Assert.Single(group.Masters);
        Assert.All(group.Sites, s => Assert.Equal(master.Id, s.Node.Master));
        Assert.All(group.Sites, s => Assert.Equal(master.Node.Gen, s.Node.Gen));
        Assert.Contains(RepEventKind.DupMaster, group[1].Log.EventKinds());
        Assert.Contains(RepEventKind.DupMaster, group[2].Log.EventKinds());
    }

    // ---- promotion ----

    [Fact]
    public void Fast_promotion_wins_an_appointed_election_then_checkpoints()
    {
        var group = GroupWithMaster();

        var actions = group.Command(3, new Promote(PromotionMode.Fast));
        var vote = Assert.Single(actions.SendsOf(RepMessageType.Vote1));
        Assert.True(((VotePayload)vote.Message.Payload!).Appointed);

        group.RunDurably(TimeSpan.FromSeconds(3));

        var site = group[3];
        Assert.Equal(RepRole.Master, site.Node.Role);
        Assert.Equal(2u, site.Node.Gen);
        var log = site.Log;
        var newMaster = log.IndexOf<Send>(s => s.Message.Type == RepMessageType.NewMaster);
        var checkpoint = log.IndexOf<Checkpoint>(_ => true);
        Assert.True(newMaster >= 0 && checkpoint > newMaster);
        Assert.Equal([RepEventKind.Master, RepEventKind.Promoted], log.EventKinds().Where(k => k is RepEventKind.Master or RepEventKind.Promoted));
        Assert.All(group.Sites, s => Assert.Equal(site.Id, s.Node.Master));
    }

    [Fact]
    public void Checkpoint_first_promotion_holds_its_election_when_the_checkpoint_completes()
    {
        var group = GroupWithMaster();

        var actions = group.Command(3, new Promote(PromotionMode.CheckpointFirst));
        var checkpoint = Assert.IsType<Checkpoint>(Assert.Single(actions));
        group.RunDurably(TimeSpan.FromSeconds(3));
        Assert.Equal(RepRole.Client, group[3].Node.Role);

        Assert.Empty(group[3].Step(new Completed(checkpoint.ActionId + 100, true)));
        group[3].Step(new Completed(checkpoint.ActionId, true));
        group.Pump();
        group.RunDurably(TimeSpan.FromSeconds(3));

        Assert.Equal(RepRole.Master, group[3].Node.Role);
        Assert.Equal(2u, group[3].Node.Gen);
        Assert.Contains(RepEventKind.Promoted, group[3].Log.EventKinds());
    }

    [Fact]
    public void A_promotion_that_cannot_win_its_election_in_time_reports_PROMOTION_FAILED()
    {
        var group = GroupWithMaster();
        group.Cut(3, 2); // site 3 hears only the master, which never votes

        group.Command(3, new Promote(PromotionMode.Fast, Timeout: TimeSpan.FromSeconds(5)));
        group.RunDurably(TimeSpan.FromSeconds(6));

        Assert.Equal(RepRole.Client, group[3].Node.Role);
        Assert.Single(group[3].Log.EventKinds(), k => k == RepEventKind.PromotionFailed);
        Assert.Equal(new SiteId(1), Assert.Single(group.Masters).Id);
    }

    /// <summary>Three sites, site 1 master of gen 1, sites 2 and 3 its synced clients.</summary>
    private static TestGroup GroupWithMaster()
    {
        var group = new TestGroup(3);
        group.Command(1, new StartReplication(RepStartRole.Master));
        group.Command(2, new StartReplication(RepStartRole.Client));
        group.Command(3, new StartReplication(RepStartRole.Client));
        group.Run(TimeSpan.FromMilliseconds(500));
        return group;
    }

    [Fact]
    public void A_failed_checkpoint_leaves_the_site_a_client_and_reports_PROMOTION_FAILED()
    {
        var site = StartedClient(1, 3);
        site.Receive(Of(RepMessageType.NewMaster, 2, 3));
        var checkpoint = Assert.IsType<Checkpoint>(Assert.Single(site.Command(new Promote(PromotionMode.CheckpointFirst))));

        var actions = site.Step(new Completed(checkpoint.ActionId, false));

        Assert.Equal([RepEventKind.PromotionFailed], actions.EventKinds());
        Assert.Equal(RepRole.Client, site.Node.Role);
        Assert.Equal(new SiteId(2), site.Node.Master);
    }

    [Fact]
    public void Promoting_a_master_is_a_no_op()
    {
        var master = StartedMaster(1, 3);

        Assert.Empty(master.Command(new Promote(PromotionMode.Fast)));
        Assert.Empty(master.Command(new Promote(PromotionMode.CheckpointFirst)));
        Assert.Equal(1u, master.Node.Gen);
    }

    [Fact]
    public void Promoting_during_internal_init_is_refused()
    {
        var site = StartedClient(1, 3, state: new RepPersistentState { InitSnapshotId = 5 });

        Assert.Throws<CommandRefusedException>(() => site.Command(new Promote(PromotionMode.Fast)));
        Assert.Equal(RepRole.Client, site.Node.Role);
    }

    [Fact]
    public void A_promoted_client_takes_over_the_group_and_the_old_master_steps_down()
    {
        var group = new TestGroup(3);
        group.Command(1, new StartReplication(RepStartRole.Master));
        group.Command(2, new StartReplication(RepStartRole.Client));
        group.Command(3, new StartReplication(RepStartRole.Client));

        group.Command(3, new Promote(PromotionMode.Fast));
        group.RunDurably(TimeSpan.FromSeconds(3));

        var master = Assert.Single(group.Masters);
        Assert.Equal(new SiteId(3), master.Id);
        Assert.All(group.Sites, s => Assert.Equal(new SiteId(3), s.Node.Master));
        Assert.Equal(2u, group[1].Node.Gen);
    }
}
