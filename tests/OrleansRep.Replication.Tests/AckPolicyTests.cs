using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Tests.Support;
using static OrleansRep.Replication.Tests.Support.Groups;

namespace OrleansRep.Replication.Tests;

/// <summary>The ack policies' arithmetic (reference section 3), first as numbers, then as a master answers proposals.</summary>
public sealed class AckPolicyTests
{
    // ---- quorum size ----

    [Theory]
    [InlineData(0, true, 0)]
    [InlineData(0, false, 0)]
    [InlineData(1, true, 0)] // two sites, strict (the default): quorum 0, as Berkeley DB's comment accepts
    [InlineData(1, false, 1)] // two sites, not strict: the lone client must ack
    [InlineData(2, true, 1)]
    [InlineData(2, false, 1)]
    [InlineData(4, true, 2)]
    [InlineData(5, false, 2)]
    public void Quorum_is_half_the_clients_except_a_lone_client_when_not_strict(int nclients, bool strict, int quorum) =>
        Assert.Equal(quorum, AckPolicyMath.Quorum(nclients, strict));

    // ---- requirements when a PERM record is sent ----

    [Fact]
    public void None_never_waits() =>
        Assert.Equal(new AckRequirement(AckPolicy.None, 0, 0, AckWait.AtOnce), AckPolicyMath.Require(AckPolicy.None, 4, 4, 4, false, true));

    [Fact]
    public void One_waits_for_one_ack_and_fails_at_once_with_nobody_to_send_to()
    {
        Assert.Equal(new AckRequirement(AckPolicy.One, 1, 0, AckWait.Wait), AckPolicyMath.Require(AckPolicy.One, 2, 2, 0, false, true));
        Assert.Equal(AckWait.FailAtOnce, AckPolicyMath.Require(AckPolicy.One, 0, 0, 0, false, true).Wait);
    }

    [Fact]
    public void All_waits_for_every_client_and_is_immediate_for_a_lone_master()
    {
        Assert.Equal(new AckRequirement(AckPolicy.All, 3, 0, AckWait.Wait), AckPolicyMath.Require(AckPolicy.All, 3, 3, 1, false, true));
        Assert.Equal(AckWait.FailAtOnce, AckPolicyMath.Require(AckPolicy.All, 3, 2, 2, false, true).Wait);
        Assert.Equal(AckWait.AtOnce, AckPolicyMath.Require(AckPolicy.All, 0, 0, 0, false, true).Wait);
    }

    [Fact]
    public void One_peer_needs_an_electable_site_to_send_to()
    {
        Assert.Equal(new AckRequirement(AckPolicy.OnePeer, 1, 0, AckWait.Wait), AckPolicyMath.Require(AckPolicy.OnePeer, 2, 2, 1, false, true));
        Assert.Equal(AckWait.FailAtOnce, AckPolicyMath.Require(AckPolicy.OnePeer, 2, 2, 0, false, true).Wait);
    }

    [Fact]
    public void All_peers_waits_unless_no_peer_was_sent_to()
    {
        Assert.Equal(new AckRequirement(AckPolicy.AllPeers, 1, 0, AckWait.Wait), AckPolicyMath.Require(AckPolicy.AllPeers, 3, 3, 2, false, true));
        Assert.Equal(AckWait.FailAtOnce, AckPolicyMath.Require(AckPolicy.AllPeers, 3, 3, 0, false, true).Wait);
    }

    [Theory]
    [InlineData(4, 4, 4, 2, true)] // five electable sites: two acks
    [InlineData(2, 2, 2, 1, true)] // three sites: one ack
    [InlineData(1, 1, 1, 0, false)] // two sites, strict: none
    [InlineData(4, 4, 1, 1, true)] // quorum 2 but only one electable peer exists: it suffices
    [InlineData(4, 4, 0, 0, false)] // no electable peer at all: nothing to wait for
    public void Quorum_needs_half_the_clients_as_electable_acks_or_every_peer_there_is(int nclients, int sent, int peers, int threshold, bool waits)
    {
        var r = AckPolicyMath.Require(AckPolicy.Quorum, nclients, sent, peers, false, true);
        Assert.Equal(threshold, r.Threshold);
        Assert.Equal(waits ? AckWait.Wait : AckWait.AtOnce, r.Wait);
    }

