using OrleansRep.Replication;
using OrleansRep.Replication.Inputs;
using OrleansRep.Simulation.Cluster;
using OrleansRep.Simulation.Tests.Support;

namespace OrleansRep.Simulation.Tests.Cluster;

/// <summary>The host's connection events: a connection is up when both sites are up and neither direction of their
/// link is cut; each change is told once to each endpoint that is up.</summary>
public sealed class ConnectionEventsTests
{
    private static readonly SiteId S1 = new(1), S2 = new(2), S3 = new(3);

    private static List<string> Record(SimCluster cluster)
    {
        var events = new List<string>();
        cluster.Stepped += step =>
        {
            switch (step.Input)
            {
                case PeerConnected c:
                    events.Add($"{step.Site.Value}+{c.Peer.Value}");
                    break;
                case PeerDisconnected d:
                    events.Add($"{step.Site.Value}-{d.Peer.Value}");
                    break;
            }
        };
        return events;
    }

    [Fact]
    public void Every_site_starts_connected_to_every_other_without_events()
    {
        var cluster = Clusters.Make(3);
        var events = Record(cluster);

        cluster.RunUntil(50_000);

        Assert.Empty(events);
        Assert.True(cluster.IsConnected(S1, S2));
        Assert.True(cluster.IsConnected(S3, S2));
    }

    [Fact]
    public void A_partition_disconnects_both_sides_of_each_cut_pair_and_a_heal_connects_them_again()
    {
        var cluster = Clusters.Make(3);
        var events = Record(cluster);

        cluster.Network.Partition([[S1], [S2, S3]]);

        Assert.Equal(["1-2", "2-1", "1-3", "3-1"], events);
        Assert.False(cluster.IsConnected(S1, S2));
        Assert.True(cluster.IsConnected(S2, S3));

        events.Clear();
        cluster.Network.Heal();

        Assert.Equal(["1+2", "2+1", "1+3", "3+1"], events);
        Assert.True(cluster.IsConnected(S2, S1));
    }

    [Fact]
    public void A_one_way_cut_takes_the_connection_down_for_both_and_the_other_direction_changes_nothing_more()
    {
        var cluster = Clusters.Make(3);
        var events = Record(cluster);

        cluster.Network.CutOneWay(S1, S2);
        cluster.Network.CutOneWay(S2, S1);

        Assert.Equal(["1-2", "2-1"], events);
        Assert.False(cluster.IsConnected(S2, S1));
    }

    [Fact]
    public void A_crash_disconnects_the_peers_and_a_restart_connects_the_restarted_site_and_its_peers()
    {
        var cluster = Clusters.Make(3);
        var events = Record(cluster);

        cluster.Crash(S2);

        Assert.Equal(["1-2", "3-2"], events); // the crashed site is told nothing

        events.Clear();
        cluster.Network.CutOneWay(S3, S2);
        cluster.Restart(S2, RepStartRole.Client);

        Assert.Equal(["1+2", "2+1"], events); // site3 cannot reach site2: no connection
        Assert.False(cluster.IsConnected(S2, S3));
    }

    [Fact]
    public void A_client_behind_an_idle_master_catches_up_once_its_connection_heals()
    {
        // Heartbeats off (the default) and no writes after the partition: only the reconnection tells site2 it is
        // behind (seed 1777905507).
        var cluster = Clusters.Make(3);
        cluster.Start(S1, RepStartRole.Master);
        cluster.Start(S2, RepStartRole.Client);
        cluster.Start(S3, RepStartRole.Client);
        cluster.RunUntil(500_000);
        cluster.Propose(S1, [40, 40]);
        cluster.RunUntil(1_000_000);
        Assert.Equal(cluster[S1].Store.LogEnd, cluster[S2].Store.LogEnd);

        cluster.Network.Partition([[S2], [S1, S3]]);
        cluster.Propose(S1, [40, 40]);
        cluster.RunUntil(5_000_000);
        Assert.True(cluster[S2].Store.LogEnd < cluster[S1].Store.LogEnd);

        cluster.Network.Heal();
        cluster.RunUntil(10_000_000);

        Assert.Equal(RepRole.Master, cluster[S1].Role);
        Assert.Equal(S1, cluster[S2].Master);
        Assert.Equal(cluster[S1].Store.LogEnd, cluster[S2].Store.LogEnd);
    }
}
