using System.Net;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Hosting;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Placement;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Tests.Remote;
using OrleansRep.Runtime.Tests.Testing;
using OrleansRep.Runtime.Tests.Transport;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Tests.Hosting;

public sealed class SiloHostTests
{
    [Fact]
    public async Task A_on_silo_one_calls_B_on_silo_two_which_calls_back_A_and_the_cycle_completes()
    {
        await using var cluster = await ClusterFixture.StartAsync(silos: 2);
        var start = cluster.GrainFactory.GetGrain<ICycleStartGrain>("a@1");

        var first = await TransportTestKit.WithinDeadline(start.Start("b@2"), "A -> B -> A across two silos");
        var second = await start.Start("b@2");

        Assert.Equal("start>bounce>leaf1", first);
        Assert.Equal("start>bounce>leaf2", second);
        Assert.Equal(1, cluster.Silo(0).Silo.ActivationCount);
        Assert.Equal(1, cluster.Silo(1).Silo.ActivationCount);
    }

    [Fact]
    public async Task A_grain_client_calls_grains_on_the_endpoint_that_also_serves_membership()
    {
        var secret = "a-cluster-secret-for-this-test!!"u8.ToArray();
        var sites = new SiteDirectory();
        var options = new SiloHostOptions { ClusterSecret = secret, SiteId = 1 };
        await using var host = await SiloHost.StartAsync(options, new SiloBuilder().AddMemoryGrainStorage().AddGrain<IPlacedCounterGrain, PlacedCounterGrain>(), sites);
        await using var client = await GrainClient.ConnectAsync(host.EndPoint, new GrainClientOptions { ClusterSecret = secret, Roles = ClientRoles.Read | ClientRoles.Write });

        Assert.Equal(4, await client.GetGrain<IPlacedCounterGrain>("log@1").Add(4));
        Assert.Equal(host.Address.ToString(), await client.GetGrain<IPlacedCounterGrain>("log@1").WhereAmI());
        Assert.Equal([host.Address], host.Membership.View.ActiveSilos);
        Assert.True(sites.TryGetEndPoint(1, out _, out int port));
        Assert.Equal(host.EndPoint.Port, port);
    }