    [Fact]
    public void Quorum_fails_at_once_when_a_peer_was_missed_and_too_few_were_reached() =>
        Assert.Equal(AckWait.FailAtOnce, AckPolicyMath.Require(AckPolicy.Quorum, 4, 1, 1, missedPeer: true, twoSiteStrict: true).Wait);

    [Fact]
    public void Quorum_in_a_two_site_group_not_strict_waits_for_the_client()
    {
        var r = AckPolicyMath.Require(AckPolicy.Quorum, 1, 1, 1, false, twoSiteStrict: false);
        Assert.Equal(new AckRequirement(AckPolicy.Quorum, 1, 1, AckWait.Wait), r);
    }

    [Fact]
    public void All_available_waits_for_every_site_sent_to_and_judges_durability_by_quorum()
    {
        Assert.Equal(new AckRequirement(AckPolicy.AllAvailable, 4, 2, AckWait.Wait), AckPolicyMath.Require(AckPolicy.AllAvailable, 4, 4, 4, false, true));
        Assert.Equal(AckWait.FailAtOnce, AckPolicyMath.Require(AckPolicy.AllAvailable, 2, 0, 0, false, true).Wait);
        Assert.Equal(AckWait.AtOnce, AckPolicyMath.Require(AckPolicy.AllAvailable, 1, 0, 0, false, true).Wait);
    }

    // ---- judging the acks received ----

    [Fact]
    public void Durable_and_done_per_policy()
    {
        var quorum = new AckRequirement(AckPolicy.Quorum, 2, 2, AckWait.Wait);
        Assert.False(AckPolicyMath.IsDurable(quorum, new AckTally(3, 1, true)));
        Assert.True(AckPolicyMath.IsDurable(quorum, new AckTally(2, 2, true)));
        Assert.True(AckPolicyMath.IsDurable(quorum, new AckTally(1, 1, false))); // every electable peer acked

        var onePeer = new AckRequirement(AckPolicy.OnePeer, 1, 0, AckWait.Wait);
        Assert.False(AckPolicyMath.IsDurable(onePeer, new AckTally(2, 0, true)));
        Assert.True(AckPolicyMath.IsDurable(onePeer, new AckTally(1, 1, true)));

        var allPeers = new AckRequirement(AckPolicy.AllPeers, 1, 0, AckWait.Wait);
        Assert.False(AckPolicyMath.IsDurable(allPeers, new AckTally(3, 2, true)));
        Assert.True(AckPolicyMath.IsDurable(allPeers, new AckTally(2, 2, false)));

        var all = new AckRequirement(AckPolicy.All, 3, 0, AckWait.Wait);
        Assert.False(AckPolicyMath.IsDurable(all, new AckTally(2, 2, false)));
        Assert.True(AckPolicyMath.IsDurable(all, new AckTally(3, 0, false)));

        var one = new AckRequirement(AckPolicy.One, 1, 0, AckWait.Wait);
        Assert.True(AckPolicyMath.IsDurable(one, new AckTally(1, 0, true)));

        var allAvailable = new AckRequirement(AckPolicy.AllAvailable, 4, 2, AckWait.Wait);
        var quorumMet = new AckTally(2, 2, true);
        Assert.True(AckPolicyMath.IsDurable(allAvailable, quorumMet));
        Assert.False(AckPolicyMath.IsDone(allAvailable, quorumMet)); // keeps waiting for the others
        Assert.True(AckPolicyMath.IsDone(allAvailable, new AckTally(4, 2, true)));
    }

    // ---- as the master answers proposals ----

    [Fact]
    public void Quorum_in_three_sites_commits_after_one_ack_and_local_durability()
    {
        var master = Master();
        var (_, commit) = Commit(master, 1);
        Assert.Empty(Replies(master.Receive(Ack(S2, commit.Lsn))));

        var replies = Replies(Durable(master));

        Assert.Equal([new ReplyProposal(1, new Committed(new CommitToken(Gen, S1, commit.Lsn)))], replies);
    }

    [Fact]
    public void Quorum_does_not_count_a_priority_zero_ack()
    {
        var master = Master(priorities: [100, 0, 100, 100, 100]); // nclients 4, quorum 2
        var (_, commit) = Commit(master, 1);
        Durable(master);

        Assert.Empty(Replies(master.Receive(Ack(S2, commit.Lsn))));
        Assert.Empty(Replies(master.Receive(Ack(S3, commit.Lsn))));
        var replies = Replies(master.Receive(Ack(S4, commit.Lsn)));

        Assert.IsType<Committed>(Assert.Single(replies).Outcome);
    }

