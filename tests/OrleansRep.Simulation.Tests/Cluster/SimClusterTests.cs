using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Simulation.Cluster;
using OrleansRep.Simulation.Sites;
using OrleansRep.Simulation.Tests.Support;
using OrleansRep.Storage;

namespace OrleansRep.Simulation.Tests.Cluster;

public sealed class SimClusterTests
{
    private static readonly SiteId S1 = new(1), S2 = new(2), S3 = new(3);

    private static List<StepRecord> Record(SimCluster cluster)
    {
        var steps = new List<StepRecord>();
        cluster.Stepped += steps.Add;
        return steps;
    }

    [Fact]
    public void Each_site_ticks_every_few_milliseconds_of_its_own_clock()
    {
        var cluster = Clusters.Make(1, tick: 5_000, driftPpm: 100_000, offset: 1_000);
        var steps = Record(cluster);

        cluster.RunUntil(20_000);

        // Local time runs 10% fast from 1 ms: ticks at local 6, 11, 16, 21 ms fall at simulated 4546, 9091, 13637, 18182 us.
        Assert.Equal([6_000L, 11_000, 16_000, 21_000], steps.Select(s => ((Tick)s.Input).Now));
        Assert.Equal([4_546L, 9_091, 13_637, 18_182], steps.Select(s => s.Time));
        Assert.Equal(20_000, cluster.Now);
    }

    [Fact]
    public void A_crash_loses_the_records_that_were_not_durable_yet()
    {
        var cluster = Clusters.Make(2, tick: 1_000_000, disk: 2_000);
        var durable = cluster.AppendRaw(S1, 3);
        cluster.Flush(S1);
        cluster.RunUntil(2_000);
        var lost = cluster.AppendRaw(S1, 2);
        Assert.Equal(5, cluster[S1].Store.Records.Count);

        cluster.Crash(S1);

        Assert.Equal(durable, cluster[S1].Store.Records);
        Assert.Equal(LogPositions.After(durable[^1]), cluster[S1].Store.LogEnd);
        Assert.Equal(cluster[S1].Store.LogEnd, cluster[S1].Store.Durable);
        Assert.Null(cluster[S1].Store.Read(lost[0].Lsn));
        Assert.False(cluster[S1].IsUp);
        Assert.Equal(1, cluster[S1].Incarnation);
        Assert.Equal(1, cluster.Faults[FaultKind.Crash]);
    }

    [Fact]
    public void A_flush_makes_the_log_durable_after_the_disk_latency_and_tells_the_site()
    {
        var cluster = Clusters.Make(1, tick: 1_000_000, disk: 3_000);
        var steps = Record(cluster);
        var records = cluster.AppendRaw(S1, 2);

        cluster.Flush(S1);
        cluster.RunUntil(2_999);
        Assert.Equal(LogPositions.StartOfFile(1), cluster[S1].Store.Durable);
        Assert.Empty(steps);

        cluster.RunUntil(3_000);
        var step = Assert.Single(steps);
        Assert.Equal(new LogDurable(LogPositions.After(records[^1])), step.Input);
        Assert.Equal(3_000, step.Time);
        Assert.Equal(cluster[S1].Store.LogEnd, cluster[S1].Store.Durable);
    }

    [Fact]
    public void Flushes_asked_for_during_a_flush_ride_on_the_next_one_group_commit()
    {
        var cluster = Clusters.Make(1, tick: 1_000_000, disk: 1_000);
        var steps = Record(cluster);
        var first = cluster.AppendRaw(S1, 1);
        cluster.Flush(S1);
        cluster.RunUntil(500);
        var second = cluster.AppendRaw(S1, 1);
        cluster.Flush(S1);
        var third = cluster.AppendRaw(S1, 1);
        cluster.Flush(S1);

        cluster.RunUntil(5_000);

        Assert.Equal(
            [(1_000L, LogPositions.After(first[0])), (2_000L, LogPositions.After(third[0]))],
            steps.Select(s => (s.Time, ((LogDurable)s.Input).Lsn)));
        Assert.NotEqual(second[0].Lsn, third[0].Lsn);
    }

    [Fact]
    public void A_slow_disk_takes_longer_until_the_fault_ends()
    {
        var cluster = Clusters.Make(1, tick: 1_000_000, disk: 1_000);
        var steps = Record(cluster);
        cluster.SlowDisk(S1, 10, until: 5_000);
        cluster.AppendRaw(S1, 1);
        cluster.Flush(S1);
        cluster.RunUntil(20_000);
        cluster.AppendRaw(S1, 1);
        cluster.Flush(S1);
        cluster.RunUntil(40_000);

        Assert.Equal([10_000L, 21_000], steps.Select(s => s.Time));
        Assert.Equal(1, cluster.Faults[FaultKind.SlowDisk]);
    }

    [Fact]
    public void A_crashed_site_gets_no_ticks_no_messages_and_no_late_flush()
    {
        var cluster = Clusters.Make(2, tick: 10_000, disk: 5_000);
        var steps = Record(cluster);
        cluster.AppendRaw(S2, 1);
        cluster.Flush(S2);
        cluster.Crash(S2);
        cluster.Network.Send(0, S1, Destination.To(S2), new RepMessage(RepMessageType.AliveReq, S1, 0, Lsn.Zero), SendOptions.None);

        cluster.RunUntil(100_000);

        Assert.All(steps, s => Assert.Equal(S1, s.Site));
        Assert.Equal(new PeerDisconnected(S2, ProcessGone: true), steps[0].Input); // the crash broke the connection, and its address refuses
        Assert.Equal(10, steps.Skip(1).Count(s => s.Input is Tick));
        Assert.Equal(11, steps.Count);
        Assert.Equal(1, cluster.LostToDownSites);
        Assert.Equal(LogPositions.StartOfFile(1), cluster[S2].Store.LogEnd);
    }

