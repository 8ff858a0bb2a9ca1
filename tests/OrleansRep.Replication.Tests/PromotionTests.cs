using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.Groups;
using static OrleansRep.Replication.Tests.Support.TestMessages;

namespace OrleansRep.Replication.Tests;

/// <summary>
/// Promotion by hand and stepping down (reference section 7, issue 6), with master leases: a promoted client waits out
/// the lease grant it gave unless the master it gave it to stepped down, and the other clients hold their acks and
/// grants to the new master until their grants to the old one expire.
/// </summary>
public sealed class PromotionTests
{
    // No heartbeat monitor: no election starts by itself, so each test decides who holds one.
    private static readonly ReplicationOptions Leases = new() { Leases = true, LeaseTimeout = TimeSpan.FromSeconds(2), ClockSkew = 1.25, HeartbeatSend = TimeSpan.FromMilliseconds(100), ElectionTimeout = TimeSpan.FromMilliseconds(200) };

    [Fact]
    public void A_master_that_steps_down_answers_its_pending_writes_and_becomes_a_client_with_no_master_without_an_election()
    {
        var master = StartedMaster(1, 3);
        Commit(master, proposalId: 7);

        var actions = master.Command(new StepDown());

        Assert.Equal(RepRole.Client, master.Node.Role);
        Assert.True(master.Node.Master.IsNone);
        var reply = Assert.Single(Replies(actions));
        Assert.Equal(7, reply.ProposalId);
        Assert.IsType<AckPolicyNotMet>(reply.Outcome); // in the log, may survive: never "not master"
        Assert.Equal([RepEventKind.PermFailed, RepEventKind.Client], actions.EventKinds());
        Assert.Empty(actions.SendsOf(RepMessageType.Vote1));
        Assert.Empty(master.Command(new StepDown())); // a client: nothing to do
    }

    [Fact]
    public void Under_leases_a_promotion_waits_out_the_grant_this_site_gave()
    {
        var (group, master, promoted, _) = LeasedGroup();
        var before = promoted.Node.State;

        Assert.Throws<CommandRefusedException>(() => promoted.Command(new Promote(PromotionMode.Fast)));
        Assert.Same(before, promoted.Node.State);

        group.Down.Add(master.Id); // cut off, not gone: nothing voids the grants, which bind for 2 s x 1.25
        group.Run(TimeSpan.FromMilliseconds(2_600), TimeSpan.FromMilliseconds(50));
        group.Command(promoted.Id.Value, new Promote(PromotionMode.Fast));
        group.RunDurably(TimeSpan.FromSeconds(3));

        Assert.Equal(promoted.Id, Assert.Single(group.Masters).Id); // the old master is down, and not counted
        Assert.Contains(RepEventKind.Promoted, promoted.Log.EventKinds());
    }

    [Fact]
    public void Under_leases_a_handover_needs_no_wait_and_a_client_still_bound_to_the_old_master_acks_only_once_its_grant_expires()
    {
        var (group, master, promoted, other) = LeasedGroup();
        Assert.True(other.Node.Applier.HoldsLeaseGrant);
        group.Cut(master.Id.Value, other.Id.Value); // the other client will not see the old master vote, which would void its grant

        group.Command(master.Id.Value, new StepDown());
        group.Command(promoted.Id.Value, new Promote(PromotionMode.Fast, SteppedDown: master.Id));
        group.RunDurably(TimeSpan.FromMilliseconds(300)); // the old master's vote and this site's make a majority

        Assert.Equal(RepRole.Master, promoted.Node.Role);
        Assert.Contains(RepEventKind.Promoted, promoted.Log.EventKinds());
        Assert.True(other.Node.Applier.HoldsLeaseGrant, group.Describe()); // still bound to the old master

        var (_, commit) = Commit(promoted, proposalId: 1);
        group.RunDurably(TimeSpan.FromMilliseconds(500));
        Assert.True(promoted.Node.MasterLog.AckedBy(master.Id) >= commit.Lsn, group.Describe()); // it gave no grant: it acks at once
        Assert.True(promoted.Node.MasterLog.AckedBy(other.Id) < commit.Lsn, group.Describe()); // bound to the old master

        group.RunDurably(TimeSpan.FromMilliseconds(2_500));
        Assert.True(promoted.Node.MasterLog.AckedBy(other.Id) >= commit.Lsn, group.Describe());
    }

    [Fact]
    public void A_client_whose_lease_holder_votes_in_a_newer_election_is_bound_no_more()
    {
        var (group, master, promoted, other) = LeasedGroup();

        group.Command(master.Id.Value, new StepDown());
        group.Command(promoted.Id.Value, new Promote(PromotionMode.Fast, SteppedDown: master.Id));

        Assert.False(other.Node.Applier.HoldsLeaseGrant, group.Describe()); // the old master voted: it reads no more
        Assert.All(group.Sites, s => Assert.Equal(promoted.Id, s.Node.Master));
    }

    [Fact]
    public void A_promoted_site_raises_PROMOTED_after_a_checkpoint_first_promotion_too()
    {
        var (group, master, promoted, _) = LeasedGroup();
        group.Command(master.Id.Value, new StepDown());
        var checkpoint = Assert.IsType<Actions.Checkpoint>(Assert.Single(group.Command(promoted.Id.Value, new Promote(PromotionMode.CheckpointFirst, master.Id))));

        promoted.Step(new Completed(checkpoint.ActionId, true));
        group.RunDurably(TimeSpan.FromSeconds(1));

        Assert.Equal([RepEventKind.Master, RepEventKind.Promoted], promoted.Log.EventKinds().Where(k => k is RepEventKind.Master or RepEventKind.Promoted));
    }

    /// <summary>Three sites under leases, an elected master, every client holding a grant to it.</summary>
    private static (TestGroup Group, TestSite Master, TestSite Promoted, TestSite Other) LeasedGroup()
    {
        var group = new TestGroup(3, _ => Leases, _ => StoreWithOneCommit());
        group.StartAll(RepStartRole.Election);
        group.Run(TimeSpan.FromSeconds(5));
        var master = Assert.Single(group.Masters);
        var clients = group.Sites.Where(s => s != master).ToList();
        Assert.All(clients, c => Assert.True(c.Node.Applier.HoldsLeaseGrant, group.Describe()));
        return (group, master, clients[0], clients[1]);
    }

    private static MemoryReplicaStore StoreWithOneCommit()
    {
        var store = new MemoryReplicaStore();
        store.AppendLocal(RecordKind.Commit, new byte[32]);
        store.Carry([new Actions.FlushLog()]);
        return store;
    }
}
