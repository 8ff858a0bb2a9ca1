using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.TestMessages;

namespace OrleansRep.Replication.Tests;

/// <summary>The nsites and nvotes of an election: defaults, what invitees and receivers adopt, fast elections, and their validation.</summary>
public sealed class ElectionSizeTests
{
    [Fact]
    public void An_invitee_takes_the_inviters_fast_nsites_of_one_less_than_the_group()
    {
        var site = StartedClient(1, 3);

        site.Receive(Vote1(2, Vote(1, nsites: 2, nvotes: 2)));

        Assert.Equal(2, site.Node.Elector.Round!.Nsites);
        Assert.Equal(2, site.Node.Elector.Round!.Nvotes);
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
}
