using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.TestMessages;

namespace OrleansRep.Replication.Tests;

public sealed class ElectorTests
{
    private static readonly TimeSpan Timeout = new ReplicationOptions().ElectionTimeout;

    // ---- ranking (__rep_cmp_vote), seen from the outside: the VOTE2 goes to the winner ----

    [Fact]
    public void A_non_electable_vote_never_wins_even_with_the_latest_log()
    {
        var winner = WinnerAmong(
            Vote(1, priority: 0, electable: false, lastCommit: new Lsn(9, 0)),
            Vote(1, lastCommit: new Lsn(1, 100)));

        Assert.Equal(new SiteId(3), winner);
    }

    [Fact]
    public void A_non_zero_priority_beats_a_zero_priority_electable_vote_regardless_of_the_log()
    {
        var winner = WinnerAmong(
            Vote(1, priority: 0, electable: true, lastCommit: new Lsn(9, 0)),
            Vote(1, priority: 10, lastCommit: new Lsn(1, 100)));

        Assert.Equal(new SiteId(3), winner);
    }

    [Fact]
    public void A_newer_data_generation_beats_a_later_last_commit()
    {
        var winner = WinnerAmong(
            Vote(1, dataGen: 5, lastCommit: new Lsn(1, 100)),
            Vote(1, dataGen: 4, lastCommit: new Lsn(9, 0)));

        Assert.Equal(new SiteId(2), winner);
    }

    [Fact]
    public void At_equal_data_generation_the_later_last_commit_wins_over_a_higher_priority()
    {
        var winner = WinnerAmong(
            Vote(1, priority: 200, lastCommit: new Lsn(2, 0)),
            Vote(1, priority: 10, lastCommit: new Lsn(3, 0)));

        Assert.Equal(new SiteId(3), winner);
    }

    [Fact]
    public void At_an_equal_last_commit_the_higher_priority_wins()
    {
        var winner = WinnerAmong(
            Vote(1, priority: 50, lastCommit: new Lsn(3, 0), tiebreaker: 1),
            Vote(1, priority: 40, lastCommit: new Lsn(3, 0), tiebreaker: 9));

        Assert.Equal(new SiteId(2), winner);
    }

    [Fact]
    public void When_all_else_is_equal_the_higher_tiebreaker_wins()
    {
        var winner = WinnerAmong(
            Vote(1, lastCommit: new Lsn(3, 0), tiebreaker: 5),
            Vote(1, lastCommit: new Lsn(3, 0), tiebreaker: 9));

        Assert.Equal(new SiteId(3), winner);
    }

    [Fact]
    public void Ranking_rules_hold_pairwise()
    {
        Vote V(int site, VotePayload p) => new(new SiteId(site), p);

        Assert.False(VoteRanking.Beats(V(1, Vote(1, priority: 0, electable: false)), null));
        Assert.True(VoteRanking.Beats(V(1, Vote(1, priority: 0, electable: true)), null));
        Assert.False(VoteRanking.Beats(V(1, Vote(1, priority: 0, electable: true, lastCommit: new Lsn(9, 0))), V(2, Vote(1, priority: 1))));
        Assert.True(VoteRanking.Beats(V(1, Vote(1, dataGen: 2)), V(2, Vote(1, dataGen: 1, lastCommit: new Lsn(9, 0)))));
        Assert.True(VoteRanking.Beats(V(1, Vote(1, lastCommit: new Lsn(2, 1))), V(2, Vote(1, lastCommit: new Lsn(2, 0), priority: 255))));
        Assert.True(VoteRanking.Beats(V(1, Vote(1, priority: 2)), V(2, Vote(1, priority: 1, tiebreaker: 99))));
        Assert.True(VoteRanking.Beats(V(1, Vote(1, tiebreaker: 2)), V(2, Vote(1, tiebreaker: 1))));
        Assert.True(VoteRanking.Beats(V(2, Vote(1)), V(1, Vote(1))));
        Assert.False(VoteRanking.Beats(V(1, Vote(1)), V(2, Vote(1))));
    }

