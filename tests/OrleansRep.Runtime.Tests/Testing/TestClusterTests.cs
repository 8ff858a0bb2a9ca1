using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Placement;
using OrleansRep.Runtime.Testing;

namespace OrleansRep.Runtime.Tests.Testing;

public sealed class TestClusterTests
{
    private static int ActivationsOf(TestCluster cluster) => cluster.LiveSilos.Sum(s => s.Silo.ActivationCount);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_grain_is_reached_from_every_silo_and_the_client_and_lives_on_exactly_one_silo(bool inMemory)
    {
        await using var cluster = await ClusterFixture.StartAsync(inMemory: inMemory);
        var factories = new List<IGrainFactory> { cluster.GrainFactory };
        factories.AddRange(cluster.LiveSilos.Select(s => s.GrainFactory));
        var homes = new HashSet<string>();

        for (int i = 0; i < 12; i++)
        {
            string key = $"counter-{i}";
            var seenFrom = new HashSet<string>();
            int total = 0;
            foreach (var factory in factories)
            {
                var grain = factory.GetGrain<IPlacedCounterGrain>(key);
                total = await grain.Add(1);
                seenFrom.Add(await grain.WhereAmI());
            }

            Assert.Equal(factories.Count, total);
            Assert.Single(seenFrom);
            homes.Add(seenFrom.Single());
        }

        // Twelve grains, one activation each, and consistent hashing used more than one silo.
        Assert.Equal(12, ActivationsOf(cluster));
        Assert.True(homes.Count > 1, $"all grains landed on {string.Join(", ", homes)}");
    }

    [Fact]
    public async Task A_site_keyed_grain_activates_on_its_site_silo()
    {
        await using var cluster = await ClusterFixture.StartAsync();

        for (int site = 1; site <= 3; site++)
        {
            string where = await cluster.Silo(0).GrainFactory.GetGrain<IPlacedCounterGrain>(SiteKey.Format("log", site)).WhereAmI();

            Assert.Equal(cluster.Silo(site - 1).Address.ToString(), where);
            Assert.Equal(1, cluster.Silo(site - 1).Silo.ActivationCount);
        }
    }

    [Fact]
    public async Task A_grain_whose_key_names_an_unknown_site_fails_with_a_typed_error_and_activates_nothing()
    {
        await using var cluster = await ClusterFixture.StartAsync();

        var error = await Assert.ThrowsAsync<UnknownSiteException>(() => cluster.GrainFactory.GetGrain<IPlacedCounterGrain>("log@9").Add(1));

        Assert.Equal(9, error.SiteId);
        Assert.Equal(0, ActivationsOf(cluster));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task When_its_silo_is_killed_a_grain_is_activated_elsewhere_with_its_stored_state(bool inMemory)
    {
        var storage = new MemoryGrainStorage();
        await using var cluster = await ClusterFixture.StartAsync(storage, inMemory: inMemory);
        var grain = cluster.GrainFactory.GetGrain<IPlacedCounterGrain>("survivor");
        Assert.Equal(5, await grain.Add(5));
        string home = await grain.WhereAmI();
        int victim = Enumerable.Range(0, cluster.SiloCount).Single(i => cluster.Silo(i).Address.ToString() == home);

        await cluster.KillSiloAsync(victim);
        await cluster.WaitForViewAsync();

        Assert.Equal(6, await grain.Add(1));
        string newHome = await grain.WhereAmI();
        Assert.NotEqual(home, newHome);
        Assert.Contains(cluster.LiveSilos, s => s.Address.ToString() == newHome);
        Assert.Equal(1, ActivationsOf(cluster));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_restarted_silo_rejoins_with_a_new_generation_on_the_same_endpoint_and_takes_its_site_back(bool inMemory)
    {
        var storage = new MemoryGrainStorage();
        await using var cluster = await ClusterFixture.StartAsync(storage, inMemory: inMemory);
        var siteGrain = cluster.GrainFactory.GetGrain<IPlacedCounterGrain>(SiteKey.Format("log", 3));
        Assert.Equal(2, await siteGrain.Add(2));
        var old = cluster.Silo(2).Address;

        await cluster.KillSiloAsync(2);
        await cluster.WaitForViewAsync();
        await Assert.ThrowsAsync<SiloUnavailableException>(() => siteGrain.Add(1));
        Assert.Equal(2, cluster.LiveSilos.Count);

        var restarted = await cluster.RestartSiloAsync(2);
        await cluster.WaitForViewAsync();

        Assert.Equal(3, cluster.LiveSilos.Count);
        Assert.Equal(old.Port, restarted.Address.Port);
        Assert.True(restarted.Address.Generation > old.Generation);
        Assert.All(cluster.LiveSilos, s => Assert.True(s.Membership.View.IsDead(old)));
        Assert.Equal(3, await siteGrain.Add(1));
        Assert.Equal(restarted.Address.ToString(), await siteGrain.WhereAmI());
    }

    [Fact]
    public async Task Killing_twice_or_a_slot_out_of_range_is_refused()
    {
        await using var cluster = await ClusterFixture.StartAsync(silos: 2);

        await cluster.KillSiloAsync(1);

        await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.KillSiloAsync(1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => cluster.KillSiloAsync(2));
        Assert.False(cluster.IsAlive(1));
        Assert.True(cluster.IsAlive(0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => TestCluster.StartAsync(new TestClusterOptions { SiloCount = 0 }));
    }
}
