using OrleansRep.Replication;
using OrleansRep.Replication.Messages;
using OrleansRep.Simulation.Network;
using OrleansRep.Simulation.Tests.Support;
using OrleansRep.Storage;

namespace OrleansRep.Simulation.Tests.Network;

public sealed class SimNetworkTests
{
    private static readonly SiteId S1 = new(1), S2 = new(2), S3 = new(3), S4 = new(4);

    private static SimNetwork Net(NetworkFaults faults, int sites = 3, FakeDirectory? directory = null, int maxPerLink = SimNetwork.DefaultMaxInFlightPerLink) =>
        new(directory ?? new FakeDirectory(sites), new Random(42), faults, new FaultCounter(), maxPerLink);

    private static RepMessage Msg(SiteId from, uint offset = 28) => new(RepMessageType.Log, from, 1, new Lsn(1, offset));

    private static List<InFlightMessage> DrainDue(SimNetwork net, long now)
    {
        var got = new List<InFlightMessage>();
        while (net.TryTakeDue(now, out var m))
        {
            got.Add(m);
        }

        return got;
    }

    [Fact]
    public void A_perfect_network_delivers_each_message_once_after_its_latency_in_send_order()
    {
        var net = Net(NetworkFaults.Perfect);
        net.Send(100, S1, Destination.To(S2), Msg(S1, 28), SendOptions.None);
        net.Send(100, S1, Destination.To(S2), Msg(S1, 80), SendOptions.Permanent);

        Assert.Empty(DrainDue(net, 599));
        var got = DrainDue(net, 600);

        Assert.Equal([new Lsn(1, 28), new Lsn(1, 80)], got.Select(m => m.Message.Lsn));
        Assert.All(got, m => Assert.Equal((S1, S2, 600L), (m.From, m.To, m.DueAt)));
        Assert.Equal(SendOptions.Permanent, got[1].Flags);
        Assert.Equal(0, net.InFlight);
        Assert.Equal(2, net.Delivered);
        Assert.Equal(0, net.Counter.Total);
    }

    [Fact]
    public void A_broadcast_goes_to_every_other_site()
    {
        var net = Net(NetworkFaults.Perfect, sites: 4);
        var queued = net.Send(0, S2, Destination.Broadcast, Msg(S2), SendOptions.None);
        Assert.Equal([S1, S3, S4], queued.Select(m => m.To));
    }

    [Fact]
    public void Dropped_messages_never_arrive_and_are_counted()
    {
        var net = Net(NetworkFaults.Perfect with { DropRate = 1 });
        net.Send(0, S1, Destination.Broadcast, Msg(S1), SendOptions.None);
        Assert.Equal(0, net.InFlight);
        Assert.Equal(2, net.Counter[FaultKind.Drop]);
    }

    [Fact]
    public void Duplicated_messages_arrive_twice()
    {
        var net = Net(NetworkFaults.Perfect with { DuplicateRate = 1 });
        net.Send(0, S1, Destination.To(S2), Msg(S1), SendOptions.None);
        var got = DrainDue(net, 10_000);
        Assert.Equal(2, got.Count);
        Assert.Same(got[0].Message, got[1].Message);
        Assert.Equal(1, net.Counter[FaultKind.Duplicate]);
    }

    [Fact]
    public void Delayed_messages_arrive_between_the_normal_latency_and_the_maximum_delay()
    {
        var faults = new NetworkFaults { DelayRate = 1, MinLatency = 100, MaxLatency = 200, MaxDelay = 50_000 };
        var net = Net(faults);
        for (var i = 0; i < 50; i++)
        {
            net.Send(0, S1, Destination.To(S2), Msg(S1), SendOptions.None);
        }

        Assert.All(net.Pending, m => Assert.InRange(m.DueAt, 200, 50_000));
        Assert.Equal(50, net.Counter[FaultKind.Delay]);
        Assert.Contains(net.Pending, m => m.DueAt > 1_000);
    }

    [Fact]
    public void A_reordered_message_overtakes_the_one_sent_before_it()
    {
        var net = Net(new NetworkFaults { ReorderRate = 1, MinLatency = 1_000, MaxLatency = 1_000, MaxDelay = 1_000 });
        net.Send(0, S1, Destination.To(S2), Msg(S1, 28), SendOptions.None);
        net.Send(10, S1, Destination.To(S2), Msg(S1, 80), SendOptions.None);

        var got = DrainDue(net, 5_000);

        Assert.Equal([new Lsn(1, 80), new Lsn(1, 28)], got.Select(m => m.Message.Lsn));
        Assert.Equal(1, net.Counter[FaultKind.Reorder]);
    }

    [Fact]
    public void A_partition_loses_messages_between_its_groups_and_healing_restores_them()
    {
        var net = Net(NetworkFaults.Perfect);
        net.Send(0, S1, Destination.To(S3), Msg(S1, 28), SendOptions.None);
        net.Partition([[S1, S2], [S3]]);
        net.Send(0, S1, Destination.Broadcast, Msg(S1, 80), SendOptions.None);
        net.Send(0, S3, Destination.To(S2), Msg(S3, 90), SendOptions.None);

        var got = DrainDue(net, 1_000);

        // In flight when the cut came: lost at its due time. Sent across the cut: lost at once. Within a group: fine.
        Assert.Equal([(S1, S2, new Lsn(1, 80))], got.Select(m => (m.From, m.To, m.Message.Lsn)));
        Assert.Equal(3, net.Counter[FaultKind.PartitionDrop]);
        Assert.True(net.IsCut(S3, S1));
        Assert.False(net.IsCut(S1, S2));

        net.Heal();
        net.Send(1_000, S3, Destination.To(S1), Msg(S3), SendOptions.None);
        Assert.Single(DrainDue(net, 2_000));
        Assert.Equal(1, net.Counter[FaultKind.Heal]);
    }

