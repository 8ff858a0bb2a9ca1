using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.TestMessages;

namespace OrleansRep.Replication.Tests;

/// <summary>Voting: the egen persisted before VOTE1, the data generation voted, joining, restarting and leaving elections, and votes dropped or refused.</summary>
public sealed class ElectorTests
{
    [Fact]
    public void The_egen_plus_one_is_persisted_before_VOTE1_goes_out_and_apply_is_locked_out()
    {
        var store = new MemoryReplicaStore();
        store.AppendLocal(RecordKind.Data, new byte[40]);
        var commit = store.AppendLocal(RecordKind.Commit, new byte[40]);
        store.AppendLocal(RecordKind.Data, new byte[40]);
        var state = InGroup(3) with { Egen = 4, Gen = 3, History = [new GenerationStart(2, new SiteId(2), new Lsn(1, 0)), new GenerationStart(3, new SiteId(3), new Lsn(1, 0))], SyncedGen = 3 };
        var site = new TestSite(1, null, state, store);
        site.Command(new StartReplication(RepStartRole.Client));

        var actions = site.Command(new CallElection());

        var persist = actions.IndexOf<PersistState>(p => p.State.Egen == 5);
        var vote1 = actions.IndexOf<Send>(s => s.Message.Type == RepMessageType.Vote1);
        Assert.True(persist >= 0 && vote1 > persist, $"persist at {persist}, VOTE1 at {vote1}");
        var send = (Send)actions[vote1];
        Assert.True(send.To.IsBroadcast);
        var vote = Assert.IsType<VotePayload>(send.Message.Payload);
        Assert.Equal(Vote(4, nsites: 3, nvotes: 2, dataGen: 3, lastCommit: commit.Lsn, tiebreaker: VoteRanking.Tiebreaker(new SiteId(1), 4)), vote);
        Assert.False(site.Node.Applier.Accepting);
        Assert.True(site.Node.Elector.InElection);
    }

    [Fact]
    public void A_client_that_has_not_verified_against_the_new_master_votes_with_the_data_gen_of_the_log_it_holds()
    {
        // Seed 436499374: the deposed gen-5 master learned of gen 8 by NEWMASTER (history entry 8 at [1][100]) while its
        // log still ran far past that with its own gen-5 records. Voting data_gen 8 with that long log beat the site
        // that held gen 8's acknowledged writes. Until verify matches, the log is gen 5's.
        var store = new MemoryReplicaStore();
        for (var i = 0; i < 6; i++)
        {
            store.AppendLocal(RecordKind.Commit, new byte[40]);
        }

        var gen8Start = store.Records[2].Lsn; // below this site's end of log
        var state = InGroup(3) with
        {
            Gen = 8,
            Egen = 9,
            History = [new GenerationStart(5, new SiteId(1), new Lsn(1, 0)), new GenerationStart(8, new SiteId(3), gen8Start)],
            SyncedGen = 5,
        };
        var site = new TestSite(1, null, state, store);
        site.Command(new StartReplication(RepStartRole.Client));

        var vote = Assert.IsType<VotePayload>(site.Command(new CallElection()).SendsOf(RepMessageType.Vote1).Single().Message.Payload);

        Assert.Equal(5u, vote.DataGen);
    }

    [Fact]
    public void A_generation_whose_records_the_log_does_not_reach_is_not_the_data_gen()
    {
        // Seed 1777905581: a client verified against the gen-6 master (whose records start at [2][...]) but had received
        // only gen-1 records when that master crashed; voting data_gen 6 beat the old gen-1 master holding acknowledged
        // gen-1 writes further on. Entry 6 counts once the log reaches past its start.
        var store = new MemoryReplicaStore();
        store.AppendLocal(RecordKind.Commit, new byte[40]);
        var state = InGroup(3) with
        {
            Gen = 6,
            Egen = 7,
            History = [new GenerationStart(1, new SiteId(2), new Lsn(1, 0)), new GenerationStart(6, new SiteId(3), new Lsn(2, 28))],
            SyncedGen = 6,
        };

        Assert.Equal(1u, Vote.DataGen(state, store.LogEnd));
        Assert.Equal(6u, Vote.DataGen(state, new Lsn(2, 29)));
        Assert.Equal(1u, Vote.DataGen(state, new Lsn(2, 28))); // the entry's own start: nothing of gen 6 held yet
        Assert.Equal(0u, Vote.DataGen(state with { SyncedGen = 0 }, store.LogEnd));
    }

