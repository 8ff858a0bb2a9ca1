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
}
