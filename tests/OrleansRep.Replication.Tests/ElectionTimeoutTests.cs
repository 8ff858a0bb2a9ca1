using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.TestMessages;

namespace OrleansRep.Replication.Tests;

/// <summary>Election rounds and their timeouts: the end of phase one and two, the retry and the loser's wait, and full elections.</summary>
public sealed class ElectionTimeoutTests
{
    private static readonly TimeSpan Timeout = new ReplicationOptions().ElectionTimeout;

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
    public void A_winner_whose_log_is_not_durable_yet_flushes_and_becomes_master_only_when_it_is()
    {
        // Seeds 2626, 4671: the winner's disk was slow; it became master with a tail that was not durable, crashed,
        // and came back without writes the old master had acknowledged (durable at the clients that acknowledged
        // them), which its generation then lacked.
        var store = new MemoryReplicaStore();
        store.AppendLocal(RecordKind.Data, new byte[40]);
        store.AppendLocal(RecordKind.Commit, new byte[40]);
        var site = new TestSite(1, state: InGroup(3), store: store);
        site.Command(new StartReplication(RepStartRole.Client));
        site.Command(new CallElection());
        site.Receive(Vote1(2, Vote(1)));
        site.Receive(Vote1(3, Vote(1, priority: 0)));

        var elected = site.Receive(Vote2(3, 1));

        // Not master in the step that brought the last VOTE2: it asked for a flush. The test host carries the flush
        // out and steps LogDurable, which makes it master.
        Assert.Single(elected.OfType<FlushLog>());
        Assert.Empty(elected.EventKinds());
        Assert.Empty(elected.SendsOf(RepMessageType.NewMaster));
        Assert.Equal(RepRole.Master, site.Node.Role);
        Assert.Equal(store.LogEnd, store.Durable);
        Assert.Equal([RepEventKind.Client, RepEventKind.Elected, RepEventKind.Master], site.Log.EventKinds());
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
}