    [Fact]
    public void A_restarted_site_is_rebuilt_from_its_persisted_state_and_started_in_the_role_asked()
    {
        var cluster = Clusters.Make(3, tick: 10_000);
        var steps = Record(cluster);
        var before = cluster[S2].Node;
        cluster.RunUntil(15_000);
        cluster.Crash(S2);
        cluster.RunUntil(50_000);

        cluster.Restart(S2, RepStartRole.Election);

        var site = cluster[S2];
        Assert.True(site.IsUp);
        Assert.NotSame(before, site.Node);
        Assert.Same(site.Store.State, site.Node.State);
        Assert.Equal([S1, S2, S3], site.Node.State.Sites.Keys);
        // Booted (a tick, then the start), then connected to each peer that is up.
        Assert.Equal(
            [new PeerConnected(S2), new PeerConnected(S1), new PeerConnected(S3), new PeerConnected(S2)],
            steps[^4..].Select(s => s.Input));
        Assert.Equal(new Tick(50_000), steps[^6].Input);
        Assert.Equal(new Command(new StartReplication(RepStartRole.Election)), steps[^5].Input);
        Assert.Equal(S2, steps[^5].Site);
        Assert.Equal(1, cluster.Faults[FaultKind.Restart]);

        // Ticks resume from the site's clock at the restart.
        steps.Clear();
        cluster.RunUntil(65_000);
        Assert.Contains(steps, s => s.Site == S2 && s.Input == new Tick(60_000));
    }

    [Fact]
    public void A_site_starts_knowing_the_time_on_its_clock()
    {
        var cluster = Clusters.Make(1, tick: 10_000, offset: 700_000);
        var steps = Record(cluster);

        cluster.Start(S1, RepStartRole.Master);

        Assert.Equal([new Tick(700_000), new Command(new StartReplication(RepStartRole.Master))], steps.Select(s => s.Input));
    }

    [Fact]
    public void Sent_messages_are_delivered_to_the_sites_they_name()
    {
        var cluster = Clusters.Make(3, tick: 1_000_000);
        var steps = Record(cluster);
        var alive = new RepMessage(RepMessageType.AliveReq, S1, 0, Lsn.Zero);
        cluster.Network.Send(0, S1, Destination.Broadcast, alive, SendOptions.None);

        cluster.RunUntil(1_000);

        Assert.Equal([(S2, 500L), (S3, 500L)], steps.Select(s => (s.Site, s.Time)));
        Assert.All(steps, s => Assert.Equal(new MessageReceived(alive), s.Input));
    }

    [Fact]
    public void Without_auto_delivery_messages_wait_until_delivered_by_hand()
    {
        var cluster = Clusters.Make(2, tick: 1_000_000);
        cluster.AutoDeliver = false;
        var steps = Record(cluster);
        cluster.Network.Send(0, S1, Destination.To(S2), new RepMessage(RepMessageType.AliveReq, S1, 0, Lsn.Zero), SendOptions.None);

        cluster.RunUntil(100_000);
        Assert.Empty(steps);
        Assert.True(cluster.DeliverNext());
        Assert.False(cluster.DeliverNext());
        Assert.Equal(S2, Assert.Single(steps).Site);
    }

    [Fact]
    public void A_proposal_to_a_site_that_is_not_master_appends_nothing_and_is_answered_not_master()
    {
        var cluster = Clusters.Make(2, tick: 1_000_000);
        var steps = Record(cluster);

        var id = cluster.Propose(S1, [40, 60]);

        var step = Assert.Single(steps);
        Assert.Equal(new LocalCommit(id, []), step.Input);
        Assert.Equal([new ReplyProposal(id, new NotMaster(SiteId.None))], step.Actions);
        Assert.Empty(cluster[S1].Store.Records);
    }

    [Fact]
    public void Events_a_site_raises_are_kept_with_their_simulated_time()
    {
        var cluster = Clusters.Make(1, tick: 1_000_000);
        cluster.RunUntil(7_000);
        var e = new RepEvent(RepEventKind.Master, 1);

        cluster[S1].RecordEvent(cluster.Now, e);
        for (var i = 0; i < SimSite.MaxEventsKept; i++)
        {
            cluster[S1].RecordEvent(8_000 + i, e);
        }

        Assert.Equal(SimSite.MaxEventsKept, cluster[S1].Events.Count);
        Assert.Equal((8_000L, e), cluster[S1].Events.First());
    }

    [Fact]
    public void The_driver_s_timers_run_at_their_time_in_order()
    {
        var cluster = Clusters.Make(1, tick: 1_000_000);
        var ran = new List<(string, long)>();
        cluster.At(300, () => ran.Add(("b", cluster.Now)));
        cluster.At(100, () => ran.Add(("a", cluster.Now)));
        cluster.At(300, () => ran.Add(("c", cluster.Now)));

        cluster.RunUntil(1_000);

        Assert.Equal([("a", 100L), ("b", 300L), ("c", 300L)], ran);
    }
}