    [Fact]
    public void A_restarted_site_never_votes_twice_in_one_egen()
    {
        var first = StartedClient(1, 3);
        first.Command(new CallElection());
        Assert.Equal(2u, first.Store.State.Egen);

        // Crash mid-election: the new incarnation finds egen 2 persisted.
        first.Store.Crash();
        var restarted = new TestSite(1, null, first.Store.State, first.Store);
        restarted.Command(new StartReplication(RepStartRole.Client));

        var answer = restarted.Receive(Vote1(2, Vote(1)));

        Assert.Empty(answer.SendsOf(RepMessageType.Vote1));
        var alive = Assert.Single(answer.SendsOf(RepMessageType.Alive));
        Assert.Equal(Destination.To(new SiteId(2)), alive.To);
        Assert.Equal(new AlivePayload(2), alive.Message.Payload);

        var vote = Assert.Single(restarted.Command(new CallElection()).SendsOf(RepMessageType.Vote1));
        Assert.Equal(2u, ((VotePayload)vote.Message.Payload!).Egen);
    }

    [Fact]
    public void A_site_not_in_an_election_joins_as_invitee_in_the_voters_egen()
    {
        var site = StartedClient(1, 3);

        var actions = site.Receive(Vote1(2, Vote(3, nsites: 3, nvotes: 2)));

        var persist = actions.IndexOf<PersistState>(p => p.State.Egen == 4);
        var vote1 = actions.IndexOf<Send>(s => s.Message.Type == RepMessageType.Vote1);
        Assert.True(persist >= 0 && vote1 > persist);
        Assert.Equal(3u, ((VotePayload)((Send)actions[vote1]).Message.Payload!).Egen);
        Assert.Equal(2, site.Node.Elector.Round!.Voters);
    }

    [Fact]
    public void A_late_joiner_gets_this_sites_vote_again_but_an_inviter_does_not()
    {
        var site = StartedClient(1, 3);
        site.Command(new CallElection());

        var late = site.Receive(Vote1(2, Vote(1)));
        var resent = Assert.Single(late.SendsOf(RepMessageType.Vote1));
        Assert.Equal(Destination.To(new SiteId(2)), resent.To);
        Assert.Equal(1u, ((VotePayload)resent.Message.Payload!).Egen);
        Assert.Empty(site.Receive(Vote1(2, Vote(1))).SendsOf(RepMessageType.Vote1)); // a repeat is absorbed

        var invitee = StartedClient(3, 3);
        var joined = invitee.Receive(Vote1(1, Vote(1)));
        Assert.True(Assert.Single(joined.SendsOf(RepMessageType.Vote1)).To.IsBroadcast);
    }

    [Fact]
    public void An_older_egen_is_answered_with_ALIVE_and_a_newer_egen_aborts_the_election_under_way()
    {
        var site = StartedClient(1, 5, state: new RepPersistentState { Egen = 3 });
        site.Command(new CallElection());
        Assert.Equal(3u, site.Node.Elector.CurrentEgen);

        var old = site.Receive(Vote1(2, Vote(2)));
        Assert.Equal(new AlivePayload(3), Assert.Single(old.SendsOf(RepMessageType.Alive)).Message.Payload);

        var newer = site.Receive(Vote1(2, Vote(6, nsites: 5, nvotes: 3)));
        var vote = Assert.Single(newer.SendsOf(RepMessageType.Vote1));
        Assert.Equal(6u, ((VotePayload)vote.Message.Payload!).Egen);
        Assert.Equal(7u, site.Store.State.Egen);
        Assert.Equal(6u, site.Node.Elector.CurrentEgen);
        Assert.Equal(2, site.Node.Elector.Round!.Voters);
    }

