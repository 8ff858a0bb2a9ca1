using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using static OrleansRep.Replication.Tests.Support.TestMessages;

namespace OrleansRep.Replication.Tests;

/// <summary>
/// The end of the generation space (<see cref="GenerationSpace"/>): a message carrying a gen or egen past the last is
/// dropped before anything changes; the last generation is not adopted from ALIVE or a vote (no election could follow
/// it); a master of the last generation is followed; and a group at the very end refuses elections and promotions
/// with a typed error and GENERATIONS_EXHAUSTED instead of wrapping around.
/// </summary>
public sealed class GenerationSpaceTests
{
    private const uint Last = GenerationSpace.Last;

    private static readonly ReplicationOptions Heartbeats = new() { HeartbeatSend = TimeSpan.FromSeconds(1), HeartbeatMonitor = TimeSpan.FromSeconds(3) };

    // Site 1 master, 2 and 3 its clients, with heartbeats (a dead master is noticed).
    private static TestGroup GroupWithMaster()
    {
        var group = new TestGroup(3, _ => Heartbeats);
        group.Command(1, new StartReplication(RepStartRole.Master));
        group.Command(2, new StartReplication(RepStartRole.Client));
        group.Command(3, new StartReplication(RepStartRole.Client));
        group.Run(TimeSpan.FromSeconds(5));
        Assert.Equal(new SiteId(1), Assert.Single(group.Masters).Id);
        return group;
    }

    [Fact]
    public void The_e2e_forged_ALIVE_at_the_last_generation_is_dropped_and_the_master_stays()
    {
        var group = GroupWithMaster();
        var client = group[2];
        var before = client.Node.State;
        var dropped = client.Node.Dropped;

        // What the e2e test delivers: ALIVE of gen Last with egen Last + 1, in site 3's name.
        client.Receive(Of(RepMessageType.Alive, 3, Last, new AlivePayload(Last + 1)));
        group.Pump();

        Assert.Same(before, client.Node.State);
        Assert.Equal(dropped + 1, client.Node.Dropped);
        group.Run(TimeSpan.FromSeconds(10));
        Assert.Equal(new SiteId(1), Assert.Single(group.Masters).Id);
        Assert.All(group.Sites, s => Assert.Equal((new SiteId(1), 1u), (s.Node.Master, s.Node.Gen)));
    }

    [Fact]
    public void An_ALIVE_of_the_last_generation_is_not_adopted_even_with_a_valid_egen()
    {
        var site = StartedClient(2, 3);
        var before = site.Node.State;

        Assert.Empty(site.Receive(Of(RepMessageType.Alive, 3, Last, new AlivePayload(Last))));
        Assert.Empty(site.Receive(Vote1(3, Vote(Last), gen: Last)));

        Assert.Same(before, site.Node.State);
        Assert.Equal(2, site.Node.Dropped);
    }

    [Fact]
    public void An_ALIVE_whose_egen_is_out_of_range_is_dropped_before_its_newer_gen_is_adopted()
    {
        var site = StartedClient(2, 3);
        var before = site.Node.State;

        // The gen alone would be adopted; the egen past the last makes the whole message malformed.
        Assert.Empty(site.Receive(Of(RepMessageType.Alive, 3, 5, new AlivePayload(Last + 1))));
        Assert.Empty(site.Receive(Vote1(3, Vote(6, dataGen: Last + 1), gen: 5)));

        Assert.Same(before, site.Node.State);
        Assert.Equal(0u, site.Node.Gen);
        Assert.Equal(2, site.Node.Dropped);
    }

    [Fact]
    public void A_NEWMASTER_of_the_last_generation_is_followed()
    {
        var site = StartedClient(2, 3);

        site.Receive(Of(RepMessageType.NewMaster, 1, Last, new NewMasterPayload(new Storage.Lsn(1, 32))));

        Assert.Equal((RepRole.Client, new SiteId(1), Last), (site.Node.Role, site.Node.Master, site.Node.Gen));
        Assert.Equal(Last + 1, site.Node.State.Egen);
    }

    [Fact]
    public void A_group_pushed_to_the_last_electable_generation_elects_its_last_master_and_then_refuses_with_a_typed_error()
    {
        var group = GroupWithMaster();

        // The highest gen that still leaves room for an election: adopted, and the group elects past it.
        group[2].Receive(Of(RepMessageType.Alive, 3, Last - 1, new AlivePayload(Last)));
        group.Pump();
        group.Run(TimeSpan.FromSeconds(20));
        var last = Assert.Single(group.Masters);
        Assert.Equal(Last, last.Node.Gen);
        Assert.All(group.Sites, s => Assert.Equal((last.Id, Last), (s.Node.Master, s.Node.Gen)));

        // Its master dies: no election can be held past the last generation. The others say so once, elect nobody,
        // and refuse elections and promotions by command.
        group.Down.Add(last.Id);
        group.Run(TimeSpan.FromSeconds(20));
        Assert.Empty(group.Masters);
        foreach (var site in group.Sites.Where(s => s.Id != last.Id))
        {
            Assert.Single(site.Log.EventKinds(), k => k == RepEventKind.GenerationsExhausted);
            Assert.True(site.Node.State.Egen <= Last + 1, $"{site.Id} egen {site.Node.State.Egen} wrapped past the end");
            Assert.Equal(Last, site.Node.Gen);
            var before = site.Node.State;
            Assert.Throws<CommandRefusedException>(() => site.Command(new CallElection()));
            Assert.Throws<CommandRefusedException>(() => site.Command(new Promote(PromotionMode.Fast)));
            Assert.Throws<CommandRefusedException>(() => site.Command(new Promote(PromotionMode.CheckpointFirst)));
            Assert.Same(before, site.Node.State);
            Assert.Equal(RepRole.Client, site.Node.Role);
        }
    }
}