    [Fact]
    public async Task A_client_gateway_forwards_calls_for_grains_placed_on_another_silo_and_closes_first_on_stop()
    {
        var secret = "a-cluster-secret-for-this-test!!"u8.ToArray();
        var sites = new SiteDirectory();
        SiloBuilder Builder() => new SiloBuilder().AddMemoryGrainStorage().AddGrain<IPlacedCounterGrain, PlacedCounterGrain>();
        await using var one = await SiloHost.StartAsync(new SiloHostOptions { ClusterSecret = secret, SiteId = 1, GatewayEndPoint = new IPEndPoint(IPAddress.Loopback, 0) }, Builder(), sites);
        await using var two = await SiloHost.StartAsync(new SiloHostOptions { ClusterSecret = secret, SiteId = 2, Seeds = [one.EndPoint] }, Builder(), sites);
        await Eventually(() => one.Membership.View.ActiveSilos.Count == 2, "silo 1 sees silo 2");
        Assert.Null(two.GatewayEndPoint);
        await using var client = await GrainClient.ConnectAsync(one.GatewayEndPoint!, new GrainClientOptions { ClusterSecret = secret });

        Assert.Equal(two.Address.ToString(), await client.GetGrain<IPlacedCounterGrain>("log@2").WhereAmI());
        Assert.Equal(one.Address.ToString(), await client.GetGrain<IPlacedCounterGrain>("log@1").WhereAmI());
        Assert.Equal(1, one.Silo.ActivationCount);
        Assert.Equal(1, two.Silo.ActivationCount);

        await one.DisposeAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => GrainClient.ConnectAsync(one.GatewayEndPoint!, new GrainClientOptions { ClusterSecret = secret }));
    }

    [Fact]
    public async Task A_call_placed_on_a_killed_silo_fails_fast_and_the_retry_after_the_view_changes_succeeds()
    {
        await using var cluster = await ClusterFixture.StartAsync();
        MembershipView before = cluster.Silo(0).Membership.View;
        var pool = new SiloConnectionPool(new TransportClientOptions { ClusterSecret = cluster.ClusterSecret, Roles = ClientRoles.All }, 16);
        await using var _ = pool;
        // A client whose view is stuck before the kill, as every caller's is until detection.
        var stale = new GrainFactory(new ClusterGrainCallInvoker(new PlacementDirector(cluster.Sites), () => before, pool), cluster.Silo(0).GrainTypes);

        SiloAddress killed = cluster.Silo(1).Address;

        await cluster.KillSiloAsync(1);
        var error = await Assert.ThrowsAsync<SiloUnavailableException>(() => stale.GetGrain<IPlacedCounterGrain>("log@2").Add(1));
        Assert.Equal(killed, error.Silo);

        await cluster.WaitForViewAsync();
        await Assert.ThrowsAsync<SiloUnavailableException>(() => cluster.GrainFactory.GetGrain<IPlacedCounterGrain>("log@2").Add(1));
        Assert.Equal(1, await cluster.GrainFactory.GetGrain<IPlacedCounterGrain>("anywhere").Add(1));
    }

    [Fact]
    public async Task A_call_waiting_on_a_silo_that_dies_fails_with_a_typed_error_not_a_timeout()
    {
        await using var cluster = await ClusterFixture.StartAsync();
        var hanging = cluster.GrainFactory.GetGrain<IPlacedCounterGrain>("log@3").Hang(CancellationToken.None);
        await Eventually(() => cluster.Silo(2).Silo.ActivationCount == 1, "the hanging call reached silo 3");

        await cluster.KillSiloAsync(2);

        var error = await Assert.ThrowsAsync<SiloUnavailableException>(() => TransportTestKit.WithinDeadline(hanging, "the hanging call fails"));
        Assert.Equal(2, cluster.LiveSilos.Count);
        Assert.NotNull(error.Silo);
    }

    [Fact]
    public async Task A_silo_that_stops_gracefully_deactivates_its_grains_and_is_dead_in_the_survivors_views()
    {
        await using var cluster = await ClusterFixture.StartAsync();
        SiloHost leaving = cluster.Silo(2);
        Assert.Equal(1, await cluster.GrainFactory.GetGrain<IPlacedCounterGrain>("log@3").Add(1));
        Assert.Equal(1, leaving.Silo.ActivationCount);

        await cluster.StopSiloAsync(2);

        Assert.Equal(0, leaving.Silo.ActivationCount);
        await Eventually(() => cluster.LiveSilos.All(s => s.Membership.View.IsDead(leaving.Address)), "both survivors see the leaver dead");
        await Assert.ThrowsAsync<SiloUnavailableException>(() => cluster.GrainFactory.GetGrain<IPlacedCounterGrain>("log@3").Add(1));
        Assert.Equal(1, await cluster.GrainFactory.GetGrain<IPlacedCounterGrain>("anywhere").Add(1));
    }

    [Fact]
    public async Task Bad_options_and_a_site_bound_elsewhere_are_refused()
    {
        var secret = "a-cluster-secret-for-this-test!!"u8.ToArray();
        var sites = new SiteDirectory();
        sites.Register(1, new IPEndPoint(IPAddress.Loopback, 1));

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => SiloHost.StartAsync(new SiloHostOptions { ClusterSecret = secret, SiteId = 0 }, new SiloBuilder(), sites));
        await Assert.ThrowsAsync<ArgumentException>(() => SiloHost.StartAsync(new SiloHostOptions { ClusterSecret = [1, 2] }, new SiloBuilder(), sites));
        await Assert.ThrowsAsync<ArgumentException>(() => SiloHost.StartAsync(new SiloHostOptions { ClusterSecret = secret, SiteId = 1 }, new SiloBuilder(), sites));
        Assert.Equal(1, sites.Count);
    }

    private static Task Eventually(Func<bool> condition, string what) => Support.Eventually.Until(condition, what);
}
