using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Hosting;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Placement;
using OrleansRep.Runtime.Testing;
using OrleansRep.Runtime.Tests.Support;

namespace OrleansRep.Runtime.Tests.Testing;

public sealed class PartitionTests
{
    private static string Views(TestCluster cluster) =>
        string.Join("; ", cluster.LiveSilos.Select(s => $"{s.Address} ({s.Membership.Status}) sees {s.Membership.View}"));

    /// <summary>A grain placed (by consistent hashing, seen from silo 0) on silo <paramref name="slot"/>, activated there.</summary>
    private static async Task<IPlacedCounterGrain> GrainHostedOnAsync(TestCluster cluster, int slot)
    {
        string home = cluster.Silo(slot).Address.ToString();
        for (int i = 0; i < 256; i++)
        {
            var grain = cluster.Silo(0).GrainFactory.GetGrain<IPlacedCounterGrain>($"partitioned-{i}");
            if (await grain.WhereAmI() == home)
            {
                return grain;
            }
        }

        throw new InvalidOperationException($"none of 256 keys is placed on silo {slot} ({home}); views: {Views(cluster)}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_silo_cut_off_from_the_majority_is_declared_dead_its_grains_move_and_after_the_heal_it_learns_it_and_rejoins_when_restarted(bool inMemory)
    {
        var storage = new MemoryGrainStorage();
        await using var cluster = await ClusterFixture.StartAsync(storage, inMemory: inMemory);
        SiloAddress isolated = cluster.Silo(2).Address;
        var grain = await GrainHostedOnAsync(cluster, 2);
        Assert.Equal(5, await grain.Add(5));

        await cluster.PartitionAsync(2, 0);
        await cluster.PartitionAsync(2, 1);

        // Phase 1: the two silos that still reach each other gather the votes; the lone silo cannot.
        await Eventually.Until(
            () => cluster.Silo(0).Membership.View.IsDead(isolated) && cluster.Silo(1).Membership.View.IsDead(isolated),
            "silos 0 and 1 declare the partitioned silo 2 dead",
            () => Views(cluster));
        Assert.Equal(SiloStatus.Active, cluster.Silo(2).Membership.Status);
        Assert.False(cluster.Silo(2).Membership.View.IsDead(cluster.Silo(0).Address));
        Assert.False(cluster.Silo(2).Membership.View.IsDead(cluster.Silo(1).Address));

        // Phase 2: the grain is activated again on the majority side, from its stored state.
        Assert.Equal(6, await grain.Add(1));
        string newHome = await grain.WhereAmI();
        Assert.Contains(newHome, new[] { cluster.Silo(0).Address.ToString(), cluster.Silo(1).Address.ToString() });

        // Phase 3: after the heal the first exchange tells silo 2 it was declared dead, and it falls silent (Orleans' rule:
        // a declared-dead incarnation never comes back; the process restarts as a new one).
        await cluster.HealAsync(2, 0);
        cluster.HealAll();
        Assert.False(cluster.IsLinkCut(2, 1));
        await Eventually.Until(
            () => cluster.Silo(2).Membership.Status == SiloStatus.Dead,
            "the healed silo 2 learns it was declared dead",
            () => Views(cluster));

        // Phase 4: restarted as a new incarnation on the same endpoint, it rejoins and the views agree again.
        SiloHost restarted = await cluster.RestartSiloAsync(2);
        await cluster.WaitForViewAsync();
        Assert.Equal(isolated.Port, restarted.Address.Port);
        Assert.True(restarted.Address.Generation > isolated.Generation);
        Assert.All(cluster.LiveSilos, s => Assert.True(s.Membership.View.IsDead(isolated), $"{s.Address} sees {s.Membership.View}"));
        Assert.Equal(7, await grain.Add(1));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_one_way_partition_loses_only_the_calls_in_its_direction(bool inMemory)
    {
        await using var cluster = await ClusterFixture.StartAsync(inMemory: inMemory);
        SiloAddress silo0 = cluster.Silo(0).Address;
        SiloAddress silo1 = cluster.Silo(1).Address;
        // Site-keyed grains stay on their silo whatever the views say: site 1 is silo 0, site 2 is silo 1.
        var onSilo0 = cluster.Silo(1).GrainFactory.GetGrain<IPlacedCounterGrain>(SiteKey.Format("log", 1));
        var onSilo1 = cluster.Silo(0).GrainFactory.GetGrain<IPlacedCounterGrain>(SiteKey.Format("log", 2));
        Assert.Equal(1, await onSilo1.Add(1));

        await cluster.PartitionAsync(0, 1, oneWay: true);
        Assert.True(cluster.IsLinkCut(0, 1));
        Assert.False(cluster.IsLinkCut(1, 0));

        // Grain calls: silo 1 still reaches silo 0; silo 0 cannot reach silo 1 and is told so as a network failure.
        Assert.Equal(1, await onSilo0.Add(1));
        var unreachable = await Assert.ThrowsAsync<SiloUnavailableException>(() => onSilo1.Add(1));
        Assert.Equal(silo1, unreachable.Silo);

        // Membership: silo 0's probes of silo 1 are lost at silo 1, so silo 0 votes it dead; one vote is not enough
        // (two are needed), so silo 1, which silos 1 and 2 still hear from, stays active.
        await Eventually.Until(
            () => cluster.Silo(0).Membership.View.FindEndpoint(silo1)?.Votes.Any(v => v.Suspecter == silo0) == true,
            "silo 0 suspects silo 1 after its probes are lost",
            () => Views(cluster));
        Assert.All(cluster.LiveSilos, s => Assert.Equal(SiloStatus.Active, s.Membership.View.StatusOf(silo1)));

        // Healing that one direction lets silo 0's calls through again; the grain kept its state.
        await cluster.HealAsync(0, 1, oneWay: true);
        Assert.False(cluster.IsLinkCut(0, 1));
        Assert.Equal(2, await onSilo1.Add(1));
    }

    [Fact]
    public async Task Partitioning_a_silo_from_itself_or_a_slot_out_of_range_is_refused_and_cuts_nothing()
    {
        await using var cluster = await ClusterFixture.StartAsync(silos: 2);

        await Assert.ThrowsAsync<ArgumentException>(() => cluster.PartitionAsync(1, 1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => cluster.PartitionAsync(0, 2));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => cluster.HealAsync(-1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.IsLinkCut(0, 5));

        Assert.False(cluster.IsLinkCut(0, 1));
        Assert.False(cluster.IsLinkCut(1, 0));
        Assert.Equal(1, await cluster.Silo(0).GrainFactory.GetGrain<IPlacedCounterGrain>(SiteKey.Format("log", 2)).Add(1));
    }
}