    [Fact]
    public void A_one_way_cut_loses_one_direction_only()
    {
        var net = Net(NetworkFaults.Perfect);
        net.CutOneWay(S1, S2);
        net.Send(0, S1, Destination.To(S2), Msg(S1), SendOptions.None);
        net.Send(0, S2, Destination.To(S1), Msg(S2), SendOptions.None);

        Assert.Equal([(S2, S1)], DrainDue(net, 1_000).Select(m => (m.From, m.To)));
        Assert.Equal(1, net.Counter[FaultKind.OneWayPartition]);
        Assert.Equal(1, net.Counter[FaultKind.PartitionDrop]);
    }

    [Fact]
    public void Each_link_holds_a_bounded_number_of_messages()
    {
        var net = Net(NetworkFaults.Perfect, maxPerLink: 3);
        for (var i = 0; i < 5; i++)
        {
            net.Send(0, S1, Destination.To(S2), Msg(S1), SendOptions.None);
        }

        net.Send(0, S1, Destination.To(S3), Msg(S1), SendOptions.None);
        Assert.Equal(4, net.InFlight);
        Assert.Equal(2, net.Counter[FaultKind.Overflow]);

        DrainDue(net, 1_000);
        net.Send(1_000, S1, Destination.To(S2), Msg(S1), SendOptions.None);
        Assert.Equal(1, net.InFlight);
    }

    [Fact]
    public void An_anywhere_request_may_go_to_another_client_but_never_to_a_master_or_its_sender()
    {
        var directory = new FakeDirectory(4);
        directory.Masters[S1] = S1;
        var net = Net(new NetworkFaults { AnywhereRedirectRate = 1 }, directory: directory);
        var targets = new HashSet<SiteId>();
        for (var i = 0; i < 40; i++)
        {
            targets.UnionWith(net.Send(0, S2, Destination.To(S1), Msg(S2), SendOptions.Anywhere).Select(m => m.To));
        }

        Assert.Equal([S3, S4], targets.Order());
        Assert.Equal(40, net.Counter[FaultKind.AnywhereRedirect]);
    }

    [Fact]
    public void A_rerequest_goes_to_the_master_only()
    {
        var directory = new FakeDirectory(4);
        directory.Masters[S2] = S1;
        var net = Net(new NetworkFaults { AnywhereRedirectRate = 1 }, directory: directory);

        var named = net.Send(0, S2, Destination.To(S1), Msg(S2), SendOptions.Anywhere | SendOptions.ReRequest);
        var broadcast = net.Send(0, S2, Destination.Broadcast, Msg(S2), SendOptions.ReRequest);

        Assert.Equal([S1], named.Select(m => m.To));
        Assert.Equal([S1], broadcast.Select(m => m.To));
        Assert.Equal(0, net.Counter[FaultKind.AnywhereRedirect]);
    }

    [Fact]
    public void Messages_in_flight_on_a_link_can_be_dropped_by_hand()
    {
        var net = Net(NetworkFaults.Perfect);
        net.Send(0, S1, Destination.Broadcast, Msg(S1), SendOptions.None);
        net.Send(0, S2, Destination.To(S1), Msg(S2), SendOptions.None);

        var dropped = net.DropWhere(m => m.From == S1 && m.To == S2);

        Assert.Equal([(S1, S2)], dropped.Select(m => (m.From, m.To)));
        Assert.Equal([(S1, S3), (S2, S1)], net.Pending.Select(m => (m.From, m.To)));
        Assert.True(net.TryTakeNext(out var first));
        Assert.Equal(S3, first.To);
    }

    [Fact]
    public void The_same_random_seed_makes_the_same_faults()
    {
        static string Run()
        {
            var net = new SimNetwork(new FakeDirectory(5), new Random(7), new NetworkFaults { DropRate = 0.2, DuplicateRate = 0.2, DelayRate = 0.2, ReorderRate = 0.2, MaxDelay = 100_000 }, new FaultCounter());
            for (var i = 0; i < 200; i++)
            {
                net.Send(i * 10, new SiteId((i % 5) + 1), Destination.Broadcast, new RepMessage(RepMessageType.Log, new SiteId((i % 5) + 1), 1, new Lsn(1, (uint)i)), SendOptions.None);
            }

            return string.Join(",", net.Pending.Select(m => $"{m.From}{m.To}{m.DueAt}{m.Message.Lsn}"));
        }

        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Fault_rates_outside_zero_to_one_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Net(NetworkFaults.Perfect with { DropRate = 1.5 }));
        Assert.Throws<ArgumentException>(() => Net(new NetworkFaults { MinLatency = 10, MaxLatency = 5 }));
    }
}