    [Fact]
    public void Quorum_with_only_priority_zero_clients_commits_on_local_durability_alone()
    {
        var master = Master(priorities: [100, 0, 0]);
        var (actions, commit) = Commit(master, 9);
        Assert.Empty(Replies(actions));

        Assert.Equal([new ReplyProposal(9, new Committed(new CommitToken(Gen, S1, commit.Lsn)))], Replies(Durable(master)));
    }

    [Fact]
    public void Quorum_in_a_strict_two_site_group_needs_no_ack()
    {
        var master = Master(priorities: [100, 100]);
        var (_, commit) = Commit(master, 3);

        Assert.Equal([new ReplyProposal(3, new Committed(new CommitToken(Gen, S1, commit.Lsn)))], Replies(Durable(master)));
    }

    [Fact]
    public void Quorum_in_a_two_site_group_not_strict_waits_for_the_client_ack()
    {
        var master = Master(new ReplicationOptions { TwoSiteStrict = false }, priorities: [100, 100]);
        var (_, commit) = Commit(master, 3);
        Assert.Empty(Replies(Durable(master)));

        Assert.IsType<Committed>(Assert.Single(Replies(master.Receive(Ack(S2, commit.Lsn)))).Outcome);
    }

    [Fact]
    public void A_proposal_with_its_own_policy_is_judged_by_it_not_the_sites()
    {
        // The site's policy is All; a proposal asking for None commits on local durability, one asking for Quorum
        // after one ack, while a proposal without a policy still waits for both clients.
        var master = Master(new ReplicationOptions { AckPolicy = AckPolicy.All });
        var none = master.Store.AppendLocal(RecordKind.Commit, new byte[48]);
        master.Step(new LocalCommit(1, [none], AckPolicy.None));
        var quorum = master.Store.AppendLocal(RecordKind.Commit, new byte[48]);
        master.Step(new LocalCommit(2, [quorum], AckPolicy.Quorum));
        var (_, site) = Commit(master, 3);

        Assert.Equal([new ReplyProposal(1, new Committed(new CommitToken(Gen, S1, none.Lsn)))], Replies(Durable(master)));
        Assert.Equal([new ReplyProposal(2, new Committed(new CommitToken(Gen, S1, quorum.Lsn)))], Replies(master.Receive(Ack(S2, site.Lsn))));
        Assert.Equal([new ReplyProposal(3, new Committed(new CommitToken(Gen, S1, site.Lsn)))], Replies(master.Receive(Ack(S3, site.Lsn))));
    }

    [Fact]
    public void All_fails_after_the_ack_timeout_with_the_acks_it_got()
    {
        var master = Master(new ReplicationOptions { AckPolicy = AckPolicy.All });
        var (_, commit) = Commit(master, 5);
        Durable(master);
        master.Receive(Ack(S2, commit.Lsn));

        Assert.Empty(Replies(master.Advance(TimeSpan.FromMilliseconds(999))));
        var actions = master.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(
            [
                new ReplyProposal(5, new AckPolicyNotMet(new CommitToken(Gen, S1, commit.Lsn), 1, 2)),
                new EmitEvent(new RepEvent(RepEventKind.PermFailed, Gen, default, commit.Lsn)),
                new FlushLog(),
            ],
            actions);
    }

    [Fact]
    public void All_commits_when_every_client_acked()
    {
        var master = Master(new ReplicationOptions { AckPolicy = AckPolicy.All }, priorities: [100, 0, 100]);
        var (_, commit) = Commit(master, 5);
        Durable(master);
        Assert.Empty(Replies(master.Receive(Ack(S3, commit.Lsn))));

        Assert.IsType<Committed>(Assert.Single(Replies(master.Receive(Ack(S2, commit.Lsn)))).Outcome);
    }

