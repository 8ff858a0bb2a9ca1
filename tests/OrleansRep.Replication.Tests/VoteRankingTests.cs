using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.TestMessages;

namespace OrleansRep.Replication.Tests;

/// <summary>Who wins an election: the vote ranking (__rep_cmp_vote), seen from the VOTE2 and pairwise, and which sites are electable.</summary>
public sealed class VoteRankingTests
{
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
