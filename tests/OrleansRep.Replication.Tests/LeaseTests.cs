using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.Groups;

namespace OrleansRep.Replication.Tests;

/// <summary>Master leases (reference section 6): PERM messages carry the master's time, acks grant leases echoing it,
/// the master holds its lease while grants from nsites/2 clients cover its max PERM LSN.</summary>
public sealed class LeaseTests
{
    private static readonly ReplicationOptions Leases = new() { Leases = true, LeaseTimeout = TimeSpan.FromSeconds(2), ClockSkew = 1.25 };

    private static RepMessage Grant(SiteId from, Lsn lsn, long masterTime) => new(RepMessageType.LeaseGrant, from, Gen, lsn, RepControl.None, new LeasePayload(masterTime));

    [Fact]
    public void PERM_messages_carry_the_master_time_and_others_do_not()
    {
        var master = Master(Leases);
        master.Advance(TimeSpan.FromMilliseconds(5));

        var sends = TestSite.Sends(Commit(master, 1).Actions);

        Assert.Equal([0L, 5000L], sends.Select(s => s.Message.LeaseTime));
    }

    [Fact]
    public void A_client_ack_grants_a_lease_echoing_the_master_time_and_binds_the_client_for_timeout_times_skew()
    {
        var client = Client(options: Leases);
        client.Advance(TimeSpan.FromMilliseconds(10));
        var commit = TestSite.Record(LogPositions.StartOfFile(1), RecordKind.Commit);
        client.Receive(Log(commit) with { LeaseTime = 7_000 });

        var sends = TestSite.Sends(client.Step(new LogDurable(client.Store.MakeDurable())));

        Assert.Equal(
            [
                new RepMessage(RepMessageType.Ack, S2, Gen, commit.Lsn, RepControl.GroupEstablished),
                new RepMessage(RepMessageType.LeaseGrant, S2, Gen, commit.Lsn, RepControl.GroupEstablished, new LeasePayload(7_000)),
            ],
            sends.Select(s => s.Message));
        Assert.Equal(10_000 + 2_500_000, client.Node.Applier.LeaseHeldUntil);
    }

    [Fact]
    public void Without_leases_no_grant_is_sent_and_the_client_is_never_bound()
    {
        var client = Client();
        client.Receive(Log(TestSite.Record(LogPositions.StartOfFile(1), RecordKind.Commit)) with { LeaseTime = 7_000 });

        var sends = TestSite.Sends(client.Step(new LogDurable(client.Store.MakeDurable())));

        Assert.Equal([RepMessageType.Ack], sends.Select(s => s.Message.Type));
        Assert.Equal(0, client.Node.Applier.LeaseHeldUntil);
    }

    [Fact]
    public void The_master_holds_its_lease_with_grants_from_half_the_sites_until_timeout_divided_by_skew()
    {
        var master = Master(Leases, priorities: [100, 100, 100, 100]); // nsites 4: two grants needed
        master.Advance(TimeSpan.FromMilliseconds(1));
        var (_, commit) = Commit(master, 1);
        Assert.False(master.Node.HoldsLease);

        master.Receive(Grant(S2, commit.Lsn, 1_000));
        Assert.False(master.Node.HoldsLease);
        master.Receive(Grant(S3, commit.Lsn, 1_000));
        Assert.True(master.Node.HoldsLease);

        // 2 s / 1.25 = 1.6 s after the echoed time.
        master.Step(new Tick(1_000 + 1_599_999));
        Assert.True(master.Node.HoldsLease);
        master.Step(new Tick(1_000 + 1_600_000));
        Assert.False(master.Node.HoldsLease);
    }