    [Fact]
    public void The_tiebreaker_is_fixed_per_site_and_egen_and_differs_between_them()
    {
        Assert.Equal(VoteRanking.Tiebreaker(new SiteId(1), 7), VoteRanking.Tiebreaker(new SiteId(1), 7));
        Assert.NotEqual(VoteRanking.Tiebreaker(new SiteId(1), 7), VoteRanking.Tiebreaker(new SiteId(2), 7));
        Assert.NotEqual(VoteRanking.Tiebreaker(new SiteId(1), 7), VoteRanking.Tiebreaker(new SiteId(1), 8));
    }

    // ---- the vote itself ----

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
    public void An_invitee_takes_the_inviters_fast_nsites_of_one_less_than_the_group()
    {
        var site = StartedClient(1, 3);

        site.Receive(Vote1(2, Vote(1, nsites: 2, nvotes: 2)));

        Assert.Equal(2, site.Node.Elector.Round!.Nsites);
        Assert.Equal(2, site.Node.Elector.Round!.Nvotes);
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
    public void Receivers_adopt_the_larger_nsites_and_nvotes()
    {
        var site = StartedClient(1, 3);
        site.Command(new CallElection());

        site.Receive(Vote1(2, Vote(1, nsites: 5, nvotes: 4)));

        Assert.Equal(5, site.Node.Elector.Round!.Nsites);
        Assert.Equal(4, site.Node.Elector.Round!.Nvotes);
    }

    [Fact]
    public void Nvotes_above_nsites_is_refused_and_changes_nothing()
    {
        var site = StartedClient(1, 3);
        var before = site.Store.State;

        Assert.Throws<InvalidElectionException>(() => site.Command(new CallElection(3, 4)));

        Assert.Same(before, site.Node.State);
        Assert.False(site.Node.Elector.InElection);
    }

    [Fact]
    public void Defaults_are_the_group_size_and_a_majority()
    {
        var site = StartedClient(1, 5);

        site.Command(new CallElection());

        Assert.Equal(5, site.Node.Elector.Round!.Nsites);
        Assert.Equal(3, site.Node.Elector.Round!.Nvotes);
    }

    [Theory]
    [InlineData(0, 0, 5, true, false, 5, 3)]
    [InlineData(0, 0, 2, true, false, 2, 2)]
    [InlineData(0, 0, 2, false, false, 2, 1)]
    [InlineData(0, 0, 2, true, true, 2, 2)]
    [InlineData(0, 0, 2, false, true, 1, 1)]
    [InlineData(0, 0, 3, true, true, 2, 2)]
    [InlineData(0, 0, 4, true, true, 3, 3)]
    [InlineData(7, 0, 3, true, false, 7, 4)]
    [InlineData(4, 4, 3, true, true, 4, 4)]
    public void Election_sizes_follow_rep_elect_and_repmgr(int nsites, int nvotes, int group, bool strict, bool fast, int expectedSites, int expectedVotes)
    {
        Assert.Equal(new ElectionSize(expectedSites, expectedVotes), ElectionSize.Resolve(nsites, nvotes, group, strict, fast));
    }

    [Fact]
    public void An_invitee_takes_the_inviters_nsites_only_if_it_is_one_less_than_its_own()
    {
        var own = new ElectionSize(5, 3);

        Assert.Equal(new ElectionSize(4, 3), own.AsInviteeOf(4));
        Assert.Equal(own, own.AsInviteeOf(3));
        Assert.Equal(own, own.AsInviteeOf(9));
        Assert.Equal(new ElectionSize(2, 2), new ElectionSize(2, 2).AsInviteeOf(1));
    }

    // ---- timeouts ----

    [Fact]
    public void Phase_one_ends_at_once_when_nsites_voted()
    {
        var site = StartedClient(1, 3);
        site.Command(new CallElection());
        site.Receive(Vote1(2, Vote(1, lastCommit: new Lsn(2, 0))));

        var actions = site.Receive(Vote1(3, Vote(1)));

        Assert.Equal(Destination.To(new SiteId(2)), Assert.Single(actions.SendsOf(RepMessageType.Vote2)).To);
    }

    [Fact]
    public void Phase_one_ends_at_the_election_timeout_with_nvotes_voters()
    {
        var site = StartedClient(1, 3);
        site.Command(new CallElection());
        site.Receive(Vote1(2, Vote(1, lastCommit: new Lsn(2, 0))));

        Assert.Empty(site.Advance(Timeout - TimeSpan.FromMilliseconds(1)).SendsOf(RepMessageType.Vote2));
        var actions = site.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(Destination.To(new SiteId(2)), Assert.Single(actions.SendsOf(RepMessageType.Vote2)).To);
    }

    [Fact]
    public void Too_few_voters_fail_the_election_and_it_is_retried_after_the_retry_wait()
    {
        var site = StartedClient(1, 3);
        site.Command(new CallElection());

        var failed = site.Advance(Timeout);
        Assert.Equal([RepEventKind.ElectionFailed], failed.EventKinds());
        Assert.True(site.Node.Applier.Accepting);
        Assert.False(site.Node.Elector.InElection);

        Assert.Empty(site.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1)).SendsOf(RepMessageType.Vote1));
        var retry = site.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2u, ((VotePayload)Assert.Single(retry.SendsOf(RepMessageType.Vote1)).Message.Payload!).Egen);
    }

    [Fact]
    public void The_winner_needs_nvotes_VOTE2s_and_then_becomes_master_with_ELECTED()
    {
        var site = StartedClient(1, 3, state: new RepPersistentState { Gen = 0 });
        site.Command(new CallElection());
        site.Receive(Vote1(2, Vote(1)));
        Assert.Empty(site.Receive(Vote1(3, Vote(1, priority: 0))).SendsOf(RepMessageType.Vote2));
        Assert.Equal(new SiteId(1), site.Node.Elector.Round!.Winner!.Site);
        Assert.Equal(2, site.Node.Elector.Round!.Phase);

        var actions = site.Receive(Vote2(3, 1));

        Assert.Equal(RepRole.Master, site.Node.Role);
        Assert.Equal(1u, site.Node.Gen);
        Assert.Equal(2u, site.Store.State.Egen);
        Assert.Equal([RepEventKind.Elected, RepEventKind.Master], actions.EventKinds());
        Assert.True(Assert.Single(actions.SendsOf(RepMessageType.NewMaster)).To.IsBroadcast);
        Assert.True(site.Node.Applier.Accepting);
    }

    [Fact]
    public void A_winner_without_enough_VOTE2s_fails_after_the_timeout()
    {
        var site = StartedClient(1, 3);
        site.Command(new CallElection());
        site.Receive(Vote1(2, Vote(1)));
        site.Receive(Vote1(3, Vote(1)));
        Assert.Equal(2, site.Node.Elector.Round!.Phase);

        Assert.Empty(site.Advance(Timeout - TimeSpan.FromMilliseconds(1)).EventKinds());
        var actions = site.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal([RepEventKind.ElectionFailed], actions.EventKinds());
        Assert.Equal(RepRole.Client, site.Node.Role);
    }

    [Fact]
    public void A_loser_waits_twice_the_timeout_for_the_winners_NEWMASTER()
    {
        var site = StartedClient(1, 3);
        site.Command(new CallElection());
        site.Receive(Vote1(2, Vote(1, lastCommit: new Lsn(5, 0))));
        site.Receive(Vote1(3, Vote(1)));

        Assert.Empty(site.Advance((2 * Timeout) - TimeSpan.FromMilliseconds(1)).EventKinds());
        Assert.Equal([RepEventKind.ElectionFailed], site.Advance(TimeSpan.FromMilliseconds(1)).EventKinds());
    }

    [Fact]
    public void The_winners_NEWMASTER_ends_the_election_for_a_loser()
    {
        var site = StartedClient(1, 3);
        site.Command(new CallElection());
        site.Receive(Vote1(2, Vote(1, lastCommit: new Lsn(5, 0))));
        site.Receive(Vote1(3, Vote(1)));

        var actions = site.Receive(Of(RepMessageType.NewMaster, 2, 1, new NewMasterPayload(new Lsn(5, 0)), new Lsn(5, 40)));

        Assert.Equal([RepEventKind.NewMaster], actions.EventKinds());
        Assert.False(site.Node.Elector.InElection);
        Assert.False(site.Node.Applier.HeldByElection);
        Assert.True(site.Node.Applier.HeldBySync); // now it syncs with the winner
        Assert.Empty(site.Advance(TimeSpan.FromSeconds(30)).EventKinds());
    }

    [Fact]
    public void A_client_drawn_into_an_election_leaves_it_when_its_master_shows_it_is_alive()
    {
        var site = StartedClient(1, 3);
        site.Receive(Of(RepMessageType.NewMaster, 2, 1));
        site.Receive(Vote1(3, Vote(2), gen: 1));
        Assert.True(site.Node.Elector.InElection);
        Assert.False(site.Node.Applier.Accepting);

        var actions = site.Receive(Of(RepMessageType.NewMaster, 2, 1));

        Assert.Empty(actions);
        Assert.False(site.Node.Elector.InElection);
        Assert.False(site.Node.Applier.HeldByElection);
        Assert.Equal(new SiteId(2), site.Node.Master);
    }

    [Fact]
    public void A_full_election_waits_for_every_site_while_the_group_was_never_established()
    {
        var options = new ReplicationOptions { FullElectionTimeout = TimeSpan.FromSeconds(10) };
        var site = StartedClient(1, 3, options);
        var vote = Assert.Single(site.Command(new CallElection()).SendsOf(RepMessageType.Vote1));
        Assert.True(((VotePayload)vote.Message.Payload!).FullElection);
        site.Receive(Vote1(2, Vote(1, lastCommit: new Lsn(2, 0))));

        Assert.Empty(site.Advance(Timeout).SendsOf(RepMessageType.Vote2));
        Assert.Empty(site.Advance(TimeSpan.FromSeconds(8) - TimeSpan.FromMilliseconds(1)).SendsOf(RepMessageType.Vote2));
        Assert.Single(site.Advance(TimeSpan.FromMilliseconds(1)).SendsOf(RepMessageType.Vote2));
    }

    [Fact]
    public void Learning_mid_wait_that_the_group_is_established_switches_to_the_normal_timeout()
    {
        var options = new ReplicationOptions { FullElectionTimeout = TimeSpan.FromSeconds(10) };
        var site = StartedClient(1, 3, options);
        site.Command(new CallElection());
        site.Advance(TimeSpan.FromSeconds(1));
        site.Receive(Vote1(2, Vote(1, lastCommit: new Lsn(2, 0)), control: RepControl.GroupEstablished));
        Assert.True(site.Store.State.GroupEstablished);

        var actions = site.Advance(TimeSpan.FromSeconds(1));

        Assert.Single(actions.SendsOf(RepMessageType.Vote2));
    }

    [Fact]
    public void An_established_group_does_not_use_the_full_election_timeout()
    {
        var options = new ReplicationOptions { FullElectionTimeout = TimeSpan.FromSeconds(10) };
        var site = StartedClient(1, 3, options, new RepPersistentState { GroupEstablished = true });
        var vote = Assert.Single(site.Command(new CallElection()).SendsOf(RepMessageType.Vote1));
        Assert.False(((VotePayload)vote.Message.Payload!).FullElection);
        site.Receive(Vote1(2, Vote(1, lastCommit: new Lsn(2, 0))));

        Assert.Single(site.Advance(Timeout).SendsOf(RepMessageType.Vote2));
    }

    // ---- who may win ----

    [Fact]
    public void A_priority_zero_site_votes_but_is_not_electable()
    {
        var site = new TestSite(1, new ReplicationOptions { Priority = 0 }, InGroup(3, priority: 0));
        site.Command(new StartReplication(RepStartRole.Client));

        var vote = (VotePayload)Assert.Single(site.Command(new CallElection()).SendsOf(RepMessageType.Vote1)).Message.Payload!;

        Assert.Equal(0, vote.Priority);
        Assert.False(vote.Electable);
    }

    [Fact]
    public void A_site_in_internal_init_votes_priority_zero_and_not_electable()
    {
        var site = StartedClient(1, 3, state: new RepPersistentState { InitSnapshotId = 9 });

        var vote = (VotePayload)Assert.Single(site.Command(new CallElection()).SendsOf(RepMessageType.Vote1)).Message.Payload!;

        Assert.Equal(0, vote.Priority);
        Assert.False(vote.Electable);
    }

    [Fact]
    public void In_a_group_a_priority_zero_site_with_the_latest_log_is_not_elected()
    {
        var group = new TestGroup(3, i => new ReplicationOptions { Priority = i == 3 ? 0 : 100 });
        group[3].Store.AppendLocal(RecordKind.Commit, new byte[32]);
        group[3].Store.AppendLocal(RecordKind.Commit, new byte[32]);
        group[2].Store.AppendLocal(RecordKind.Commit, new byte[32]);

        group.StartAll(RepStartRole.Election);
        group.Run(TimeSpan.FromSeconds(5));

        var master = Assert.Single(group.Masters);
        Assert.Equal(new SiteId(2), master.Id);
        Assert.All(group.Sites, s => Assert.Equal(new SiteId(2), s.Node.Master));
    }

    [Fact]
    public void A_group_started_in_election_mode_elects_the_site_with_the_latest_log()
    {
        var group = new TestGroup(3);
        group[1].Store.AppendLocal(RecordKind.Commit, new byte[32]);
        group[3].Store.AppendLocal(RecordKind.Commit, new byte[32]);
        group[3].Store.AppendLocal(RecordKind.Commit, new byte[32]);

        group.StartAll(RepStartRole.Election);
        group.Run(TimeSpan.FromSeconds(5));

        var master = Assert.Single(group.Masters);
        Assert.Equal(new SiteId(3), master.Id);
        Assert.All(group.Sites, s => Assert.Equal(master.Node.Gen, s.Node.Gen));
        Assert.Equal(1, group[3].Log.Count(a => a is EmitEvent { Event.Kind: RepEventKind.Elected }));
    }

    // ---- two sites ----

    [Fact]
    public void In_a_strict_two_site_group_the_survivor_does_not_elect_itself()
    {
        var group = TwoSitesAfterMasterLoss(strict: true);

        var vote = (VotePayload)group[2].Log.OfType<Send>().Last(s => s.Message.Type == RepMessageType.Vote1).Message.Payload!;
        Assert.Equal(2, vote.Nsites);
        Assert.Equal(2, vote.Nvotes);
        Assert.Equal(RepRole.Client, group[2].Node.Role);
        Assert.Contains(RepEventKind.ElectionFailed, group[2].Log.EventKinds());
    }

    [Fact]
    public void In_a_non_strict_two_site_group_the_survivor_elects_itself_with_one_vote()
    {
        var group = TwoSitesAfterMasterLoss(strict: false);

        var vote = (VotePayload)group[2].Log.OfType<Send>().Last(s => s.Message.Type == RepMessageType.Vote1).Message.Payload!;
        Assert.Equal(1, vote.Nvotes);
        Assert.Equal(RepRole.Master, group[2].Node.Role);
    }

    [Fact]
    public void After_losing_the_master_a_fast_election_does_not_wait_for_it()
    {
        var options = new ReplicationOptions { HeartbeatMonitor = TimeSpan.FromSeconds(1) };
        var group = new TestGroup(3, _ => options);
        group.Command(1, new StartReplication(RepStartRole.Master));
        group.Command(2, new StartReplication(RepStartRole.Client));
        group.Command(3, new StartReplication(RepStartRole.Client));
        group.Down.Add(new SiteId(1));

        group.Run(TimeSpan.FromSeconds(1.5));

        var vote = (VotePayload)group[2].Log.OfType<Send>().First(s => s.Message.Type == RepMessageType.Vote1).Message.Payload!;
        Assert.Equal(2, vote.Nsites);
        Assert.Equal(2, vote.Nvotes);
        Assert.Single(group.Masters);
        Assert.NotEqual(new SiteId(1), group.Masters[0].Id);
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

    private static TestGroup TwoSitesAfterMasterLoss(bool strict)
    {
        var options = new ReplicationOptions { TwoSiteStrict = strict, HeartbeatMonitor = TimeSpan.FromSeconds(1) };
        var group = new TestGroup(2, _ => options);
        group.Command(1, new StartReplication(RepStartRole.Master));
        group.Command(2, new StartReplication(RepStartRole.Client));
        Assert.Equal(new SiteId(1), group[2].Node.Master);
        group.Down.Add(new SiteId(1));
        group.Run(TimeSpan.FromSeconds(4));
        return group;
    }

    /// <summary>Site 1 (empty log, priority 100) holds an election in a group of 3 and gets these votes from sites 2
    /// and 3; returns where its VOTE2 went.</summary>
    private static SiteId WinnerAmong(VotePayload fromSite2, VotePayload fromSite3)
    {
        var site = StartedClient(1, 3);
        site.Command(new CallElection());
        site.Receive(Vote1(2, fromSite2));
        var actions = site.Receive(Vote1(3, fromSite3));
        return Assert.Single(actions.SendsOf(RepMessageType.Vote2)).To.Site;
    }
}