    [Fact]
    public void A_client_following_a_live_master_leaves_older_voters_to_the_master()
    {
        var site = StartedClient(1, 3, state: new RepPersistentState { Egen = 5 });
        site.Receive(Of(RepMessageType.NewMaster, 2, 1));

        Assert.Empty(site.Receive(Vote1(3, Vote(4), gen: 1)));
    }

    [Fact]
    public void ALIVE_of_a_newer_egen_restarts_the_election_in_that_egen()
    {
        var site = StartedClient(1, 3);
        site.Command(new CallElection());

        var actions = site.Receive(Of(RepMessageType.Alive, 2, 0, new AlivePayload(5)));

        Assert.Equal(5u, ((VotePayload)Assert.Single(actions.SendsOf(RepMessageType.Vote1)).Message.Payload!).Egen);
        Assert.Equal(6u, site.Store.State.Egen);
    }

    [Fact]
    public void A_client_that_learns_a_newer_generation_abandons_a_stale_election_and_joins_the_newer_one()
    {
        var site = StartedClient(1, 3, state: new RepPersistentState { Gen = 1, Egen = 2 });
        site.Command(new CallElection());
        Assert.Equal(2u, site.Node.Elector.CurrentEgen);

        // A vote of gen 4: some master had gen 4, so an election in egen 2 is stale.
        var actions = site.Receive(Vote1(2, Vote(6), gen: 4));

        Assert.Equal(4u, site.Node.Gen);
        Assert.Equal(6u, site.Node.Elector.CurrentEgen);
        Assert.Equal(6u, ((VotePayload)Assert.Single(actions.SendsOf(RepMessageType.Vote1)).Message.Payload!).Egen);
    }

    [Fact]
    public void A_client_that_loses_its_master_to_a_newer_generation_elects_if_no_master_turns_up()
    {
        var site = StartedClient(1, 3);
        site.Receive(Of(RepMessageType.NewMaster, 2, 1));

        site.Receive(Of(RepMessageType.Alive, 3, 2, new AlivePayload(3)));
        Assert.Equal(SiteId.None, site.Node.Master);

        Assert.Empty(site.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1)).SendsOf(RepMessageType.Vote1));
        Assert.Single(site.Advance(TimeSpan.FromMilliseconds(1)).SendsOf(RepMessageType.Vote1));
    }

    [Fact]
    public void A_client_started_without_a_master_does_not_elect_on_its_own()
    {
        var site = StartedClient(1, 3);

        Assert.Empty(site.Advance(TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void A_master_answers_a_VOTE1_with_NEWMASTER()
    {
        var master = StartedMaster(1, 3);

        var actions = master.Receive(Vote1(2, Vote(2)));

        var newMaster = Assert.Single(actions.SendsOf(RepMessageType.NewMaster));
        Assert.Equal(Destination.To(new SiteId(2)), newMaster.To);
        Assert.Equal(RepRole.Master, master.Node.Role);
    }

    [Fact]
    public void A_malformed_vote_is_dropped_and_changes_nothing()
    {
        var site = StartedClient(1, 3);
        var before = site.Node.State;

        var actions = site.Receive(Of(RepMessageType.Vote1, 2, 0, new AlivePayload(1)));

        Assert.Empty(actions);
        Assert.Same(before, site.Node.State);
        Assert.Equal(1, site.Node.Dropped);
    }

    [Fact]
    public void Generations_at_the_end_of_the_range_are_dropped_so_they_cannot_wrap_around()
    {
        var site = StartedClient(1, 3);
        var before = site.Node.State;

        Assert.Empty(site.Receive(Vote1(2, Vote(uint.MaxValue))));
        Assert.Empty(site.Receive(Of(RepMessageType.Alive, 2, 0, new AlivePayload(uint.MaxValue - 1))));
        Assert.Empty(site.Receive(Of(RepMessageType.NewMaster, 2, uint.MaxValue)));

        Assert.Same(before, site.Node.State);
        Assert.Equal(3, site.Node.Dropped);
    }

    [Fact]
    public void Calling_an_election_before_starting_is_refused()
    {
        var site = new TestSite(1);

        Assert.Throws<CommandRefusedException>(() => site.Command(new CallElection()));
    }
}