    [Fact]
    public void An_elected_master_that_takes_no_write_keeps_its_lease_through_heartbeats()
    {
        // Every site's log ends with the same commit, written before the election: no PERM record after it ever comes.
        var options = Leases with { LeaseTimeout = TimeSpan.FromMilliseconds(500), HeartbeatSend = TimeSpan.FromMilliseconds(100) };
        var group = new TestGroup(3, _ => options, _ =>
        {
            var store = new MemoryReplicaStore();
            store.AppendLocal(RecordKind.Commit, new byte[32]);
            store.Carry([new Actions.FlushLog()]);
            return store;
        });
        group.StartAll(RepStartRole.Election);
        group.Run(TimeSpan.FromSeconds(5));
        var master = Assert.Single(group.Masters);

        // Long past the lease timeout with no write: the heartbeats' grants keep it.
        for (var i = 0; i < 20; i++)
        {
            group.Run(TimeSpan.FromMilliseconds(250));
            Assert.True(master.Node.HoldsLease, $"the idle master lost its lease at {group.Now} us{Environment.NewLine}{group.Describe()}");
        }

        // Without its clients' grants it loses the lease within the timeout: the heartbeat grants are what held it.
        foreach (var client in group.Sites.Where(s => s != master))
        {
            group.Cut(master.Id.Value, client.Id.Value);
        }

        group.Run(TimeSpan.FromMilliseconds(500));
        Assert.False(master.Node.HoldsLease);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_master_whose_process_is_gone_is_replaced_without_waiting_out_its_lease_and_a_cut_off_one_only_after_it(bool processGone)
    {
        var options = Leases with { LeaseTimeout = TimeSpan.FromSeconds(2), HeartbeatSend = TimeSpan.FromMilliseconds(100) };
        var group = new TestGroup(3, _ => options, _ => StoreWithOneCommit());
        group.StartAll(RepStartRole.Election);
        group.Run(TimeSpan.FromSeconds(5));
        var old = Assert.Single(group.Masters);
        Assert.True(old.Node.HoldsLease, group.Describe());
        var survivors = group.Sites.Where(s => s != old).ToList();
        Assert.All(survivors, s => Assert.True(s.Node.Applier.HoldsLeaseGrant, group.Describe()));

        // The master dies (or is cut off); each survivor's host tells it so: refused (gone) or just lost.
        group.Down.Add(old.Id);
        foreach (var survivor in survivors)
        {
            survivor.Step(new PeerDisconnected(old.Id, processGone));
            group.Pump();
        }

        group.Run(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(10));
        if (processGone)
        {
            var elected = Assert.Single(group.Masters);
            Assert.NotEqual(old.Id, elected.Id);
        }
        else
        {
            Assert.Empty(group.Masters); // the grants bind the survivors for 2 s x 1.25: no vote before then
            group.Run(TimeSpan.FromSeconds(5));
            Assert.NotEqual(old.Id, Assert.Single(group.Masters).Id);
        }
    }

    [Fact]
    public void A_client_bound_by_a_grant_asks_for_its_master_when_another_site_votes_and_joins_once_it_is_found_gone()
    {
        var options = Leases with { LeaseTimeout = TimeSpan.FromSeconds(2), HeartbeatSend = TimeSpan.FromMilliseconds(100) };
        var group = new TestGroup(3, _ => options, _ => StoreWithOneCommit());
        group.StartAll(RepStartRole.Election);
        group.Run(TimeSpan.FromSeconds(5));
        var old = Assert.Single(group.Masters);
        var first = group.Sites.First(s => s != old);
        var second = group.Sites.Last(s => s != old);
        group.Down.Add(old.Id);

        // Only the first survivor's host was refused a connection so far: it votes at once.
        var vote1 = Assert.Single(first.Step(new PeerDisconnected(old.Id, ProcessGone: true)).SendsOf(RepMessageType.Vote1)).Message;

        // The second is still bound by its grant: no vote, but it asks for its master, once per election generation.
        var asked = second.Receive(vote1);
        Assert.Single(asked.SendsOf(RepMessageType.MasterReq));
        Assert.Empty(asked.SendsOf(RepMessageType.Vote1));
        Assert.False(second.Node.Elector.InElection, group.Describe());
        Assert.Empty(second.Receive(vote1).SendsOf(RepMessageType.MasterReq));

        // Its host is refused on that request (the master's process is gone): the grant is void and it joins at once,
        // well within the 2 s x 1.25 the grant would otherwise bind it.
        second.Step(new PeerDisconnected(old.Id, ProcessGone: true));
        group.Pump();
        group.Run(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(10));
        var elected = Assert.Single(group.Masters);
        Assert.NotEqual(old.Id, elected.Id);
    }

    [Fact]
    public void A_gone_peer_that_holds_no_grant_of_this_client_voids_nothing()
    {
        var group = new TestGroup(3, _ => Leases with { HeartbeatSend = TimeSpan.FromMilliseconds(100) }, _ => StoreWithOneCommit());
        group.StartAll(RepStartRole.Election);
        group.Run(TimeSpan.FromSeconds(5));
        var master = Assert.Single(group.Masters);
        var client = group.Sites.First(s => s != master);
        var other = group.Sites.First(s => s != master && s != client);

        client.Step(new PeerDisconnected(other.Id, ProcessGone: true));

        Assert.True(client.Node.Applier.HoldsLeaseGrant);
    }

    [Fact]
    public void Grants_that_do_not_cover_the_max_PERM_LSN_do_not_count()
    {
        var master = Master(Leases);
        master.Advance(TimeSpan.FromMilliseconds(1));
        var (_, first) = Commit(master, 1);
        Commit(master, 2);

        master.Receive(Grant(S2, first.Lsn, 1_000));

        Assert.False(master.Node.HoldsLease);
    }

    [Fact]
    public void A_grant_echoing_a_time_the_master_has_not_reached_is_dropped()
    {
        var master = Master(Leases);
        var (_, commit) = Commit(master, 1);

        master.Receive(Grant(S2, commit.Lsn, 5_000_000));

        Assert.False(master.Node.HoldsLease);
        Assert.Equal(1, master.Node.Dropped);
        Assert.Equal(0, master.Node.MasterLog.LeaseExpiryOf(S2));
    }

    [Fact]
    public void A_master_without_leases_configured_never_holds_one()
    {
        var master = Master();
        var (_, commit) = Commit(master, 1);

        master.Receive(Grant(S2, commit.Lsn, 0));
        master.Receive(Grant(S3, commit.Lsn, 0));

        Assert.False(master.Node.HoldsLease);
    }

    /// <summary>A log that ends with a commit every site shares: heartbeats then ask for grants (no write needed).</summary>
    private static MemoryReplicaStore StoreWithOneCommit()
    {
        var store = new MemoryReplicaStore();
        store.AppendLocal(RecordKind.Commit, new byte[32]);
        store.Carry([new Actions.FlushLog()]);
        return store;
    }
}