    [Fact]
    public void All_available_commits_on_quorum_only_once_every_site_acked_or_the_timeout_passed()
    {
        var master = Master(new ReplicationOptions { AckPolicy = AckPolicy.AllAvailable }, priorities: [100, 100, 100, 100, 100]);
        var (_, commit) = Commit(master, 2);
        Durable(master);
        master.Receive(Ack(S2, commit.Lsn));
        Assert.Empty(Replies(master.Receive(Ack(S3, commit.Lsn)))); // quorum (2) met, still waiting for all four

        var replies = Replies(master.Advance(TimeSpan.FromSeconds(1)));

        Assert.IsType<Committed>(Assert.Single(replies).Outcome);
        Assert.DoesNotContain(TestSite.Events(master.Log), e => e.Kind == RepEventKind.PermFailed);
    }

    [Fact]
    public void All_available_stops_waiting_when_every_site_acked()
    {
        var master = Master(new ReplicationOptions { AckPolicy = AckPolicy.AllAvailable });
        var (_, commit) = Commit(master, 2);
        Durable(master);
        Assert.Empty(Replies(master.Receive(Ack(S2, commit.Lsn))));

        Assert.IsType<Committed>(Assert.Single(Replies(master.Receive(Ack(S3, commit.Lsn)))).Outcome);
    }

    [Fact]
    public void All_peers_ignores_priority_zero_sites_and_waits_for_every_peer()
    {
        var master = Master(new ReplicationOptions { AckPolicy = AckPolicy.AllPeers }, priorities: [100, 100, 0, 100]);
        var (_, commit) = Commit(master, 4);
        Durable(master);
        Assert.Empty(Replies(master.Receive(Ack(S2, commit.Lsn))));
        Assert.Empty(Replies(master.Receive(Ack(S3, commit.Lsn))));

        Assert.IsType<Committed>(Assert.Single(Replies(master.Receive(Ack(S4, commit.Lsn)))).Outcome);
    }

    [Fact]
    public void All_peers_fails_at_once_without_an_electable_client()
    {
        var master = Master(new ReplicationOptions { AckPolicy = AckPolicy.AllPeers }, priorities: [100, 0]);
        var (actions, commit) = Commit(master, 4);

        Assert.Equal(new AckPolicyNotMet(new CommitToken(Gen, S1, commit.Lsn), 0, 0), Assert.Single(Replies(actions)).Outcome);
        Assert.Contains(new FlushLog(), actions);
    }

    [Fact]
    public void One_commits_on_any_ack_even_from_a_priority_zero_site()
    {
        var master = Master(new ReplicationOptions { AckPolicy = AckPolicy.One }, priorities: [100, 0, 100]);
        var (_, commit) = Commit(master, 6);
        Durable(master);

        Assert.IsType<Committed>(Assert.Single(Replies(master.Receive(Ack(S2, commit.Lsn)))).Outcome);
    }

    [Fact]
    public void One_in_a_single_site_group_fails_at_once_with_perm_failed()
    {
        var master = Master(new ReplicationOptions { AckPolicy = AckPolicy.One }, priorities: [100]);
        var (actions, commit) = Commit(master, 6);

        Assert.Equal(
            [
                new ReplyProposal(6, new AckPolicyNotMet(new CommitToken(Gen, S1, commit.Lsn), 0, 1)),
                new EmitEvent(new RepEvent(RepEventKind.PermFailed, Gen, default, commit.Lsn)),
                new FlushLog(),
            ],
            actions.Where(a => a is not Send).ToList());
    }

    [Fact]
    public void One_peer_does_not_count_a_priority_zero_ack()
    {
        var master = Master(new ReplicationOptions { AckPolicy = AckPolicy.OnePeer }, priorities: [100, 0, 100]);
        var (_, commit) = Commit(master, 6);
        Durable(master);
        Assert.Empty(Replies(master.Receive(Ack(S2, commit.Lsn))));

        Assert.IsType<Committed>(Assert.Single(Replies(master.Receive(Ack(S3, commit.Lsn)))).Outcome);
    }

    [Fact]
    public void None_commits_on_local_durability_and_never_fails()
    {
        var master = Master(new ReplicationOptions { AckPolicy = AckPolicy.None });
        var (actions, commit) = Commit(master, 8);
        Assert.Empty(Replies(actions));

        Assert.IsType<Committed>(Assert.Single(Replies(Durable(master))).Outcome);
        master.Advance(TimeSpan.FromSeconds(5));
        Assert.DoesNotContain(TestSite.Events(master.Log), e => e.Kind == RepEventKind.PermFailed);
        Assert.Equal(commit.Lsn, Assert.IsType<Committed>(Assert.Single(Replies(master.Log)).Outcome).Token.Lsn);
    }
}
